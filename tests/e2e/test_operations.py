"""Operators' tools on the running stack: a parked message is listed with its reason by
`make dlq` and re-driven to success by `make redrive ID=…`."""

import json
import random
import subprocess
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue

from tests.e2e.conftest import eventually, stack
from tests.e2e.test_sms import AMQP_URI

pytestmark = pytest.mark.e2e
ROUTING_QUEUE = "evt-intake-dossier_received--routing.on_dossier_received"


def make(*args: str) -> str:
    out = subprocess.run(["make", "-s", *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_parked_message_is_listed_then_redriven_to_success(officers):
    receiver = officers("X28720", "receiver")
    with Connection(AMQP_URI) as conn:
        channel = conn.channel()
        tap = Queue("", exclusive=True, auto_delete=True)(channel)
        tap.declare()
        events = Exchange("intake.events", type="topic", durable=True)(channel)
        tap.bind_to(exchange=events, routing_key="dossier_received")
        code = receiver.receive("HT-03")["code"]
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
        # the same kind of receipt, for a dossier routing never saw, parked as if routing failed
        lost = f"{code[:-4]}{random.randint(5000, 9999)}"
        envelope.update(message_id=str(uuid.uuid4()), dossier_code=lost)
        envelope["payload"]["code"] = lost
        channel.basic_publish(
            channel.prepare_message(
                json.dumps(envelope),
                content_type="application/json",
                content_encoding="utf-8",
                headers={
                    "x-lt-attempts": 4,
                    "x-lt-reason": "ServiceUnavailable: database down (test)",
                    "x-lt-queue": ROUTING_QUEUE,
                },
                properties={"delivery_mode": 2, "message_id": envelope["message_id"]},
            ),
            exchange="",
            routing_key="lienthong.dlq",
        )
    listing = make("dlq")
    line = next(x for x in listing.splitlines() if x.startswith(envelope["message_id"]))
    assert ROUTING_QUEUE in line and "database down (test)" in line and lost in line
    assert receiver.get(f"/api/dossiers/{lost}").status_code == 404

    assert "1 message(s) redriven" in make("redrive", f"ID={envelope['message_id']}")
    eventually(lambda: receiver.get(f"/api/dossiers/{lost}").status_code == 200, 30, "redriven")
    assert envelope["message_id"] not in make("dlq")


def test_a_service_that_does_not_answer_gives_503_not_a_hang(officers):
    receiver = officers("X28720", "receiver")
    code = receiver.receive("HT-03")["code"]
    stack("service-stop", "routing")
    try:
        started = time.monotonic()
        r = receiver.get(f"/api/dossiers/{code}")
        waited = time.monotonic() - started
    finally:
        stack("service-start", "routing")
    assert r.status_code == 503 and r.json()["error"]["code"] == "service_unavailable"
    assert waited < 20
    assert receiver.get(f"/api/dossiers/{code}").status_code == 200
