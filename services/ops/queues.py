"""Moves a broker's classic queues to quorum queues, messages and bindings included.

Every durable queue of lienthong is a quorum queue (services/common/messaging.py), so that a
broker node lost loses no message. A broker that an older version ran on holds some of the same
queues as classic ones, and a queue cannot change its type: a service declaring it as quorum
would be refused (PRECONDITION_FAILED). This command, run by `stack.sh` each time RabbitMQ
starts and before the services do, takes each such queue in turn:

1. its messages are moved, each confirmed by the broker before it is acked, into
   `<queue>.migrating`, a quorum queue that also records the queue's bindings;
2. the classic queue is deleted (only if empty) and declared again as a quorum queue, with the
   same bindings;
3. the messages are moved back, and `<queue>.migrating` is deleted.

A run stopped anywhere is finished by the next one, from what `<queue>.migrating` holds; no
message is dropped, and one moved twice (a kill between its confirm and its ack) is handled
once, as every consumer here ignores a message it applied before. A queue with consumers (a
service of the older version still running) is left alone and named. The RPC reply queues of
processes that are gone are deleted: nothing can read them.

    python -m services.ops.queues            # LT_AMQP_URI, LT_RABBITMQ_API
"""

import json
import os
import sys
import urllib.parse

import amqp
import requests
from kombu import Connection

from services.common.messaging import QUORUM

SUFFIX = ".migrating"
BINDINGS_ARGUMENT = "x-lt-bindings"
REPLY_PREFIX = "rpc.reply-"


class Broker:
    """The management API of the broker's first node (queues and bindings) and an AMQP
    connection (declarations, and messages moved with publisher confirms)."""

    def __init__(self, amqp_uri: str, api: str, auth: tuple[str, str]):
        self.api, self.auth = api.rstrip("/"), auth
        self.connection = Connection(amqp_uri, connect_timeout=10)
        self.channel = self.connection.channel()

    def close(self) -> None:
        self.connection.release()

    def _get(self, path: str):
        r = requests.get(f"{self.api}{path}", auth=self.auth, timeout=30)
        r.raise_for_status()
        return r.json()

    def queues(self) -> list[dict]:
        return self._get("/queues/%2F?columns=name,type,durable,exclusive,consumers,arguments")

    def bindings(self, queue: str) -> list[dict]:
        """The queue's bindings to exchanges (the default exchange's implicit one left out)."""
        path = f"/queues/%2F/{urllib.parse.quote(queue, safe='')}/bindings"
        return [
            {"exchange": b["source"], "routing_key": b["routing_key"], "arguments": b["arguments"]}
            for b in self._get(path)
            if b["source"]
        ]

    def declare_quorum(self, queue: str, arguments: dict | None = None) -> None:
        self.channel.queue_declare(
            queue, durable=True, auto_delete=False, arguments={**(arguments or {}), **QUORUM}
        )

    def bind(self, queue: str, bindings: list[dict]) -> None:
        for b in bindings:
            key, arguments = b["routing_key"], b["arguments"]
            self.channel.queue_bind(queue, b["exchange"], key, arguments=arguments)

    def delete(self, queue: str, if_empty: bool = True) -> None:
        """Delete a queue; `if_empty` only for a classic one (quorum queues refuse the flag)."""
        self.channel.queue_delete(queue, if_empty=if_empty)

    def move(self, source: str, target: str) -> int:
        """Every message of `source` into `target`, each confirmed before it is acked. On a
        channel of its own: RabbitMQ 3.10 fails a channel that, having used a classic queue,
        publishes to the quorum queue declared again under its name (541 INTERNAL_ERROR)."""
        moved = 0
        channel = self.connection.channel()
        channel.confirm_select()
        while (m := channel.basic_get(source, no_ack=False)) is not None:
            copy = amqp.Message(m.body, **m.properties)  # headers, ids, persistence as they were
            channel.basic_publish_confirm(copy, exchange="", routing_key=target)
            channel.basic_ack(m.delivery_tag)
            moved += 1
        channel.close()
        return moved


def plan(queues: list[dict]) -> tuple[list[str], list[str], list[str], list[str]]:
    """What to do with the broker's queues: (classic queues to move, moves to finish, reply
    queues to delete, queues left alone because something consumes them)."""
    by_name = {q["name"]: q for q in queues}
    move, finish, replies, busy = [], [], [], []
    for q in queues:
        name = q["name"]
        if name.endswith(SUFFIX) and q.get("type") == "quorum":
            finish.append(name.removesuffix(SUFFIX))
            continue
        if q.get("type") != "classic" or not q.get("durable") or q.get("exclusive"):
            continue
        if name.startswith("amq.") or name + SUFFIX in by_name:
            continue
        if q.get("consumers"):
            busy.append(name)
        elif name.startswith(REPLY_PREFIX):
            replies.append(name)
        else:
            move.append(name)
    return move, finish, replies, busy


def migrate(broker: Broker, out=sys.stdout) -> int:
    """Move every classic queue of ours to a quorum queue; the number of queues left alone."""
    move, finish, replies, busy = plan(broker.queues())
    for name in replies:
        broker.delete(name, if_empty=False)
    for name in move:
        bindings = broker.bindings(name)
        broker.declare_quorum(name + SUFFIX, {BINDINGS_ARGUMENT: json.dumps(bindings)})
        held = broker.move(name, name + SUFFIX)
        broker.delete(name)
        out.write(f"{name}: {held} message(s) held while it becomes a quorum queue\n")
        finish.append(name)
    queues = {q["name"]: q for q in broker.queues()}
    for name in finish:
        temporary = queues.get(name + SUFFIX)
        if temporary is None:
            continue
        if name not in queues or queues[name].get("type") == "classic":
            if name in queues:  # stopped before the classic queue was emptied and deleted
                broker.move(name, name + SUFFIX)
                broker.delete(name)
            broker.declare_quorum(name)
        broker.bind(name, json.loads(temporary["arguments"].get(BINDINGS_ARGUMENT, "[]")))
        moved = broker.move(name + SUFFIX, name)
        broker.delete(name + SUFFIX, if_empty=False)  # nobody else writes to it
        out.write(f"{name}: a quorum queue now, {moved} message(s) back in it\n")
    for name in busy:
        out.write(f"{name}: left classic, {queues[name].get('consumers')} consumer(s) on it\n")
    return len(busy)


def main() -> int:
    env = os.environ
    broker = Broker(
        env.get("LT_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
        env.get("LT_RABBITMQ_API", "http://127.0.0.1:15672/api"),
        (env.get("LT_RABBITMQ_USER", "guest"), env.get("LT_RABBITMQ_PASSWORD", "guest")),
    )
    try:
        return 1 if migrate(broker) else 0
    finally:
        broker.close()


if __name__ == "__main__":
    sys.exit(main())
