"""No citizen SMS is lost to its length: every template, rendered with the longest realistic
data, fits within DEFAULT_MAX_PARTS; and each step of the degradation order (as is, lists
shortened, free text cut, GSM-7) shows on a concrete example."""

from datetime import date, datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.notification.sms_text import is_gsm7, measure, strip_diacritics
from services.notification.templates import (
    DEFAULT_MAX_PARTS,
    ELLIPSIS,
    MIN_KEPT,
    Shortened,
    format_datetime,
    listing,
    load_templates,
    parse_templates,
    render,
    truncate,
)

# the SMS about a dossier (its code and tracking link); the one-time code has its own test
TEMPLATE_IDS = sorted(t.id for t in load_templates().values() if t.event != "verification_code")

# Among the longest names of communes and wards, with their prefix (compose drops it, the
# generated names below keep it to be longer still).
LONG_OFFICES = (
    "Thị trấn Nông trường Mộc Châu",
    "Thị trấn Nông trường Việt Trung",
    "Thị trấn Nông trường Trần Phú",
    "Thị trấn Nông trường Phong Hải",
    "Xã Phước Vĩnh An",
    "Xã Quảng Phước Thượng",
    "Phường Nghĩa Thành Trung",
    "Xã Đắk Ring Đăk Nên Tây",
)
PLACE_WORDS = (
    "Nông trường Mộc Châu Phước Vĩnh An Thượng Hưng Nghĩa Đức Xuyên Quỳnh Nguyễn Huyện "
    "Trường Khánh Bình Đông Thạnh Lộc Ngọc Hiển Điền Thủy Ứng Hòa Sơn Tây Quảng"
)
SYLLABLES = PLACE_WORDS.split()
DOCUMENTS = (
    "Bản vẽ mặt bằng có chữ ký của chủ đầu tư",
    "Giấy tờ chứng minh quyền sử dụng đất",
    "Bản sao có chứng thực Căn cước công dân",
    "Đơn đề nghị cấp giấy phép xây dựng (mẫu số 01)",
    "Giấy ủy quyền có xác nhận của UBND xã",
)
PROVINCES = ("tiengiang", "thuathienhue", "bariavungtau", "hochiminhcity", "quangninh")
# Vietnamese letters in both cases, precomposed, plus what free text also holds.
VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
FREE_TEXT = VIETNAMESE + VIETNAMESE.upper() + "0123456789 ,.;:-()/\"'"


def _cut(text: str, limit: int) -> str:
    return text[:limit].strip() or text[0]


words = st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=10).map(" ".join)
prefixes = st.sampled_from(("Xã ", "Phường ", "Thị trấn ", ""))
office_names = st.sampled_from(LONG_OFFICES) | st.builds(
    lambda prefix, name: _cut(prefix + name, 40), prefixes, words
)
office_ids = st.from_regex(r"[A-Z][A-Z0-9]{1,11}", fullmatch=True)
codes = st.builds(
    lambda office, day, number: f"{office}-{day:%y%m%d}-{number:04d}",
    office_ids,
    st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    st.integers(1, 9999),
)
timestamps = st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)).map(format_datetime)
tracking_numbers = st.from_regex(r"[A-Z]{2}[0-9]{9}VN", fullmatch=True)
# (free text that spells "None" would pass for a missing value in the check below)
document_names = st.sampled_from(DOCUMENTS) | st.text(FREE_TEXT, min_size=1, max_size=200).filter(
    lambda s: s.strip() and "None" not in s
)
missing_lists = st.lists(document_names, min_size=1, max_size=50)
reasons = st.text(FREE_TEXT, max_size=1000).filter(lambda s: "None" not in s)
collect_places = st.sampled_from(("Bộ phận Một cửa", "địa chỉ đã đăng ký, qua bưu điện"))


@st.composite
def contexts(draw):
    """A context for any template: each field as long as real data gets."""
    code = draw(codes)
    host = f"https://{draw(st.sampled_from(('dichvucong', 'motcua', 'dvc')))}"
    return {
        "office_name": draw(office_names),
        "to_office": draw(office_names),
        "code": code,
        "track_url": f"{host}.{draw(st.sampled_from(PROVINCES))}.gov.vn/track?code={code}",
        "appointment": draw(timestamps),
        "new_appointment": draw(timestamps),
        "collect_at": draw(collect_places),
        "tracking_number": draw(tracking_numbers),
        "missing": draw(missing_lists),
        "reason": draw(reasons),
        "what": draw(st.sampled_from(("phí, lệ phí", "nghĩa vụ tài chính"))),
        "amount": f"{draw(st.integers(1, 100_000_000_000)):,} ₫".replace(",", "."),
        "deadline": draw(st.sampled_from(("",)) | timestamps.map(lambda t: f" trước {t}")),
        "levels": LEVELS,
        "level_label": draw(st.sampled_from(("Rất hài lòng", "Hài lòng", "Không hài lòng"))),
    }


LEVELS = "1 Rất hài lòng, 2 Hài lòng, 3 Không hài lòng"  # satisfaction.yaml's, as listed
LONGEST = {
    "office_name": "Thị trấn Nông trường Mộc Châu Phước Vĩnh",  # 40 characters
    "to_office": "Thị trấn Nông trường Việt Trung Quảng Nam",
    "code": "ABCDEFGHIJKL-991231-9999",
    "track_url": "https://dichvucong.hochiminhcity.gov.vn/track?code=ABCDEFGHIJKL-991231-9999",
    "appointment": "16:30 31/12/2099",
    "new_appointment": "16:30 31/12/2099",
    "collect_at": "địa chỉ đã đăng ký, qua bưu điện",
    "tracking_number": "EB123456789VN",
    "missing": ["Giấy tờ " + "ữ" * 192] * 50,
    "reason": "Lý do " * 166,
    "what": "nghĩa vụ tài chính",
    "amount": "100.000.000.000 ₫",
    "deadline": " trước 16:30 31/12/2099",
    "levels": "1 Rất hài lòng, 2 Hài lòng, 3 Không hài lòng",
    "level_label": "Không hài lòng",
}


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
@settings(max_examples=60, deadline=None)
@given(context=contexts())
@example(context=LONGEST)
def test_every_template_fits_with_the_longest_realistic_data(template_id, context):
    template = load_templates()[template_id]
    sms = render(template_id, context)  # never raises
    assert sms.parts <= DEFAULT_MAX_PARTS
    size = measure(sms.text, sms.encoding)
    assert (size.length, size.parts) == (sms.length, sms.parts)
    # identifiers are never cut: the citizen can always follow the link and quote the code
    # (the answers to a citizen's SMS reply carry no link: they answer it on the spot)
    assert context["code"] in sms.text or "code" not in template.fields
    if "track_url" in template.fields:
        assert sms.text.endswith(context["track_url"])
    assert "{{" not in sms.text and "None" not in sms.text and "[" not in sms.text
    if sms.encoding == "GSM7":
        assert is_gsm7(sms.text)
    if sms.degraded == "gsm7":
        assert (template.encoding, sms.encoding) == ("UCS2", "GSM7")
    else:
        assert sms.encoding == template.encoding


# ---- each step on a concrete example ---------------------------------------------------------

SHORT = {
    "office_name": "Vàm Láng",
    "to_office": "Huyện Gò Công Đông",
    "code": "X28720-240611-0001",
    "track_url": "https://dichvucong.tiengiang.gov.vn/track?code=X28720-240611-0001",
    "appointment": "16:30 14/06/2024",
    "new_appointment": "16:30 21/06/2024",
    "collect_at": "Bộ phận Một cửa",
    "tracking_number": "EB123456789VN",
    "missing": ["Bản sao CCCD"],
    "reason": "Chờ ý kiến Sở Xây dựng",
    "what": "phí, lệ phí",
    "amount": "15.000 ₫",
    "deadline": "",
    "levels": "1 Rất hài lòng, 2 Hài lòng, 3 Không hài lòng",
    "level_label": "Hài lòng",
}
FIVE_DOCUMENTS = [
    "Bản vẽ mặt bằng",
    "Giấy tờ đất",
    "Bản vẽ mặt bằng có chữ ký của chủ đầu tư",
    "Giấy tờ chứng minh quyền sử dụng đất",
    "Bản sao có chứng thực Căn cước công dân",
]


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_short_data_is_never_degraded(template_id):
    sms = render(template_id, SHORT)
    assert sms.degraded is None
    assert sms.encoding == load_templates()[template_id].encoding


def test_a_short_list_is_shown_whole():
    three = {**SHORT, "missing": FIVE_DOCUMENTS[:2]}
    sms = render("supplement_requested", three)
    assert sms.degraded is None
    assert "cần bổ sung: Bản vẽ mặt bằng, Giấy tờ đất. Tra cứu:" in sms.text


def test_five_documents_are_shortened_to_those_that_fit_and_a_count():
    sms = render("supplement_requested", {**SHORT, "missing": FIVE_DOCUMENTS})
    assert (sms.degraded, sms.encoding, sms.parts) == ("shortened", "UCS2", 3)
    assert sms.text == (
        "UBND Vàm Láng: Hồ sơ X28720-240611-0001 cần bổ sung: Bản vẽ mặt bằng, Giấy tờ đất "
        "và 3 giấy tờ khác. "
        "Tra cứu: https://dichvucong.tiengiang.gov.vn/track?code=X28720-240611-0001"
    )


def test_three_ordinary_documents_reach_the_citizen():
    # the message that used to be parked forever by TooManyParts
    documents = FIVE_DOCUMENTS[2:]
    context = {**SHORT, "office_name": "Nông trường Mộc Châu", "missing": documents}
    sms = render("supplement_requested", context)
    assert (sms.degraded, sms.parts) == ("shortened", 3)
    assert "cần bổ sung: Bản vẽ mặt bằng có chữ ký của chủ đầu tư và 2 giấy tờ khác." in sms.text


def test_a_huge_list_still_renders_as_its_count():
    huge = {**SHORT, "missing": ["Giấy tờ " + "ữ" * 190] * 50}
    sms = render("supplement_requested", huge)
    assert (sms.degraded, sms.encoding) == ("shortened", "UCS2")
    assert "cần bổ sung: 50 giấy tờ. Tra cứu:" in sms.text


def _one(text: str, encoding: str = "UCS2"):
    entry = {"id": "t", "event": "late", "version": 1, "encoding": encoding, "text": text}
    return parse_templates({"templates": [entry]})


def test_free_text_is_cut_with_an_ellipsis_reason_first():
    templates = _one("UBND {{ office_name }}: trễ hẹn vì {{ reason }}. Tra cứu: {{ track_url }}")
    long = {**SHORT, "office_name": "Thị trấn Nông trường Mộc Châu", "reason": "Chờ " * 100}
    sms = render("t", long, templates=templates)
    assert (sms.degraded, sms.encoding, sms.parts) == ("truncated", "UCS2", 3)
    assert sms.text.startswith("UBND Thị trấn Nông trường Mộc Châu: trễ hẹn vì Chờ Chờ")
    assert f"Chờ{ELLIPSIS}. Tra cứu: {SHORT['track_url']}" in sms.text


def test_the_office_name_is_cut_to_whole_words():
    code = "ABCDEFGHIJKL-240611-0001"
    context = {
        **SHORT,
        "office_name": "Thị trấn Nông trường Mộc Châu Phước Vĩnh",
        "code": code,
        "track_url": f"https://dichvucong.hochiminhcity.gov.vn/track?code={code}",
    }
    sms = render("late", context)
    assert (sms.degraded, sms.encoding, sms.parts) == ("truncated", "UCS2", 3)
    assert sms.text.startswith(f"UBND Thị trấn Nông trường Mộc{ELLIPSIS} xin lỗi: hồ sơ {code}")
    assert "Hẹn trả mới 16:30 21/06/2024." in sms.text


def test_the_last_resort_is_gsm7_without_diacritics():
    sms = render("received", LONGEST)
    assert (sms.degraded, sms.encoding) == ("gsm7", "GSM7")
    # the whole text, not cut: only its diacritics are gone
    assert sms.text == strip_diacritics(render("received", LONGEST, max_parts=99).text)
    assert sms.text.startswith("UBND Thi tran Nong truong Moc Chau Phuoc Vinh: Da nhan ho so")


def test_gsm7_repeats_the_shortening_when_needed():
    # 180 characters of fixed text: even "50 giấy tờ" is too long as UCS2
    fixed = "Đã nhận. " * 20
    templates = _one("{{ code }} " + fixed + "{{ missing | listing('giấy tờ') }} {{ track_url }}")
    sms = render("t", {**SHORT, "missing": ["Giấy tờ"] * 50}, templates=templates)
    assert (sms.degraded, sms.encoding, sms.parts) == ("gsm7", "GSM7", 3)
    assert f"Da nhan. {'Giay to, ' * 18}Giay to va 31 giay to khac https://" in sms.text


def test_listing_joins_and_counts():
    assert listing(["a", " b ", ""], "giấy tờ") == "a, b"
    assert listing("một giấy tờ, dù là chuỗi", "giấy tờ") == "một giấy tờ, dù là chuỗi"
    assert listing(Shortened(("a", "b"), 3), "giấy tờ") == "a, b và 3 giấy tờ khác"
    assert listing(Shortened((), 5), "giấy tờ") == "5 giấy tờ"


def test_a_list_must_go_through_listing():
    templates = _one("Cần {{ missing }}")
    with pytest.raises(ValueError, match="listing"):
        render("t", {"missing": ["a", "b"]}, templates=templates)


@pytest.mark.parametrize(
    ("value", "keep", "expected"),
    [
        ("Thị trấn Nông trường Mộc Châu", 24, "Thị trấn Nông trường Mộc…"),
        ("Thị trấn Nông trường Mộc Châu", 23, "Thị trấn Nông trường…"),
        ("Thị trấn Nông trường Mộc Châu", 20, "Thị trấn Nông trường…"),
        ("Chờ ý kiến, của Sở Xây dựng tỉnh", 27, "Chờ ý kiến, của Sở Xây dựng…"),
        ("x" * 50, 30, "x" * 30 + "…"),
    ],
)
def test_truncate(value, keep, expected):
    assert truncate(value, keep) == expected
    assert len(truncate(value, keep)) >= min(MIN_KEPT, keep)
