"""This machine's ceilings, measured on the same servers and framework the system uses: RabbitMQ
persistent publish with confirms and consume of 1 KiB messages, the database's single-document
update rate by _id, and what nameko answers over HTTP, alone and with one RPC behind it (the
shape of a receipt, with nothing in it)."""

import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from kombu import Connection, Consumer, Exchange, Queue
from pymongo import MongoClient

from bench import stack
from bench.echo import EchoDesk
from bench.measure import closed_loop


def rabbitmq(messages: int) -> dict:
    """Publish `messages` persistent 1 KiB messages with publisher confirms (one at a time, as
    the outbox does), then consume them all with acks."""
    body = b"x" * 1024
    name = f"bench.ceiling.{uuid.uuid4().hex[:8]}"
    with Connection(stack.amqp_uri(), transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        queue = Queue(name, Exchange(""), routing_key=name, durable=True)
        queue(channel).declare()
        producer = conn.Producer(channel)
        started = time.perf_counter()
        for _ in range(messages):
            producer.publish(body, routing_key=name, delivery_mode=2, retry=False)
        publish = messages / (time.perf_counter() - started)
        received = 0

        def on_message(body, message):
            nonlocal received
            received += 1
            message.ack()

        with Consumer(channel, [queue], callbacks=[on_message], prefetch_count=100):
            started = time.perf_counter()
            while received < messages:
                conn.drain_events(timeout=10)
            consume = messages / (time.perf_counter() - started)
        queue(channel).delete()
    return {"publish_confirmed_per_s": publish, "consume_per_s": consume, "messages": messages}


def database(updates: int) -> dict:
    """update_one({"_id": …}, {"$set": …}) one after another on one document of a scratch
    collection, and find_one by _id."""
    client = MongoClient(stack.mongo_uri())
    db = client[stack.database("bench")]
    db.ceiling.drop()
    db.ceiling.insert_many([{"_id": f"doc-{i}", "n": 0, "pad": "y" * 512} for i in range(100)])
    started = time.perf_counter()
    for i in range(updates):
        db.ceiling.update_one({"_id": f"doc-{i % 100}"}, {"$set": {"n": i}})
    update = updates / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(updates):
        db.ceiling.find_one({"_id": f"doc-{i % 100}"})
    read = updates / (time.perf_counter() - started)
    client.drop_database(stack.database("bench"))
    return {"update_by_id_per_s": update, "find_by_id_per_s": read, "operations": updates}


def framework(clients: int, seconds: float) -> dict:
    """bench/echo.py's two services as `nameko run` processes, driven like the intake figure
    (`clients` closed-loop clients posting a dossier's JSON): answers per second of nameko's
    HTTP alone (POST /plain) and of HTTP with an RPC to the second process (POST /echo)."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-echo-") as folder:
        config = Path(folder) / "config.yml"
        config.write_text(
            f"AMQP_URI: {stack.amqp_uri()}\nWEB_SERVER_ADDRESS: 127.0.0.1:{port}\n"
            "max_workers: 10\n",
            encoding="utf-8",
        )
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "nameko", "run", "--config", str(config), target],
                cwd=stack.ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for target in ("bench.echo:EchoEdge", "bench.echo:EchoDesk")
        ]
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(f"{base}/echo", procs)
            body = stack.Officer.receive_body()
            sessions = [requests.Session() for _ in range(clients)]
            out = {"clients": clients}
            for name in ("plain", "echo"):
                r = closed_loop(
                    sessions, seconds, lambda s, url=f"{base}/{name}": s.post(url, json=body)
                )
                if r["errors"]:
                    raise RuntimeError(f"echo /{name}: {r['errors']} requests failed")
                out[f"http_{'rpc_' if name == 'echo' else ''}per_s"] = r["per_s"]
            return out
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)
            _delete_queue(f"rpc-{EchoDesk.name}")  # nameko's RPC queues outlive their service


def _delete_queue(name: str) -> None:
    with Connection(stack.amqp_uri()) as conn:
        conn.default_channel.queue_delete(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, procs: list, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("an echo service of the framework ceiling exited at start")
        try:
            if requests.post(url, json={}, timeout=2).status_code == 201:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the echo services did not answer {url} within {timeout:g} s")
