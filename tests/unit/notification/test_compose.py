"""Which event sends which SMS, postal return included."""

from datetime import UTC, datetime

import pytest

from contracts.calendar import WorkingCalendar
from contracts.offices import load_offices
from services.notification import domain
from services.notification.templates import format_datetime

CODE = "X28720-261123-0001"
RECIPIENT = {"_id": CODE, "phone": "0912345678", "office_id": "X28720"}


def compose(event_type: str, payload: dict):
    return domain.compose(
        event_type, CODE, payload, RECIPIENT, load_offices(), WorkingCalendar(), "http://x"
    )


def test_result_ready_invites_to_the_counter_only_when_the_citizen_collects_there():
    assert compose("result_returned", {"return_method": "counter"}).template_id == "result_ready"
    assert compose("result_returned", {"return_method": "post"}) is None


def test_sent_by_post_carries_the_tracking_number():
    sms = compose("shipment_requested", {"tracking_number": "EL123456789VN"})
    assert sms.template_id == "sent_by_post"
    assert "mã vận đơn EL123456789VN" in sms.text


@pytest.mark.parametrize(
    ("event_type", "template_id"),
    [
        ("result_delivered_by_post", "delivered"),
        ("result_returned_from_post", "returned_from_post"),
        ("shipment_picked_up", None),
        ("delivery_failed", None),
    ],
)
def test_postal_outcomes(event_type, template_id):
    sms = compose(event_type, {"tracking_number": "EL123456789VN"})
    assert (sms.template_id if sms else None) == template_id


def test_a_result_by_post_is_promised_at_home_until_the_post_brings_it_back():
    by_post = {**RECIPIENT, "return_method": "post"}
    received = domain.compose(
        "dossier_received",
        CODE,
        {"appointment_at": datetime(2026, 12, 1, 10, tzinfo=UTC)},
        by_post,
        load_offices(),
        WorkingCalendar(),
        "http://x",
    )
    assert "tại địa chỉ đã đăng ký, qua bưu điện" in received.text
    back = domain.compose(
        "result_returned_from_post", CODE, {}, by_post, load_offices(), WorkingCalendar(), "x"
    )
    assert "Mời nhận tại Bộ phận Một cửa" in back.text


def test_supplemented_gives_the_new_appointment():
    at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    sms = compose("dossier_supplemented", {"appointment_at": at})
    local = format_datetime(WorkingCalendar().local(at))
    assert sms.template_id == "supplemented"
    assert f"Đã nhận bổ sung hồ sơ {CODE}. Hẹn trả mới {local}." in sms.text


def test_late_gives_the_new_appointment():
    at = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
    sms = compose("dossier_extended", {"appointment_at": at, "reason": "Chờ ý kiến Sở"})
    assert sms.template_id == "late"
    assert f"Hẹn trả mới {format_datetime(WorkingCalendar().local(at))}." in sms.text


def test_supplement_request_lists_the_documents_and_never_fails_for_their_length():
    missing = [
        "Bản vẽ mặt bằng có chữ ký của chủ đầu tư",
        "Giấy tờ chứng minh quyền sử dụng đất",
        "Bản sao có chứng thực Căn cước công dân",
    ]
    one = compose("supplement_requested", {"missing_documents": missing[:1]})
    assert f"cần bổ sung: {missing[0]}. Tra cứu: http://x/track?code={CODE}" in one.text
    three = compose("supplement_requested", {"missing_documents": missing})
    assert three.degraded == "shortened" and "giấy tờ khác" in three.text
    assert three.text.endswith(f"Tra cứu: http://x/track?code={CODE}")


def test_every_event_that_sends_an_sms_has_a_handler():
    from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

    from services.notification.service import NotificationService

    handled = {
        (extension.source_service, extension.event_type, name)
        for name in dir(NotificationService)
        for extension in getattr(getattr(NotificationService, name), ENTRYPOINT_EXTENSIONS_ATTR, ())
        if hasattr(extension, "event_type")
    }
    assert handled == {(src, event, f"on_{event}") for src, event in domain.SMS_OF}
