"""A quorum queue's leader lost under load, on the local stack's RabbitMQ cluster
(`make test-cluster`: LT_RABBITMQ_NODES=3). Messages are published with publisher confirms, each
again until it is confirmed, through the node list the services use, while a consumer acks each
one after it has taken it; meanwhile the node leading the queue is kill -9ed and started again.
Every confirmed message must arrive (a confirm is a promise kept across the leader change), the
queue must be empty at the end (every ack counted), and another node must have led it."""

import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from kombu import Connection, Queue

from services.common.messaging import QUORUM

ROOT = Path(__file__).resolve().parents[2]
STACK = str(ROOT / "deploy" / "local" / "stack.sh")
ENV = os.environ
NODES = int(ENV.get("LT_RABBITMQ_NODES") or 1)
AMQP_URI = ENV.get("LT_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
API = ENV.get("LT_RABBITMQ_API", "http://127.0.0.1:15672/api")
MGMT_PORT = int(API.rsplit(":", 1)[1].split("/")[0])
AUTH = (ENV.get("LT_RABBITMQ_USER", "guest"), ENV.get("LT_RABBITMQ_PASSWORD", "guest"))
MESSAGES = 3000

pytestmark = pytest.mark.skipif(NODES < 3, reason="needs the 3-node cluster: make test-cluster")


def queue_info(name: str) -> dict | None:
    """The queue as any live node's management API shows it."""
    for i in range(NODES):
        api = API.replace(f":{MGMT_PORT}/", f":{MGMT_PORT + i}/")
        try:
            r = requests.get(f"{api}/queues/%2F/{name}", auth=AUTH, timeout=5)
        except requests.ConnectionError:
            continue
        if r.status_code == 200:
            return r.json()
    return None


def node_index(node: str) -> int:
    """1 for the first node (lienthong@…), i for lienthong-i@…."""
    base = node.split("@")[0]
    return int(base.rsplit("-", 1)[1]) if "-" in base else 1


def publish_all(queue: Queue, confirmed: list[int], stop: threading.Event) -> None:
    with Connection(AMQP_URI, transport_options={"confirm_publish": True}) as conn:
        producer = conn.Producer()
        publish = conn.ensure(producer, producer.publish, max_retries=30, interval_start=0.2)
        for i in range(MESSAGES):
            while not stop.is_set():
                try:
                    publish(
                        {"n": i}, routing_key=queue.name, delivery_mode=2, message_id=str(i),
                        serializer="json",
                    )  # fmt: skip
                    break
                except Exception:  # noqa: BLE001 — not confirmed: publish it again
                    time.sleep(0.2)
            confirmed.append(i)
            time.sleep(0.002)


def consume_all(queue: Queue, seen: set[int], stop: threading.Event) -> None:
    def take(body, message):
        seen.add(body["n"])
        message.ack()

    while not stop.is_set():
        try:
            with (
                Connection(AMQP_URI) as conn,
                conn.Consumer(queue, callbacks=[take], accept=["json"], prefetch_count=50),
            ):
                while not stop.is_set():
                    try:
                        conn.drain_events(timeout=1)
                    except TimeoutError:
                        continue
        except Exception:  # noqa: BLE001 — the node went: consume from another
            time.sleep(0.5)


def test_confirms_and_acks_hold_across_a_leader_change():
    name = f"lienthong.test.leader.{uuid.uuid4().hex[:8]}"
    queue = Queue(name, durable=True, queue_arguments=QUORUM)
    with Connection(AMQP_URI) as conn:
        queue(conn.default_channel).declare()
    info = queue_info(name)
    assert info and len(info["members"]) == 3, info
    leader = info["leader"]

    confirmed: list[int] = []
    seen: set[int] = set()
    stop = threading.Event()
    publisher = threading.Thread(target=publish_all, args=(queue, confirmed, stop))
    consumer = threading.Thread(target=consume_all, args=(queue, seen, stop))
    publisher.start()
    consumer.start()
    try:
        while len(confirmed) < MESSAGES // 3:
            time.sleep(0.1)
        index = node_index(leader)
        node = "rabbitmq" if index == 1 else f"rabbitmq-{index}"
        subprocess.run([STACK, "kill", node], check=True)
        time.sleep(5)
        subprocess.run([STACK, "rabbitmq-node-start", str(index)], check=True)
        publisher.join(timeout=300)
        assert not publisher.is_alive(), f"{len(confirmed)} of {MESSAGES} published"
        deadline = time.monotonic() + 120
        while len(seen) < MESSAGES and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        stop.set()
        publisher.join(timeout=30)
        consumer.join(timeout=30)

    assert confirmed == list(range(MESSAGES))
    assert seen == set(range(MESSAGES)), f"missing {sorted(set(range(MESSAGES)) - seen)[:20]}"
    after = queue_info(name)
    assert after["leader"] != leader, after  # another node led it from the kill on
    deadline = time.monotonic() + 30
    while (after := queue_info(name))["messages"] and time.monotonic() < deadline:
        time.sleep(1)  # the management API's figures lag a little
    assert after["messages"] == 0, after  # every ack counted
    with Connection(AMQP_URI) as conn:
        conn.default_channel.queue_delete(name)
