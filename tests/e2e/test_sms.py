"""Citizen SMS through the real Kannel: texts as fakesmsc received them, gateway outages, duplicate
events with two notification processes, delivery reports, numbers that cannot receive SMS."""

import json
import math
import os
import time
from datetime import datetime
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Producer, Queue

from contracts.calendar import WorkingCalendar
from services.notification.fakesmsc import read_received
from services.notification.templates import format_datetime
from tests.e2e.conftest import BASE, FAKESMSC_LOG, eventually, stack

pytestmark = pytest.mark.e2e
AMQP_URI = os.environ.get("LT_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def sms_to(msisdn: str, since: int) -> list:
    return [s for s in read_received(FAKESMSC_LOG)[since:] if s.to == msisdn]


def messages(officer, code: str) -> list[dict]:
    return officer.dossier(code)["sms"]


@pytest.fixture
def ascii_result_template():
    """notification restarted with the GSM-7 'result ready' template chosen for result_returned."""
    stack("service-stop", "notification")
    os.environ["LT_SMS_TEMPLATES"] = "result_returned=result_ready_ascii"
    try:
        stack("service-start", "notification")
        yield
    finally:
        del os.environ["LT_SMS_TEMPLATES"]
        stack("service-stop", "notification")
        stack("service-start", "notification")


def test_ucs2_and_gsm7_texts_as_the_phone_gets_them(officers, ascii_result_template):
    receiver, handler = officers("X28720", "receiver"), officers("X28720", "handler")
    since = len(read_received(FAKESMSC_LOG))
    receipt = receiver.receive("HT-03", phone="+84 912 000 111")
    code = receipt["code"]
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    handler.act(code, "resolve")
    both = eventually(lambda: (m := sms_to("84912000111", since)) and len(m) >= 2 and m)
    # (the two may reach the SMS centre in either order: each event has its own queue)
    received = next(m for m in both if "Đã nhận" in m.text)
    ready = next(m for m in both if "da co ket qua" in m.text)

    appointment = format_datetime(
        WorkingCalendar().local(datetime.fromisoformat(receipt["appointment_at"]))
    )
    track = f"{BASE}/track?code={code}"
    assert received.coding in ("ucs-2", "concatenated")
    assert received.text == (
        f"UBND Vàm Láng: Đã nhận hồ sơ {code}. Hẹn trả {appointment} tại Bộ phận Một cửa. "
        f"Tra cứu: {track}"
    )
    assert ready.coding in ("text", "concatenated")
    assert ready.text == (
        f"UBND Vam Lang: Ho so {code} da co ket qua. Moi nhan tai Bo phan Mot cua. Tra cuu: {track}"
    )
    log = {m["template_id"]: m for m in messages(receiver, code)}
    assert (log["received"]["encoding"], log["result_ready_ascii"]["encoding"]) == (
        "UCS2",
        "GSM7",
    )
    assert len(received.text) > 70  # too long for one UCS-2 SMS: 67 characters a part
    assert log["received"]["parts"] == received.parts == math.ceil(len(received.text) / 67)
    assert len(ready.text) <= 160  # one GSM-7 SMS
    assert log["result_ready_ascii"]["parts"] == ready.parts == 1
    assert log["received"]["to"].endswith("111") and "912000" not in log["received"]["to"]


def test_kannel_logs_no_phone_number_and_no_text(officers):
    """Kannel's own logs (core, access, smsbox) carry neither the number nor the text of an SMS;
    the services log numbers masked."""
    logs = Path(os.environ.get("LT_STACK_DIR", ".stack")) / "logs"
    names = ("kannel-core.log", "kannel-access.log", "kannel-smsbox.log", "bearerbox.log")
    sizes = {name: (logs / name).stat().st_size for name in names if (logs / name).exists()}
    since = len(read_received(FAKESMSC_LOG))
    code = officers("X28720", "receiver").receive("HT-03", phone="0912000333")["code"]
    eventually(lambda: sms_to("84912000333", since), 30, "the SMS at the SMS centre")
    eventually(
        lambda: (logs / "kannel-access.log").stat().st_size > sizes["kannel-access.log"],
        10,
        "Kannel's access log line",
    )
    for name, size in sizes.items():
        with open(logs / name, "rb") as f:
            f.seek(size)
            written = f.read().decode("utf-8", "replace")
        assert "912000333" not in written, name
        assert code not in written, name  # the text (the dossier code is in it)


def test_gateway_down_then_back_sends_once(officers):
    receiver = officers("X28702", "receiver")
    since = len(read_received(FAKESMSC_LOG))
    stack("bearerbox-stop")
    try:
        code = receiver.receive("HT-03", phone="0912000222")["code"]
        failed = eventually(
            lambda: [m for m in messages(receiver, code) if m["attempts"] >= 1],
            30,
            "a failed attempt",
        )[0]
        assert failed["status"] == "queued"
        assert any("unreachable" in h["detail"] for h in failed["history"])
        assert sms_to("84912000222", since) == []
    finally:
        stack("bearerbox-start")
    eventually(lambda: sms_to("84912000222", since), 60, "the SMS after Kannel came back")
    message = eventually(
        lambda: next(
            (m for m in messages(receiver, code) if m["status"] in ("sent", "delivered")), None
        ),
        30,
    )
    statuses = [h["status"] for h in message["history"]]
    assert statuses.index("queued", 1) < statuses.index("sending", statuses.index("queued", 1))
    time.sleep(3)
    assert len(sms_to("84912000222", since)) == 1


@pytest.fixture
def second_notification():
    stack("service-start", "notification:2")
    yield
    stack("service-stop", "notification:2")


def test_same_event_twice_with_two_processes_sends_one_sms(officers, second_notification):
    receiver = officers("X28726", "receiver")
    since = len(read_received(FAKESMSC_LOG))
    with Connection(AMQP_URI) as conn:
        channel = conn.channel()
        tap = Queue("", exclusive=True, auto_delete=True)(channel)
        tap.declare()
        intake_events = Exchange("intake.events", type="topic", durable=True)(channel)
        intake_events.declare()
        tap.bind_to(exchange=intake_events, routing_key="dossier_received")
        code = receiver.receive("HT-03", phone="0912000333")["code"]
        envelope = eventually(
            lambda: next(
                (
                    body
                    for m in iter(lambda: tap.get(no_ack=True), None)
                    if (body := json.loads(m.body))["dossier_code"] == code
                ),
                None,
            )
        )
        producer = Producer(channel)
        for _ in range(2):  # the broker redelivers it; an operator re-drives it
            producer.publish(
                envelope,
                exchange=intake_events,
                routing_key="dossier_received",
                serializer="json",
                delivery_mode=2,
                message_id=envelope["message_id"],
            )
    eventually(lambda: sms_to("84912000333", since), 30)
    time.sleep(4)
    assert len(sms_to("84912000333", since)) == 1
    assert len(messages(receiver, code)) == 1


def test_delivery_report_reaches_the_message_log(officers):
    receiver = officers("X28720", "receiver")
    code = receiver.receive("HT-03", phone="0912000444")["code"]
    message = eventually(
        lambda: next((m for m in messages(receiver, code) if m["status"] == "delivered"), None)
    )
    assert [h["status"] for h in message["history"]][-1] == "delivered"
    assert "sms_delivered" in [e["type"] for e in receiver.dossier(code)["timeline"]]


@pytest.mark.parametrize(
    "phone, reason", [("02838123456", "landline"), ("0912", "invalid"), ("+1 202 555 0100", "")]
)
def test_a_number_that_cannot_get_sms_is_rejected_with_its_reason(officers, phone, reason):
    receiver = officers("X28720", "receiver")
    code = receiver.receive("HT-03", phone=phone)["code"]
    message = eventually(lambda: messages(receiver, code) and messages(receiver, code)[0])
    assert message["status"] == "rejected"
    assert message["to"] is None and reason in message["reason"]
    time.sleep(3)
    assert messages(receiver, code)[0]["attempts"] == 0  # no retry loop
