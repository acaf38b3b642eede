"""Reliable messaging on RabbitMQ: outbox publishing with confirms, and consumers that never lose a
failed message — they retry it through the delay queues, then park it in the dead-letter queue."""

import contextlib
import logging
import time
from collections.abc import Callable

from amqp.exceptions import AMQPError
from kombu import Connection, Exchange, Queue
from nameko.amqp.publish import Publisher
from nameko.events import EventHandler, get_event_exchange
from nameko.extensions import DependencyProvider
from nameko.messaging import Consumer, QueueConsumer

from contracts.envelope import MAX_MESSAGE_BYTES, InvalidMessage

log = logging.getLogger(__name__)

LIAISON_EXCHANGE = Exchange("liaison", type="topic", durable=True)
DEAD_LETTER_QUEUE = "lienthong.dlq"
RETRY_TIERS = ("lienthong.retry.1s", "lienthong.retry.5s", "lienthong.retry.30s")
ATTEMPTS_HEADER = "x-lt-attempts"
REASON_HEADER = "x-lt-reason"
ORIGIN_HEADER = "x-lt-queue"
# Every durable queue of lienthong is a quorum queue: replicated on each node of a RabbitMQ
# cluster, so that a node lost loses no message and leaves no queue unreachable (a classic
# durable queue whose node is down cannot even be declared again elsewhere). One node works the
# same; `python -m services.ops.queues` moves the classic queues of an older broker.
QUORUM = {"x-queue-type": "quorum"}


def quorum(queue: Queue) -> Queue:
    """`queue`, declared as a quorum queue (its other arguments kept)."""
    queue.queue_arguments = {**(queue.queue_arguments or {}), **QUORUM}
    return queue


def event_entry(service: str, envelope: dict) -> dict:
    """An outbox entry publishing `envelope` as a domain event of `service`."""
    return {
        "id": envelope["message_id"],
        "exchange": f"{service}.events",
        "routing_key": envelope["type"],
        "body": envelope,
    }


def transfer_entry(routing_key: str, envelope: dict) -> dict:
    """An outbox entry moving a dossier to another level on the `liaison` exchange."""
    return {
        "id": envelope["message_id"],
        "exchange": LIAISON_EXCHANGE.name,
        "routing_key": routing_key,
        "body": envelope,
    }


def counts_queue(name: str) -> Queue:
    """The queue of one repository's count messages (services/common/tally.py): durable, quorum,
    with a single active consumer, so that one folder at a time adds them up. `name` is
    `<database>.<counters>` (counts_name): two deployments on one broker with different
    database prefixes (a test run beside a stack) never fold each other's counts."""
    return Queue(
        f"lienthong.counts.{name}",
        exchange=Exchange(""),
        routing_key=f"lienthong.counts.{name}",
        durable=True,
        queue_arguments={**QUORUM, "x-single-active-consumer": True},
    )


def counts_name(database: str, counters: str) -> str:
    """The name of a database's counters on the broker (its counts queue's suffix)."""
    return f"{database}.{counters}"


def count_entry(name: str, claim: str, rows: dict) -> dict:
    """An outbox entry carrying what one committed change adds to the counters `name`."""
    return {
        "id": claim,
        "exchange": "",
        "routing_key": counts_queue(name).name,
        "body": {"claim": claim, "rows": rows},
    }


def is_count(entry: dict) -> bool:
    """Whether an outbox entry is a count message (`count_entry`)."""
    return entry["exchange"] == "" and entry["routing_key"].startswith("lienthong.counts.")


class EntryPublisher:
    """Publishes outbox entries persistently with publisher confirms."""

    def __init__(self, amqp_uri: str, config: dict | None = None):
        self.config = config or {}
        self.publisher = Publisher(amqp_uri, serializer="json", use_confirms=True)

    def publish(self, entries: list[dict]) -> list[str]:
        """Publish entries in order; return the ids confirmed before the first failure."""
        done = []
        for entry in entries:
            if is_count(entry):  # straight to its queue
                queue = counts_queue(entry["routing_key"].removeprefix("lienthong.counts."))
                exchange, declare = queue.exchange, [queue]
            elif entry["exchange"] == LIAISON_EXCHANGE.name:
                exchange, declare = LIAISON_EXCHANGE, [LIAISON_EXCHANGE]
            else:
                exchange = get_event_exchange(
                    entry["exchange"].removesuffix(".events"), self.config
                )
                declare = [exchange]
            try:
                self.publisher.publish(
                    entry["body"],
                    exchange=exchange,
                    routing_key=entry["routing_key"],
                    declare=declare,
                    delivery_mode=2,
                    message_id=entry["id"],
                    retry=True,
                    retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
                )
            except Exception as exc:  # noqa: BLE001 — the sweeper will publish it later
                log.warning("outbox publish failed for %s: %s", entry["id"], exc)
                break
            done.append(entry["id"])
        return done


class OutboxPublisher(DependencyProvider):
    """A service's EntryPublisher."""

    def setup(self):
        self.entries = EntryPublisher(self.container.config["AMQP_URI"], self.container.config)

    def publish(self, entries: list[dict]) -> list[str]:
        return self.entries.publish(entries)

    def get_dependency(self, worker_ctx):
        return self


def service_counts_queue(database: str, counters: str) -> Callable[[dict], Queue]:
    """The counts queue of a service's database, named once its configuration (the database
    prefix) is known: for BatchQueue."""

    def queue(config: dict) -> Queue:
        prefix = config.get("MONGO_DATABASE_PREFIX", "lienthong_")
        return counts_queue(counts_name(prefix + database, counters))

    return queue


class BatchQueue(DependencyProvider):
    """Takes the messages of one queue in batches, for a timer to handle together and ack at
    once (the counts' folder). It consumes (so a single-active-consumer queue gives it every
    message while it is the active one) and keeps what arrives until `take` is called; a broker
    gone drops the connection and what it held unacked, which the broker delivers again."""

    def __init__(self, queue: Queue | Callable[[dict], Queue], prefetch: int = 1000):
        # a Queue, or what names it from the configuration (a kombu Queue is callable too: it
        # binds to a channel)
        self.queue_of, self.prefetch = queue, prefetch
        if isinstance(queue, Queue):
            self.queue = queue

    def setup(self):
        config = self.container.config
        if not isinstance(self.queue_of, Queue):
            self.queue = self.queue_of(config)
        self.uri = config["AMQP_URI"]
        self.connection = None
        self.held: list = []

    def stop(self):
        self._close()

    def take(self, limit: int, wait: float) -> list:
        """Up to `limit` messages, waiting at most `wait` seconds for them (none on trouble)."""
        try:
            if self.connection is None:
                self._open()
            deadline = time.monotonic() + wait
            while len(self.held) < limit and (left := deadline - time.monotonic()) > 0:
                try:
                    self.connection.drain_events(timeout=left)
                except TimeoutError:
                    break
        except (OSError, AMQPError, ConnectionError) as exc:
            log.warning("%s: %r; reconnecting", self.queue.name, exc)
            self._close()
            return []
        taken, self.held = self.held[:limit], self.held[limit:]
        return taken

    def ack(self, messages: list) -> None:
        """Ack every message taken up to the last of `messages` (one command)."""
        if not messages:
            return
        try:
            messages[-1].ack(multiple=True)
        except (OSError, AMQPError, ConnectionError) as exc:
            log.warning("could not ack %s (they come again): %r", self.queue.name, exc)
            self._close()

    def abandon(self) -> None:
        """Give back every message taken and not acked (the broker delivers them again)."""
        self._close()

    def _open(self) -> None:
        self.connection = Connection(self.uri, heartbeat=0, connect_timeout=5)
        channel = self.connection.channel()
        channel.basic_qos(0, self.prefetch, False)
        self.consumer = self.connection.Consumer(
            self.queue.bind(channel), callbacks=[self._hold], accept=["json"], channel=channel
        )
        self.consumer.consume()

    def _hold(self, body, message) -> None:
        self.held.append(message)

    def _close(self) -> None:
        self.held = []
        if self.connection is not None:
            with contextlib.suppress(Exception):  # it is gone either way
                self.connection.release()
        self.connection = None

    def get_dependency(self, worker_ctx):
        return self


class ParkingQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except that a body kombu cannot decode (not UTF-8, not JSON, a
    content type it does not accept) is parked with the reason instead of acked and lost, and
    that a broker gone while a message is acked or requeued does not kill the service.

    nameko ignores only amqp's ConnectionError there; a broker that restarts resets the socket
    (ConnectionResetError, BrokenPipeError), which reached the worker thread and stopped the
    whole container. The message is unacked on a dead connection, so the broker delivers it
    again once the consumer has reconnected; handlers are idempotent."""

    def ack_message(self, message):
        try:
            super().ack_message(message)
        except (OSError, AMQPError) as exc:
            log.warning("could not ack a message (the broker will deliver it again): %r", exc)

    def requeue_message(self, message):
        try:
            super().requeue_message(message)
        except (OSError, AMQPError) as exc:
            log.warning("could not requeue a message (the broker will deliver it again): %r", exc)

    def on_decode_error(self, message, exc):
        tag = message.delivery_info.get("consumer_tag")
        for provider, consumer in list(self._consumers.items()):
            if tag not in consumer._active_tags.values():
                continue
            if isinstance(provider, _ReliableMixin):
                provider._dispose(message, f"undecodable: {exc}", park=True)
                return
            try:  # an RPC request nobody can read: nobody to answer either
                park_message(self.amqp_uri, message, provider.queue.name, f"undecodable: {exc}")
            except Exception:  # noqa: BLE001
                log.exception("could not park an undecodable message; requeueing")
                self.requeue_message(message)
                return
            self.ack_message(message)
            return
        super().on_decode_error(message, exc)


class _ReliableMixin:
    """Failure handling shared by our event and queue consumers.

    nameko acks a message whose handler raised (requeue_on_error=False) and so loses it. Here a
    handler that raises InvalidMessage has its message parked at once with the reason; any other
    error sends a copy through the retry delay queues (1 s, 5 s, 30 s), then parks it. A body
    that cannot even be decoded is parked by ParkingQueueConsumer.
    """

    queue_consumer = ParkingQueueConsumer()

    def setup(self):
        super().setup()
        quorum(self.queue)

    def handle_message(self, body, message):
        if len(message.body) > MAX_MESSAGE_BYTES:
            self._dispose(message, f"oversized body: {len(message.body)} bytes", park=True)
            return
        super().handle_message(body, message)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        exc = exc_info[1]
        if isinstance(exc, InvalidMessage):
            self._dispose(message, f"invalid: {exc.reason}", park=True)
        else:
            self._dispose(message, f"{type(exc).__name__}: {exc}", park=False)

    def _dispose(self, message, reason: str, park: bool):
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
        park = park or attempts > len(RETRY_TIERS)
        try:
            if park:
                log.error("parked message from %s: %s", self.queue.name, reason)
                exchange, routing_key = "", DEAD_LETTER_QUEUE
            else:
                log.warning("retry %d of message from %s: %s", attempts, self.queue.name, reason)
                exchange, routing_key = RETRY_TIERS[attempts - 1], self.queue.name
            copy_message(
                self.container.config["AMQP_URI"],
                message,
                exchange,
                routing_key,
                {
                    ATTEMPTS_HEADER: attempts,
                    REASON_HEADER: reason[:500],
                    ORIGIN_HEADER: self.queue.name,
                },
            )
        except Exception:  # noqa: BLE001 — broker trouble: give the message back rather than lose it
            log.exception("could not retry or park a message from %s; requeueing", self.queue.name)
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)


def copy_message(amqp_uri: str, message, exchange: str, routing_key: str, headers: dict) -> None:
    """Publish a persistent copy of a received message with more headers, confirmed by the
    broker (raises if not)."""
    Publisher(amqp_uri, use_confirms=True).publish(
        message.body,
        exchange=exchange,
        routing_key=routing_key,
        headers={**(message.headers or {}), **headers},
        content_type=message.content_type,
        content_encoding=message.content_encoding,
        delivery_mode=2,
        message_id=message.properties.get("message_id"),
    )


def park_message(amqp_uri: str, message, origin: str, reason: str) -> None:
    """Put a message no consumer can use into the dead-letter queue with the reason."""
    log.error("parked message from %s: %s", origin, reason)
    headers = {ATTEMPTS_HEADER: 1, REASON_HEADER: reason[:500], ORIGIN_HEADER: origin}
    copy_message(amqp_uri, message, "", DEAD_LETTER_QUEUE, headers)


class ReliableEventHandler(_ReliableMixin, EventHandler):
    pass


class Held:
    """A message its handler keeps unacknowledged after it returns: what a `hold_handler`'s
    method returns, and what whoever holds the message releases once it is done with it. The
    broker delivers it again if the process dies first (or loses its connection)."""

    def __init__(self):
        self._ack: Callable[[], None] | None = None
        self._released = False

    def attach(self, ack: Callable[[], None]) -> None:
        """Called by the entrypoint once the handler has returned."""
        self._ack = ack
        if self._released:
            ack()

    def release(self) -> None:
        """Acknowledge the message (now, or as soon as the entrypoint has attached)."""
        self._released = True
        if self._ack is not None:
            self._ack()


class HoldingQueueConsumer(ParkingQueueConsumer):
    """The queue consumer of holding handlers: as many unacknowledged messages per queue as
    HOLD, not `max_workers` (a held message keeps no worker busy)."""

    HOLD = 1000

    @property
    def prefetch_count(self):
        return max(self.container.max_workers, self.HOLD)


class HoldingEventHandler(ReliableEventHandler):
    """An event handler whose method may return a `Held`: its message is then acknowledged when
    that is released, not when the method returns. Any other result, or an error, is handled as
    ReliableEventHandler does."""

    queue_consumer = HoldingQueueConsumer()

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None and isinstance(result, Held):
            result.attach(lambda: self.queue_consumer.ack_message(message))
            return
        super().handle_message_processed(message, result, exc_info)


class ReliableConsumer(_ReliableMixin, Consumer):
    pass


event_handler = ReliableEventHandler.decorator
hold_handler = HoldingEventHandler.decorator
consume = ReliableConsumer.decorator
