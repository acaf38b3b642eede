"""Unit tests for loading, validating and rendering the citizen SMS templates."""

from datetime import datetime

import pytest
import yaml

from services.notification.sms_text import is_gsm7
from services.notification.templates import (
    EVENTS,
    TEMPLATES_PATH,
    MissingField,
    RenderedSms,
    TemplateError,
    TooManyParts,
    UnknownTemplate,
    format_datetime,
    load_templates,
    parse_templates,
    render,
    templates_for_event,
)

# Long but realistic values: every template must still fit in 3 parts.
CONTEXT = {
    "office_name": "phường Bến Nghé",
    "code": "000.00.15.H29-240611-0001",
    "appointment": "16:30 14/06/2024",
    "new_appointment": "16:30 21/06/2024",
    "collect_at": "Bộ phận Một cửa phường Bến Nghé",
    "track_url": "https://dichvucong.gov.vn/t/ABCD1234",
    "missing": ["bản sao CCCD có chứng thực"],
    "to_office": "Sở Tư pháp TP. Hồ Chí Minh",
    "tracking_number": "EL123456789VN",
    "what": "nghĩa vụ tài chính",
    "amount": "1.500.000 ₫",
    "deadline": " trước 16:30 21/06/2024",
    "levels": "1 Rất hài lòng, 2 Hài lòng, 3 Không hài lòng",
    "level_label": "Rất hài lòng",
    "reason": "ảnh chụp giấy tờ bị mờ, không đọc được",
}
# the SMS about a dossier (its code and tracking link); the one-time code has its own test
TEMPLATE_IDS = sorted(t.id for t in load_templates().values() if t.event != "verification_code")


def test_every_event_has_a_template():
    assert {t.event for t in load_templates().values()} == set(EVENTS)


def test_every_template_has_a_version():
    for template in load_templates().values():
        assert isinstance(template.version, int) and template.version >= 1


def test_load_templates_is_cached():
    assert load_templates() is load_templates()


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_every_template_renders_within_three_parts(template_id):
    template = load_templates()[template_id]
    sms = render(template_id, CONTEXT)
    assert (sms.template_id, sms.version, sms.encoding) == (
        template_id,
        template.version,
        template.encoding,
    )
    if "code" in template.fields:  # all but the answer to a message that matches nothing
        assert CONTEXT["code"] in sms.text
    assert "{{" not in sms.text and "None" not in sms.text
    assert 1 <= sms.parts <= 3
    if sms.encoding == "GSM7":
        assert is_gsm7(sms.text)


def test_received_is_ucs2_with_diacritics():
    sms = render("received", CONTEXT)
    assert sms == RenderedSms(
        template_id="received",
        version=1,
        encoding="UCS2",
        text=(
            "UBND phường Bến Nghé: Đã nhận hồ sơ 000.00.15.H29-240611-0001. "
            "Hẹn trả 16:30 14/06/2024 tại Bộ phận Một cửa phường Bến Nghé. "
            "Tra cứu: https://dichvucong.gov.vn/t/ABCD1234"
        ),
        length=170,
        parts=3,
    )


def test_result_ready_exists_in_both_encodings():
    ucs2 = render("result_ready", CONTEXT)
    gsm7 = render("result_ready_ascii", CONTEXT)
    assert {t.id for t in templates_for_event("result_ready")} == {
        "result_ready",
        "result_ready_ascii",
    }
    assert (ucs2.encoding, gsm7.encoding) == ("UCS2", "GSM7")
    assert "Hồ sơ" in ucs2.text and "đã có kết quả" in ucs2.text
    assert gsm7.text == (
        "UBND phuong Ben Nghe: Ho so 000.00.15.H29-240611-0001 da co ket qua. "
        "Moi nhan tai Bo phan Mot cua phuong Ben Nghe. "
        "Tra cuu: https://dichvucong.gov.vn/t/ABCD1234"
    )
    assert (gsm7.length, gsm7.parts) == (len(gsm7.text), 1)


def test_delivered_is_gsm7():
    assert render("delivered", CONTEXT).encoding == "GSM7"


def test_forwarded_is_optional():
    assert load_templates()["forwarded"].optional
    assert not load_templates()["received"].optional


def test_ucs2_output_is_composed():
    decomposed = {**CONTEXT, "office_name": "xa\u0303 Tân Phu\u0301"}
    assert render("received", decomposed).text.startswith("UBND xã Tân Phú:")


def test_a_lower_part_limit_degrades_instead_of_refusing():
    sms = render("received", CONTEXT, max_parts=2)
    assert (sms.parts, sms.degraded) == (2, "gsm7")
    shorter = {**CONTEXT, "code": "H29-0001", "collect_at": "UBND"}
    assert render("received", shorter, max_parts=2).degraded is None


def test_too_many_parts_only_when_the_fixed_text_cannot_fit():
    # 150 plain characters and a code: no step can shorten them into one part
    templates = parse_templates({"templates": [_valid_entry(text="x" * 150 + " {{ a }}")]})
    with pytest.raises(TooManyParts) as excinfo:
        render("t", {"a": "H29-240611-0001"}, max_parts=1, templates=templates)
    assert (excinfo.value.parts, excinfo.value.max_parts) == (2, 1)


def test_fixed_text_too_long_for_any_sms_is_refused_on_load():
    with pytest.raises(TemplateError, match="fixed text alone is 4 parts"):
        parse_templates({"templates": [_valid_entry(text="Hồ sơ " * 80 + "{{ a }}")]})


def test_max_parts_must_be_positive():
    with pytest.raises(ValueError):
        render("received", CONTEXT, max_parts=0)


def test_missing_or_none_field_is_refused():
    without_code = {k: v for k, v in CONTEXT.items() if k != "code"}
    with pytest.raises(MissingField, match="code"):
        render("received", without_code)
    with pytest.raises(MissingField, match="code"):
        render("received", {**CONTEXT, "code": None})


def test_unknown_template_is_refused():
    with pytest.raises(UnknownTemplate):
        render("nope", CONTEXT)


def test_template_fields_are_known():
    assert load_templates()["sent_by_post"].fields == {
        "office_name",
        "code",
        "tracking_number",
        "track_url",
    }


def test_format_datetime():
    assert format_datetime(datetime(2024, 6, 14, 16, 30)) == "16:30 14/06/2024"


def _valid_entry(**overrides):
    entry = {"id": "t", "event": "received", "version": 1, "encoding": "UCS2", "text": "{{ a }}"}
    return {**entry, **overrides}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (_valid_entry(encoding="UTF8"), "unknown encoding"),
        ({k: v for k, v in _valid_entry().items() if k != "version"}, "missing version"),
        ({k: v for k, v in _valid_entry().items() if k != "text"}, "missing text"),
        (_valid_entry(version=0), "version"),
        (_valid_entry(version="1"), "version"),
        (_valid_entry(event="archived"), "unknown event"),
        (_valid_entry(colour="red"), "unknown keys colour"),
        (_valid_entry(text="  "), "non-empty"),
        (_valid_entry(text="{{ a "), "t"),
        (_valid_entry(encoding="GSM7", text="Hồ sơ {{ code }}"), "GSM7 text must be plain"),
        (_valid_entry(optional="yes"), "optional"),
        ("just text", "expected a mapping"),
    ],
)
def test_invalid_templates_are_rejected_on_load(entry, message):
    with pytest.raises(TemplateError, match=message):
        parse_templates({"templates": [entry]})


def test_duplicate_ids_are_rejected():
    with pytest.raises(TemplateError, match="twice"):
        parse_templates({"templates": [_valid_entry(), _valid_entry(version=2)]})


def test_templates_file_from_another_path(tmp_path):
    path = tmp_path / "templates.yaml"
    path.write_text(yaml.safe_dump({"templates": [_valid_entry(text="Xin chào {{ a }}")]}))
    templates = load_templates(path)
    sms = render("t", {"a": "bạn"}, templates=templates)
    assert (sms.text, sms.encoding, sms.length, sms.parts) == ("Xin chào bạn", "UCS2", 12, 1)
    assert TEMPLATES_PATH.exists()


def test_the_one_time_code_is_one_gsm7_part_with_the_code_first():
    sms = render("verification_code", {"otp": "048213", "purpose": "gửi phản ánh", "minutes": 10})
    assert sms.encoding == "GSM7" and sms.parts == 1 and sms.degraded is None
    assert sms.text.startswith("048213 la ma xac minh Mot cua de gui phan anh")
