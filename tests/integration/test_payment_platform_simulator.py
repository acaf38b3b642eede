"""The payment platform simulator as a real process, with a callback receiver in this process."""

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from contracts.payment_platform import (
    PAYMENT_REF_PATTERN,
    REFUND_REF_PATTERN,
    SIGNATURE_HEADER,
    PaymentSchema,
    StatusCallbackSchema,
)
from services.common.signing import BadSignature, verify

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-payment-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    """Collects the callbacks POSTed by the simulator; always answers 204."""

    def __init__(self):
        self.received: list[tuple[dict, bytes, str | None]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(
                    (json.loads(body), body, self.headers.get(SIGNATURE_HEADER))
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/callbacks/payment"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def raw_for(self, payment_ref: str) -> list[tuple[dict, bytes, str | None]]:
        return [item for item in self.received if item[0]["payment_ref"] == payment_ref]

    def for_payment(self, payment_ref: str) -> list[dict]:
        return [payload for payload, _, _ in self.raw_for(payment_ref)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def platform(receiver):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.payment_platform.simulator",
            "--port",
            str(port),
            "--callback-url",
            receiver.url,
            "--secret",
            SECRET,
            "--pay-delay",
            "0.2",
            "--fail-rate",
            "0.0",
            "--callback-delay",
            "0",
            "--seed",
            "7",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            if call(base, "GET", "/health")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("payment platform simulator did not start")
        time.sleep(0.1)
    yield base
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


def call(base: str, method: str, path: str, body=None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def page(url: str, form: dict | None = None) -> tuple[int, str]:
    """GET the page, or POST the form to it as a browser would (form-encoded)."""
    data = None if form is None else urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, method="GET" if form is None else "POST")
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def payment_request(description: str = "Lệ phí đăng ký hộ kinh doanh", **overrides) -> dict:
    return {
        "reference": f"PMT-{uuid.uuid4().hex[:12]}",
        "amount": 150_000,
        "description": description,
        "payer_name": "Nguyễn Thị Lan",
        **overrides,
    }


def create(platform: str, description: str = "Lệ phí đăng ký hộ kinh doanh", **kw) -> dict:
    status, payment = call(platform, "POST", "/payments", payment_request(description, **kw))
    assert status == 201, payment
    assert payment["status"] == "pending"
    return payment


def wait_for_status(platform: str, ref: str, status: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, payment = call(platform, "GET", f"/payments/{ref}")
        if payment["status"] == status:
            return payment
        time.sleep(0.05)
    pytest.fail(f"{ref} never became {status}: {payment}")


def wait_for_callbacks(receiver: Receiver, ref: str, count: int, timeout=10) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        callbacks = receiver.for_payment(ref)
        if len(callbacks) >= count:
            return callbacks
        time.sleep(0.05)
    pytest.fail(f"fewer than {count} callbacks for {ref}: {receiver.for_payment(ref)}")


def test_create_then_a_repeated_reference_gets_the_same_payment(platform):
    request = payment_request(return_url="http://127.0.0.1:9/back")
    status, first = call(platform, "POST", "/payments", request)
    assert status == 201
    assert re.match(PAYMENT_REF_PATTERN, first["payment_ref"])
    assert first["status"] == "pending"
    assert first["amount"] == 150_000
    assert first["pay_url"] == f"{platform}/pay/{first['payment_ref']}"
    assert first["paid_at"] is None and first["channel"] is None
    assert first["refunded_amount"] == 0 and first["refunds"] == [] and first["events"] == []
    created = datetime.fromisoformat(first["created_at"])
    assert datetime.fromisoformat(first["expires_at"]) - created == timedelta(seconds=900)
    assert PaymentSchema().validate(first) == {}
    status, again = call(platform, "POST", "/payments", request)
    assert status == 200
    assert again["payment_ref"] == first["payment_ref"]
    status, other = call(platform, "POST", "/payments", payment_request())
    assert status == 201
    assert other["payment_ref"] != first["payment_ref"]


def test_invalid_requests_are_422(platform):
    for body in (
        payment_request(amount=150000.0),
        payment_request(amount=0),
        payment_request(amount="150000"),
        payment_request(amount=True),
        payment_request(description="x" * 201),
        payment_request(reference=""),
        payment_request(unknown="field"),
        payment_request(description="[autopay:cash]"),
        {"reference": "x"},
    ):
        status, answer = call(platform, "POST", "/payments", body)
        assert status == 422, body
        assert answer["error"]["code"] == "invalid_request"
    status, answer = call(platform, "POST", "/payments", payment_request(amount=1.5))
    assert "amount" in answer["error"]["message"]


def test_unknown_payment_is_404(platform):
    status, body = call(platform, "GET", "/payments/PAY000000000000")
    assert status == 404
    assert body["error"]["code"] == "not_found"
    refund = {"refund_reference": "R1", "amount": 1, "reason": "x"}
    status, _ = call(platform, "POST", "/payments/PAY000000000000/refunds", refund)
    assert status == 404
    status, text = page(f"{platform}/pay/PAY000000000000")
    assert status == 404
    assert "PAY000000000000" in text


def test_autopay_is_paid_and_the_callback_is_signed(platform, receiver):
    payment = create(platform, "Lệ phí [autopay:bank_transfer]")
    ref = payment["payment_ref"]
    [callback] = wait_for_callbacks(receiver, ref, 1)
    assert callback["status"] == "paid"
    assert callback["channel"] == "bank_transfer"
    assert callback["amount"] == 150_000 and callback["refunded_amount"] == 0
    assert callback["reference"] == payment["reference"]
    assert callback["refund_ref"] is None
    [(payload, body, header)] = receiver.raw_for(ref)
    assert verify(SECRET, body, header, now=time.time()) > 0
    assert StatusCallbackSchema().load(payload)["payment_ref"] == ref
    with pytest.raises(BadSignature, match="mismatch"):
        verify("wrong-secret", body, header, now=time.time())
    status, polled = call(platform, "GET", f"/payments/{ref}")
    assert status == 200
    assert polled["status"] == "paid"
    assert polled["channel"] == "bank_transfer"
    assert polled["paid_at"] is not None
    assert polled["events"] == [callback]


def test_autopay_with_fail_tag_fails(platform, receiver):
    ref = create(platform, "Lệ phí [autopay] [fail]")["payment_ref"]
    [callback] = wait_for_callbacks(receiver, ref, 1)
    assert callback["status"] == "failed"
    payment = wait_for_status(platform, ref, "failed")
    assert payment["paid_at"] is None


def test_without_a_tag_it_waits_for_the_citizen(platform, receiver):
    ref = create(platform)["payment_ref"]
    time.sleep(0.6)  # past the pay delay: nothing happens by itself
    _, payment = call(platform, "GET", f"/payments/{ref}")
    assert payment["status"] == "pending"
    assert receiver.for_payment(ref) == []


def test_the_pay_page_pays(platform, receiver):
    payment = create(
        platform, "Lệ phí cấp bản sao", return_url="http://127.0.0.1:9/ket-qua?ho-so=H01"
    )
    ref = payment["payment_ref"]
    status, text = page(payment["pay_url"])
    assert status == 200
    assert "Cổng thanh toán (mô phỏng)" in text
    assert "150.000 ₫" in text
    assert "Lệ phí cấp bản sao" in text
    assert ">Thanh toán</button>" in text and ">Huỷ</button>" in text
    assert f'action="/pay/{ref}"' in text
    status, text = page(payment["pay_url"], {"action": "pay", "channel": "e_wallet"})
    assert status == 200
    assert "Thanh toán thành công" in text
    assert f"http://127.0.0.1:9/ket-qua?ho-so=H01&amp;payment_ref={ref}&amp;status=paid" in text
    [callback] = wait_for_callbacks(receiver, ref, 1)
    assert callback["status"] == "paid" and callback["channel"] == "e_wallet"
    status, text = page(payment["pay_url"], {"action": "cancel"})
    assert status == 409  # no longer pending
    _, polled = call(platform, "GET", f"/payments/{ref}")
    assert polled["status"] == "paid"


def test_the_pay_page_cancels(platform, receiver):
    payment = create(platform)
    ref = payment["payment_ref"]
    status, text = page(payment["pay_url"], {"action": "cancel"})
    assert status == 200
    assert "Quay lại" not in text  # no return_url, no link back
    [callback] = wait_for_callbacks(receiver, ref, 1)
    assert callback["status"] == "failed"
    assert callback["channel"] is None
    assert wait_for_status(platform, ref, "failed")["paid_at"] is None


def test_the_pay_page_refuses_a_bad_action(platform):
    payment = create(platform)
    status, _ = page(payment["pay_url"], {"action": "steal"})
    assert status == 422
    _, polled = call(platform, "GET", f"/payments/{payment['payment_ref']}")
    assert polled["status"] == "pending"


def test_expire_tag_expires_after_expires_in_seconds(platform, receiver):
    ref = create(platform, "Lệ phí [autopay] [expire]", expires_in_seconds=1)["payment_ref"]
    time.sleep(0.5)  # past the pay delay, not yet expired
    _, payment = call(platform, "GET", f"/payments/{ref}")
    assert payment["status"] == "pending"
    [callback] = wait_for_callbacks(receiver, ref, 1)
    assert callback["status"] == "expired"
    expired_at = datetime.fromisoformat(callback["occurred_at"])
    assert expired_at >= datetime.fromisoformat(payment["expires_at"])
    status, _ = page(payment["pay_url"], {"action": "pay"})
    assert status == 409


def refund(platform: str, ref: str, amount, reference: str | None = None) -> tuple[int, dict]:
    body = {
        "refund_reference": reference or f"RF-{uuid.uuid4().hex[:8]}",
        "amount": amount,
        "reason": "Hồ sơ không đủ điều kiện",
    }
    return call(platform, "POST", f"/payments/{ref}/refunds", body)


def test_refund_partial_then_full(platform, receiver):
    ref = create(platform, "Lệ phí [autopay:card]")["payment_ref"]
    wait_for_status(platform, ref, "paid")
    status, payment = refund(platform, ref, 50_000, "RF-1")
    assert status == 201
    assert payment["status"] == "partially_refunded"
    assert payment["refunded_amount"] == 50_000
    [first] = payment["refunds"]
    assert re.match(REFUND_REF_PATTERN, first["refund_ref"])
    assert first["refund_reference"] == "RF-1" and first["amount"] == 50_000
    status, again = refund(platform, ref, 50_000, "RF-1")  # the idempotency key
    assert status == 200
    assert again["refunded_amount"] == 50_000 and len(again["refunds"]) == 1
    status, body = refund(platform, ref, 60_000, "RF-1")  # the same key, another amount
    assert status == 409
    status, body = refund(platform, ref, 100_001)
    assert status == 409
    assert body["error"]["code"] == "conflict"
    status, payment = refund(platform, ref, 100_000, "RF-2")
    assert status == 201
    assert payment["status"] == "refunded"
    assert payment["refunded_amount"] == 150_000
    status, _ = refund(platform, ref, 1)
    assert status == 409
    callbacks = wait_for_callbacks(receiver, ref, 3)
    assert [c["status"] for c in callbacks] == ["paid", "partially_refunded", "refunded"]
    assert [c["refunded_amount"] for c in callbacks] == [0, 50_000, 150_000]
    assert [c["refund_ref"] for c in callbacks[1:]] == [r["refund_ref"] for r in payment["refunds"]]
    assert len({c["event_id"] for c in callbacks}) == 3
    _, polled = call(platform, "GET", f"/payments/{ref}")
    assert [e["event_id"] for e in polled["events"]] == [c["event_id"] for c in callbacks]


def test_refund_of_an_unpaid_payment_is_409(platform):
    ref = create(platform)["payment_ref"]
    status, body = refund(platform, ref, 1_000)
    assert status == 409
    assert body["error"]["code"] == "conflict"
    status, body = refund(platform, ref, 1_000.0)
    assert status == 422


def test_dup_sends_every_callback_three_times(platform, receiver):
    ref = create(platform, "Lệ phí [autopay] [dup:2]")["payment_ref"]
    raw = wait_for_callbacks(receiver, ref, 3)
    time.sleep(0.3)  # and no fourth
    copies = receiver.raw_for(ref)
    assert len(copies) == 3
    assert {body for _, body, _ in copies} == {copies[0][1]}
    assert {c["event_id"] for c in raw} == {raw[0]["event_id"]}
    for _, body, header in copies:
        verify(SECRET, body, header, now=time.time())
    _, polled = call(platform, "GET", f"/payments/{ref}")
    assert len(polled["events"]) == 1


def test_nocallback_records_the_change_but_sends_nothing(platform, receiver):
    ref = create(platform, "Lệ phí [autopay:card] [nocallback]")["payment_ref"]
    payment = wait_for_status(platform, ref, "paid")
    [event] = payment["events"]
    assert event["status"] == "paid" and event["event_id"]
    time.sleep(0.3)
    assert receiver.for_payment(ref) == []


def test_list_by_date_has_the_paid_ones(platform):
    paid = create(platform, "Lệ phí [autopay]")["payment_ref"]
    pending = create(platform)["payment_ref"]
    wait_for_status(platform, paid, "paid")
    today = datetime.now(UTC).date()
    status, body = call(platform, "GET", f"/payments?date={today.isoformat()}")
    assert status == 200
    refs = [p["payment_ref"] for p in body["payments"]]
    assert paid in refs
    assert pending not in refs
    assert all(p["paid_at"] for p in body["payments"])
    yesterday = (today - timedelta(days=1)).isoformat()
    status, body = call(platform, "GET", f"/payments?date={yesterday}")
    assert status == 200
    assert paid not in [p["payment_ref"] for p in body["payments"]]
    status, body = call(platform, "GET", "/payments?date=05-12-2026")
    assert status == 422
    status, body = call(platform, "GET", "/payments")
    assert status == 422
