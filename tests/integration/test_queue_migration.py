"""The queue migration (services/ops/queues.py) on the real broker: a classic queue with
messages and bindings, as an older version left it, becomes a quorum queue with the same
messages (headers and ids kept) and bindings; a run stopped half way is finished by the next."""

import io
import json
import os
import uuid

import pytest
from kombu import Connection, Exchange, Queue

from services.ops.queues import SUFFIX, Broker, migrate

API = os.environ.get("LT_RABBITMQ_API", "http://127.0.0.1:15672/api")
AUTH = (
    os.environ.get("LT_RABBITMQ_USER", "guest"),
    os.environ.get("LT_RABBITMQ_PASSWORD", "guest"),
)


@pytest.fixture
def broker(servers):
    b = Broker(servers["amqp"], API, AUTH)
    yield b
    b.close()


def classic_queue_with(servers, name: str, exchange: Exchange, n: int) -> None:
    with Connection(servers["amqp"]) as conn:
        channel = conn.channel()
        queue = Queue(name, exchange=exchange, routing_key="dossier_received", durable=True)
        queue(channel).declare()
        producer = conn.Producer(channel)
        for i in range(n):
            producer.publish(
                {"i": i}, exchange=exchange, routing_key="dossier_received",
                message_id=f"m{i}", headers={"x-lt-attempts": i}, delivery_mode=2,
            )  # fmt: skip


def drain(servers, name: str) -> list:
    with Connection(servers["amqp"]) as conn:
        channel = conn.channel()
        taken = []
        while (m := channel.basic_get(name, no_ack=True)) is not None:
            taken.append((json.loads(m.body), m.properties.get("message_id"), m.headers))
        return taken


def test_a_classic_queue_becomes_quorum_with_its_messages_and_bindings(servers, broker):
    name = f"evt-test-{uuid.uuid4().hex[:8]}--migration.on_received"
    exchange = Exchange(f"test-{uuid.uuid4().hex[:6]}.events", type="topic", durable=True)
    classic_queue_with(servers, name, exchange, 5)
    try:
        assert migrate(broker, out=io.StringIO()) == 0
        info = {q["name"]: q for q in broker.queues()}
        assert info[name]["type"] == "quorum" and name + SUFFIX not in info
        assert [b["exchange"] for b in broker.bindings(name)] == [exchange.name]
        # still routed: a new event reaches the quorum queue
        with Connection(servers["amqp"]) as conn:
            conn.Producer().publish({"i": 5}, exchange=exchange, routing_key="dossier_received",
                                    message_id="m5", declare=[exchange])  # fmt: skip
        taken = drain(servers, name)
        assert [(body["i"], mid) for body, mid, _ in taken] == [(i, f"m{i}") for i in range(6)]
        assert [h.get("x-lt-attempts") for _, _, h in taken[:5]] == list(range(5))
    finally:
        broker.delete(name, if_empty=False)


def test_a_migration_stopped_half_way_is_finished(servers, broker):
    name = f"rpc-test-{uuid.uuid4().hex[:8]}"
    exchange = Exchange(f"test-{uuid.uuid4().hex[:6]}.events", type="topic", durable=True)
    classic_queue_with(servers, name, exchange, 4)
    # what a run killed after moving two messages leaves: both queues, the bindings recorded
    broker.declare_quorum(name + SUFFIX, {"x-lt-bindings": json.dumps(broker.bindings(name))})
    channel = broker.connection.channel()
    for _ in range(2):
        m = channel.basic_get(name, no_ack=False)
        channel.basic_publish_confirm(m, exchange="", routing_key=name + SUFFIX)
        channel.basic_ack(m.delivery_tag)
    channel.close()
    try:
        assert migrate(broker, out=io.StringIO()) == 0
        info = {q["name"]: q for q in broker.queues()}
        assert info[name]["type"] == "quorum" and name + SUFFIX not in info
        assert sorted(body["i"] for body, _, _ in drain(servers, name)) == [0, 1, 2, 3]
        assert [b["exchange"] for b in broker.bindings(name)] == [exchange.name]
    finally:
        broker.delete(name, if_empty=False)
