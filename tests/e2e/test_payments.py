"""Money against the payment-platform simulator: a fee paid at the counter, a fee paid online
before the dossier is accepted, a land dossier's financial obligation paid late (at the counter)
then on time (online), a refused dossier's fee refunded, callbacks replayed and forged, and the
reconciliation against the platform's records."""

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from contracts.calendar import WorkingCalendar
from contracts.money import format_vnd, receipt_number
from contracts.payment_platform import SIGNATURE_HEADER
from services.common.signing import sign
from services.notification.fakesmsc import read_received
from services.routing.domain import resumed_due
from tests.e2e.conftest import BASE, FAKESMSC_LOG, eventually, stack

pytestmark = pytest.mark.e2e
SECRET = os.environ.get("LT_PAYMENT_PLATFORM_SECRET", "lienthong-dev-payment")
PLATFORM = os.environ.get("LT_PAYMENT_PLATFORM_URL", "http://127.0.0.1:8091")
COMMUNE = "X28720"  # Vàm Láng: HT-04 (15.000 ₫) is decided there
PROVINCE = "T82"  # Tiền Giang: DD-04 (a land dossier, 50.000 ₫) is decided there


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def sms_to(phone: str, since: int) -> list[str]:
    return [s.text for s in read_received(FAKESMSC_LOG)[since:] if s.to.endswith(phone[1:])]


def track(code: str, phone: str) -> dict:
    r = requests.get(f"{BASE}/api/track/{code}", params={"phone": phone[-4:]}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def pay_online(code: str, phone: str, action="pay") -> dict:
    """The citizen opens the tracking page's pay link and pays (or cancels) on the platform."""
    payment = eventually(
        lambda: next((p for p in track(code, phone)["payments"] if p["pay_url"]), None),
        30,
        f"a pay link for {code}",
    )
    page = requests.get(payment["pay_url"], timeout=30)
    assert page.status_code == 200 and format_vnd(payment["amount_vnd"]) in page.text
    r = requests.post(
        payment["pay_url"], data={"action": action, "channel": "e_wallet"}, timeout=30
    )
    assert r.status_code == 200, r.text
    return payment


def payments_of(officer, code: str) -> list[dict]:
    return officer.dossier(code)["payments"]


def wait_payment(officer, code: str, status: str, kind="fee") -> dict:
    return eventually(
        lambda: next(
            (p for p in payments_of(officer, code) if p["kind"] == kind and p["status"] == status),
            None,
        ),
        30,
        f"{kind} of {code} {status}",
    )


def test_a_fee_paid_at_the_counter_has_its_receipt(officers):
    receiver = officers(COMMUNE, "receiver")
    answer = receiver.receive("HT-04", phone="0912000401", fee_method="transfer")
    code, fee = answer["code"], answer["receipt"]["fee"]
    assert answer["status"] == "received" and answer["receipt"]["fee_vnd"] == 15000
    assert fee == {
        "amount_vnd": 15000,
        "method": "transfer",
        "receipt_number": receipt_number(f"{code}-F"),
        "collected_by": receiver.name,
    }
    paid = wait_payment(receiver, code, "paid")
    assert (paid["method"], paid["receipt_number"]) == ("transfer", fee["receipt_number"])
    day = when(paid["paid_at"]).astimezone(WorkingCalendar().tz).date().isoformat()
    report = receiver.get("/api/payments", office=COMMUNE, **{"from": day, "to": day})
    assert report.status_code == 200, report.text
    listed = [p for p in report.json()["payments"] if p["dossier_code"] == code]
    assert [(p["amount_vnd"], p["method"]) for p in listed] == [(15000, "transfer")]
    assert report.json()["collected_vnd"]["transfer"] >= 15000
    # nothing is due: a second payment at the counter is refused
    r = receiver.post(f"/api/dossiers/{code}/payments", {"method": "cash"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "nothing_due"


def test_a_fee_paid_online_before_the_dossier_is_accepted(officers):
    receiver, handler = officers(COMMUNE, "receiver"), officers(COMMUNE, "handler")
    phone, since = "0912000402", len(read_received(FAKESMSC_LOG))
    answer = receiver.receive("HT-04", phone=phone, fee_method="online")
    code = answer["code"]
    assert answer["status"] == "awaiting_fee" and answer["receipt"]["fee"]["receipt_number"] is None
    d = receiver.wait_state(code, "awaiting_fee")
    assert d["national_status"] == 1 and d["due_status"] == "paused"
    handler.act(code, "accept", expect=409)  # not accepted until it is paid
    sms = eventually(lambda: sms_to(phone, since), 30, "the payment SMS")
    assert "15.000 ₫" in sms[0] and code in sms[0] and "Đã nhận hồ sơ" not in " ".join(sms)

    pay_online(code, phone)
    d = receiver.wait_state(code, "awaiting_acceptance")
    paid = wait_payment(receiver, code, "paid")
    assert paid["method"] == "online" and paid["receipt_number"] == receipt_number(f"{code}-F")
    confirmed = [h for h in d["history"] if h["type"] == "fee_confirmed"]
    assert len(confirmed) == 1 and d["national_status"] == 4
    # the clock started when it was paid: the appointment moved by the office time it waited
    calendar = WorkingCalendar()
    waited = calendar.working_time_between(
        when(answer["receipt"]["received_at"]), when(confirmed[0]["at"])
    )
    assert when(d["appointment_at"]) == resumed_due(
        when(answer["appointment_at"]), waited, calendar
    )
    texts = eventually(lambda: [t for t in sms_to(phone, since) if "Đã nhận hồ sơ" in t], 30)
    assert len(texts) == 1
    assert track(code, phone)["payments"][0]["status_label"] == "Đã nộp"


def _at_province(officers, phone: str) -> str:
    """A land dossier (DD-04) received at the commune and accepted at the province."""
    receiver, handler = officers(COMMUNE, "receiver"), officers(PROVINCE, "handler")
    code = receiver.receive("DD-04", phone=phone)["code"]
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    return code


def test_an_obligation_paid_late_at_the_counter_then_one_paid_on_time_online(officers, stack_clock):
    receiver, handler = officers(COMMUNE, "receiver"), officers(PROVINCE, "handler")
    phone, since = "0912000403", len(read_received(FAKESMSC_LOG))
    code = _at_province(officers, phone)
    before = handler.dossier(code)
    # only a procedure that may owe one offers it; the amount is whole VND
    assert "request_obligation" in before["actions"]
    float_amount = handler.post(
        f"/api/dossiers/{code}/actions",
        {"action": "request_obligation", "amount_vnd": 1500000.5, "reason": "x",
         "pay_by": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
    )  # fmt: skip
    assert float_amount.status_code == 400, float_amount.text
    pay_by = datetime.now(UTC) + timedelta(days=1)
    handler.act(
        code, "request_obligation", amount_vnd=1500000, reason="Lệ phí trước bạ nhà đất",
        pay_by=pay_by.isoformat(),
    )  # fmt: skip
    d = handler.wait_state(code, "obligation_requested")
    assert d["national_status"] == 6 and d["due_status"] == "paused"
    due = wait_payment(receiver, code, "due", "obligation")
    assert due["amount_vnd"] == 1500000 and due["office_id"] == COMMUNE
    sms = eventually(lambda: [t for t in sms_to(phone, since) if "1.500.000 ₫" in t], 30)
    assert code in sms[0] and "nghĩa vụ tài chính" in sms[0]

    # the deadline passes unpaid: raised to the office once
    stack_clock.set(timedelta(days=2))
    eventually(
        lambda: [h for h in handler.dossier(code)["history"] if h["type"] == "obligation_overdue"],
        30,
        "the overdue notice",
    )
    time.sleep(6)  # another pass of the payment service's timer raises nothing more
    history = handler.dossier(code)["history"]
    assert len([h for h in history if h["type"] == "obligation_overdue"]) == 1
    # paid late at the counter: the clock resumes, the appointment moves by the time it stood
    paid = receiver.post(f"/api/dossiers/{code}/payments", {"method": "cash"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["receipt_number"] == receipt_number(due["payment_id"])
    d = handler.wait_state(code, "in_process")
    asked = next(h for h in d["history"] if h["type"] == "obligation_requested")
    done = next(h for h in d["history"] if h["type"] == "obligation_fulfilled")
    calendar = WorkingCalendar()
    stood = calendar.working_time_between(when(asked["at"]), when(done["at"]))
    assert stood > timedelta(0)
    assert when(d["appointment_at"]) == resumed_due(when(before["appointment_at"]), stood, calendar)
    assert d["supplement_requests"] == 0  # a payment is no supplement

    # a second notice, paid online on time (the platform pays it by itself: [autopay])
    handler.act(
        code, "request_obligation", amount_vnd=250000, reason="Thuế thu nhập cá nhân [autopay]",
        pay_by=(datetime.now(UTC) + timedelta(days=5)).isoformat(),
    )  # fmt: skip
    second = eventually(
        lambda: [p for p in payments_of(handler, code) if p["amount_vnd"] == 250000
                 and p["status"] == "paid"],
        30, "the second notice paid online",
    )  # fmt: skip
    assert second[0]["method"] == "online"
    d = handler.wait_state(code, "in_process")
    assert len([h for h in d["history"] if h["type"] == "obligation_fulfilled"]) == 2
    assert len([h for h in d["history"] if h["type"] == "obligation_overdue"]) == 1
    handler.act(code, "resolve")
    receiver.wait_state(code, "ready_at_counter")


def callback(body: dict, secret=SECRET, at=None) -> requests.Response:
    raw = json.dumps(body).encode()
    header = sign(secret, raw, int(at if at is not None else time.time()))
    return requests.post(
        f"{BASE}/api/callbacks/payment",
        data=raw,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: header},
        timeout=30,
    )


def test_a_refused_dossiers_fee_is_refunded_and_callbacks_are_checked(officers):
    receiver, handler = officers(COMMUNE, "receiver"), officers(COMMUNE, "handler")
    phone = "0912000404"
    online = receiver.receive("HT-04", phone=phone, fee_method="online")["code"]
    pay_online(online, phone)
    cash = receiver.receive("HT-04", phone=phone)["code"]
    for code in (online, cash):
        # the online one shows in the worklist while its payment is still on its way
        handler.wait_state(code, "awaiting_acceptance")
        handler.act(code, "accept")
        handler.act(code, "refuse", reason="Không đủ điều kiện")
    for code, method in ((online, "online"), (cash, "cash")):
        refunded = wait_payment(receiver, code, "refunded")
        assert refunded["refunded_vnd"] == 15000 == refunded["amount_vnd"]
        assert [r["method"] for r in refunded["refunds"]] == [method]

    # the platform's own record of the online payment: paid, then refunded, exactly once
    platform_ref = wait_payment(receiver, online, "refunded")["platform_ref"]
    platform = requests.get(f"{PLATFORM}/payments/{platform_ref}", timeout=30).json()
    assert platform["refunded_amount"] == 15000 and len(platform["refunds"]) == 1
    event = platform["events"][-1]
    # a replay of a real callback changes nothing: 409; forged or stale ones: 401
    assert callback(event).status_code == 409
    assert (
        callback({**event, "event_id": "x" + uuid.uuid4().hex}, secret="wrong").status_code == 401
    )
    assert (
        callback({**event, "event_id": "y" + uuid.uuid4().hex}, at=time.time() - 3600).status_code
        == 401
    )
    unknown = {**event, "event_id": "z" + uuid.uuid4().hex, "reference": "X00000-000000-0000-F-1"}
    assert callback(unknown).status_code == 404
    refunded = wait_payment(receiver, online, "refunded")
    assert refunded["refunded_vnd"] == 15000 and len(refunded["refunds"]) == 1


def test_reconcile_names_a_payment_the_platform_has_and_we_have_not(officers):
    receiver, handler = officers(COMMUNE, "receiver"), officers(PROVINCE, "handler")
    code = _at_province(officers, "0912000405")
    handler.act(
        code, "request_obligation", amount_vnd=320000,
        reason="Tiền sử dụng đất [autopay] [nocallback]",
        pay_by=(datetime.now(UTC) + timedelta(days=5)).isoformat(),
    )  # fmt: skip
    due = wait_payment(receiver, code, "due", "obligation")
    day = datetime.now(UTC).date().isoformat()

    def reconcile() -> tuple[int, str]:
        out = subprocess.run(
            [sys.executable, "-m", "services.ops.reconcile", "--date", day],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        return out.returncode, out.stdout + out.stderr

    # paid at the platform, no callback: the platform has it, we do not (yet). (Other lines of
    # the report may name earlier runs' payments: the simulator forgets its own when restarted.)
    status, report = eventually(
        lambda: (r := reconcile())[0] == 1 and due["payment_id"] in r[1] and r, 30
    )
    (line,) = [x for x in report.splitlines() if due["payment_id"] in x]
    assert "not_recorded_here" in line
    # the payment service polls the platform when callbacks stop, and then they agree
    wait_payment(receiver, code, "paid", "obligation")
    eventually(lambda: due["payment_id"] not in reconcile()[1], 30, "the payment reconciled")


def test_a_payment_made_while_the_payment_service_and_routing_are_down_is_not_lost(officers):
    """The platform's callbacks find nobody (the gateway answers 503 and the platform gives up
    after its retries); when the services are back, the payment is applied (from the RPC
    queue, or by polling the platform) and the dossier is accepted, once."""
    receiver = officers(COMMUNE, "receiver")
    phone = "0912000406"
    code = receiver.receive("HT-04", phone=phone, fee_method="online")["code"]
    payment = eventually(
        lambda: next((p for p in track(code, phone)["payments"] if p["pay_url"]), None), 30
    )
    stack("service-stop", "payment")
    stack("service-stop", "routing")
    try:
        r = requests.post(payment["pay_url"], data={"action": "pay"}, timeout=30)
        assert r.status_code == 200, r.text
        time.sleep(5)  # the platform's callback retries run out meanwhile
    finally:
        stack("service-start", "payment")
        stack("service-start", "routing")
    back = lambda: receiver.get(f"/api/dossiers/{code}").status_code == 200  # noqa: E731
    eventually(back, 60, "routing and payment answering again")
    d = receiver.wait_state(code, "awaiting_acceptance", timeout=60)
    assert len([h for h in d["history"] if h["type"] == "fee_confirmed"]) == 1
    (paid,) = d["payments"]
    assert paid["status"] == "paid" and paid["method"] == "online"
