"""Poison messages on the real broker: a body that breaks the envelope schema, an unknown message
type, an oversized body and bytes that are not JSON at all, published straight into every queue a
service consumes. Each is parked in the dead-letter queue with its reason and origin (as `make
dlq` lists it); every consumer keeps running and a good dossier still goes all the way."""

import io
import json
import os
import uuid
from datetime import UTC, datetime

import pytest
import requests
from kombu import Connection

from contracts.envelope import MAX_MESSAGE_BYTES
from services.common.messaging import DEAD_LETTER_QUEUE
from services.ops.deadletters import list_parked
from tests.e2e.conftest import eventually
from tests.e2e.test_sms import AMQP_URI

pytestmark = pytest.mark.e2e
RABBITMQ_API = os.environ.get("LT_RABBITMQ_API", "http://127.0.0.1:15672/api")
AUTH = (
    os.environ.get("LT_RABBITMQ_USER", "guest"),
    os.environ.get("LT_RABBITMQ_PASSWORD", "guest"),
)


def queues() -> list[dict]:
    r = requests.get(f"{RABBITMQ_API}/queues", auth=AUTH, timeout=10)
    r.raise_for_status()
    return r.json()


def consumed_queues() -> dict[str, int]:
    """Every queue a service consumes from (not RPC, retry or dead-letter): name → consumers."""
    return {
        q["name"]: q.get("consumers", 0)
        for q in queues()
        if not q["name"].startswith(("rpc", "lienthong."))
    }


def envelope(**changes) -> dict:
    body = {
        "message_id": str(uuid.uuid4()),
        "type": "dossier_received",
        "schema_version": 1,
        "occurred_at": datetime.now(UTC).isoformat(),
        "dossier_code": "X28720-260101-0001",
        "sequence": 1,
        "correlation_id": "poison-test",
        "payload": {},
    }
    body.update(changes)
    return body


def poisons() -> list[tuple[str, bytes, str, str]]:
    """(what, body, the reason's expected start)."""
    return [
        ("schema-invalid", json.dumps(envelope(sequence=-1, payload="x")), "invalid: envelope"),
        ("unknown type", json.dumps(envelope(type="no_such_type")), "invalid: unknown message"),
        (
            "oversized",
            json.dumps(envelope(payload={"blob": "x" * MAX_MESSAGE_BYTES})),
            "oversized body",
        ),
        ("not JSON", b"\x00\xffnot json{", "undecodable"),
        ("a JSON list", json.dumps([1, 2, 3]), "invalid: body is list"),
    ]


def publish(channel, queue: str, body, message_id: str, content_type="application/json"):
    channel.basic_publish(
        channel.prepare_message(
            body,
            content_type=content_type,
            content_encoding="utf-8",
            properties={"delivery_mode": 2, "message_id": message_id},
        ),
        exchange="",
        routing_key=queue,
    )


def parked_lines() -> list[str]:
    out = io.StringIO()
    with Connection(AMQP_URI) as conn:
        list_parked(conn, out)
    return out.getvalue().splitlines()


def remove_parked(ids: set[str]) -> None:
    """Take this test's own messages out of the dead-letter queue; leave all others parked."""
    with Connection(AMQP_URI) as conn:
        channel = conn.channel()
        while (m := channel.basic_get(DEAD_LETTER_QUEUE, no_ack=False)) is not None:
            if m.properties.get("message_id") in ids:
                channel.basic_ack(m.delivery_tag)
        channel.close()  # the others go back unacked


def test_poison_messages_are_parked_with_reason_and_consumers_keep_running(officers):
    # (the management API's counts lag a few seconds behind a restarted service)
    targets = eventually(
        lambda: (t := consumed_queues()) and len(t) >= 10 and all(t.values()) and t,
        30,
        "every queue consumed",
    )
    sent: dict[str, tuple[str, str]] = {}  # message id → (queue, expected reason)
    try:
        check_poison_parked(targets, sent)
    finally:
        remove_parked(set(sent))
    receiver = officers("X28720", "receiver")
    handler = officers("X28720", "handler")
    code = receiver.receive("HT-03")["code"]
    handler.wait_in_worklist(code)
    eventually(lambda: receiver.dossier(code)["sms"], 30, "the received SMS")


def check_poison_parked(targets: dict[str, int], sent: dict) -> None:
    with Connection(AMQP_URI) as conn:
        channel = conn.channel()
        for queue in targets:
            for _what, body, reason in poisons():
                message_id = str(uuid.uuid4())
                sent[message_id] = (queue, reason)
                publish(channel, queue, body, message_id)

    def all_parked():
        lines = {line.split("\t")[0]: line for line in parked_lines()}
        return lines if all(i in lines for i in sent) else None

    lines = eventually(all_parked, 60, "every poison message parked")
    for message_id, (queue, reason) in sent.items():
        _, origin, attempts, why, _ = lines[message_id].split("\t")
        assert origin == queue and why.startswith(reason), lines[message_id]
        assert attempts == "attempts=1", "a poison message is parked at once, never retried"
    eventually(lambda: consumed_queues() == targets, 15, "every consumer still there")
    eventually(
        lambda: all(q["messages"] == 0 for q in queues() if q["name"] in targets),
        15,
        "nothing left in the consumed queues",
    )


def rpc_queues() -> dict[str, int]:
    return {q["name"]: q.get("consumers", 0) for q in queues() if q["name"].startswith("rpc-")}


def test_messages_in_rpc_queues_that_are_no_requests_are_parked_and_services_live(officers):
    """nameko's own RPC consumer dies on a message without reply_to (the service with it)."""
    every = {f"rpc-{s}" for s in ("intake", "routing", "postal", "notification", "payment")}
    every |= {"rpc-portal_sync", "rpc-documents", "rpc-feedback"}
    targets = eventually(
        lambda: (t := rpc_queues()) and set(t) == every and all(t.values()) and t,
        30,
        "every RPC queue consumed",
    )
    sent: dict[str, tuple[str, str]] = {}
    try:
        check_rpc_poison_parked(targets, sent)
    finally:
        remove_parked(set(sent))
    receiver = officers("X28720", "receiver")
    code = receiver.receive("HT-03")["code"]
    assert receiver.dossier(code)["code"] == code


def check_rpc_poison_parked(targets: dict[str, int], sent: dict) -> None:
    with Connection(AMQP_URI) as conn:
        channel = conn.channel()
        for queue in targets:
            for what, body, _ in poisons():
                message_id = str(uuid.uuid4())
                reason = "undecodable" if what == "not JSON" else "invalid: not an RPC request"
                sent[message_id] = (queue, reason)
                publish(channel, queue, body, message_id)
            # a request someone asked with a reply queue that is gone: answered into the void
            channel.basic_publish(
                channel.prepare_message(
                    json.dumps({"args": [], "kwargs": {}}),
                    content_type="application/json",
                    content_encoding="utf-8",
                    properties={"reply_to": "gone", "correlation_id": str(uuid.uuid4())},
                ),
                exchange="nameko-rpc",
                routing_key=f"{queue.removeprefix('rpc-')}.no_such_method",
            )

    def all_parked():
        lines = {line.split("\t")[0]: line for line in parked_lines()}
        return lines if all(i in lines for i in sent) else None

    lines = eventually(all_parked, 60, "every non-request parked")
    for message_id, (queue, reason) in sent.items():
        _, origin, _, why, _ = lines[message_id].split("\t")
        assert origin == queue and why.startswith(reason), lines[message_id]
    eventually(lambda: rpc_queues() == targets, 15, "every RPC consumer still there")
