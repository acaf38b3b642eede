"""The carrier simulator as a real process, with a callback receiver in this process."""

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from contracts.carrier import SIGNATURE_HEADER, TRACKING_PATTERN, StatusCallbackSchema
from services.common.signing import verify

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-secret"


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
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/callbacks/postal"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def for_tracking(self, tracking: str) -> list[dict]:
        return [
            payload for payload, _, _ in self.received if payload["tracking_number"] == tracking
        ]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def carrier(receiver):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.carrier.simulator",
            "--port",
            str(port),
            "--callback-url",
            receiver.url,
            "--secret",
            SECRET,
            "--pickup-delay",
            "0.3",
            "--delivery-delay",
            "0.1",
            "--fail-rate",
            "0.0",
            "--max-attempts",
            "3",
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
            pytest.fail("carrier simulator did not start")
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


def shipment_request(receiver_name: str = "Nguyễn Thị Lan", **overrides) -> dict:
    return {
        "reference": f"H01-240105-{uuid.uuid4().hex[:8]}",
        "sender_office_id": "H01",
        "receiver_name": receiver_name,
        "phone": "0912345678",
        "address_line": "12 Hàng Bài",
        "commune_id": "X01",
        "contents": ["Giấy chứng nhận đăng ký hộ kinh doanh"],
        "declared_weight_grams": 200,
        "fee_vnd": 25000,
        **overrides,
    }


def wait_for_statuses(receiver: Receiver, tracking: str, final: str, timeout=10) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = [payload["status"] for payload in receiver.for_tracking(tracking)]
        if final in statuses:
            return statuses
        time.sleep(0.05)
    pytest.fail(f"no {final} callback for {tracking}: {receiver.for_tracking(tracking)}")


def create(carrier: str, receiver_name: str = "Nguyễn Thị Lan") -> dict:
    status, shipment = call(carrier, "POST", "/shipments", shipment_request(receiver_name))
    assert status == 201, shipment
    assert shipment["status"] == "requested"
    return shipment


def test_delivered_on_first_attempt(carrier, receiver):
    shipment = create(carrier)
    tracking = shipment["tracking_number"]
    assert re.match(TRACKING_PATTERN, tracking)
    statuses = wait_for_statuses(receiver, tracking, "delivered")
    assert statuses == ["requested", "picked_up", "in_transit", "delivered"]
    callbacks = receiver.for_tracking(tracking)
    assert callbacks[-1]["receiver_name"] == "Nguyễn Thị Lan"
    assert callbacks[-1]["attempt"] == 1
    assert callbacks[1]["detail"].startswith("picked up")
    assert len({c["event_id"] for c in callbacks}) == len(callbacks)
    status, polled = call(carrier, "GET", f"/shipments/{tracking}")
    assert status == 200
    assert polled["status"] == "delivered"
    assert polled["attempts"] == 1
    assert [e["status"] for e in polled["events"]] == statuses
    assert [e["event_id"] for e in polled["events"]] == [c["event_id"] for c in callbacks]
    assert polled["events"][1]["by"]  # the postal worker who picked it up
    assert callbacks[1]["by"] == polled["events"][1]["by"]


def test_a_repeated_reference_gets_the_same_shipment(carrier, receiver):
    request = shipment_request()
    status, first = call(carrier, "POST", "/shipments", request)
    assert status == 201
    status, again = call(carrier, "POST", "/shipments", request)
    assert status == 200
    assert again["tracking_number"] == first["tracking_number"]
    statuses = wait_for_statuses(receiver, first["tracking_number"], "delivered")
    assert statuses.count("requested") == 1


def test_the_request_sets_the_number_of_attempts(carrier, receiver):
    request = shipment_request("Đỗ Văn Nam [fail:9]", max_attempts=1)
    status, shipment = call(carrier, "POST", "/shipments", request)
    assert status == 201
    statuses = wait_for_statuses(receiver, shipment["tracking_number"], "returned")
    assert statuses.count("failed_attempt") == 1


def test_two_failed_attempts_then_delivered(carrier, receiver):
    tracking = create(carrier, "Trần Văn Minh [fail:2]")["tracking_number"]
    statuses = wait_for_statuses(receiver, tracking, "delivered")
    assert statuses == [
        "requested",
        "picked_up",
        "in_transit",
        "failed_attempt",
        "failed_attempt",
        "delivered",
    ]
    callbacks = receiver.for_tracking(tracking)
    assert [c["attempt"] for c in callbacks[3:]] == [1, 2, 3]
    assert callbacks[-1]["receiver_name"] == "Trần Văn Minh"


def test_every_attempt_failed_is_returned(carrier, receiver):
    tracking = create(carrier, "Lê Thị Hồng [fail:9]")["tracking_number"]
    statuses = wait_for_statuses(receiver, tracking, "returned")
    assert statuses == [
        "requested",
        "picked_up",
        "in_transit",
        "failed_attempt",
        "failed_attempt",
        "failed_attempt",
        "returned",
    ]
    _, polled = call(carrier, "GET", f"/shipments/{tracking}")
    assert polled["status"] == "returned"
    assert polled["attempts"] == 3


def test_callbacks_are_signed_and_valid(carrier, receiver):
    tracking = create(carrier)["tracking_number"]
    wait_for_statuses(receiver, tracking, "delivered")
    mine = [r for r in receiver.received if r[0]["tracking_number"] == tracking]
    for payload, body, header in mine:
        assert verify(SECRET, body, header, now=time.time()) > 0
        assert StatusCallbackSchema().load(payload)["tracking_number"] == tracking
    with pytest.raises(Exception, match="mismatch"):
        verify("wrong", mine[0][1], mine[0][2], now=time.time())


def test_cancel_before_pickup_then_conflict(carrier, receiver):
    tracking = create(carrier)["tracking_number"]
    status, cancelled = call(carrier, "POST", f"/shipments/{tracking}/cancel")
    assert status == 200
    assert cancelled["status"] == "cancelled"
    statuses = wait_for_statuses(receiver, tracking, "cancelled")
    assert statuses == ["requested", "cancelled"]
    time.sleep(0.5)  # past the pick-up delay: nothing more happens
    _, polled = call(carrier, "GET", f"/shipments/{tracking}")
    assert polled["status"] == "cancelled"
    status, body = call(carrier, "POST", f"/shipments/{tracking}/cancel")
    assert status == 409
    assert body["error"]["code"] == "conflict"


def test_cancel_after_pickup_is_409(carrier, receiver):
    tracking = create(carrier)["tracking_number"]
    wait_for_statuses(receiver, tracking, "picked_up")
    status, body = call(carrier, "POST", f"/shipments/{tracking}/cancel")
    assert status == 409
    assert body["error"]["code"] == "conflict"


def test_invalid_request_is_422(carrier):
    status, body = call(carrier, "POST", "/shipments", shipment_request(fee_vnd=-1))
    assert status == 422
    assert "fee_vnd" in body["error"]["message"]
    status, body = call(carrier, "POST", "/shipments", shipment_request(contents=[]))
    assert status == 422
    status, body = call(carrier, "POST", "/shipments", {"reference": "x"})
    assert status == 422
    assert body["error"]["code"] == "invalid_request"


def test_unknown_tracking_number_is_404(carrier):
    status, body = call(carrier, "GET", "/shipments/EL000000000VN")
    assert status == 404
    assert body["error"]["code"] == "not_found"
    status, _ = call(carrier, "POST", "/shipments/EL000000000VN/cancel")
    assert status == 404
