"""RPC between services: domain errors raised in one service arrive as the same exception in the
caller, a caller waits a bounded time (nameko 2.14's RpcProxy waits forever), and a message in an
RPC queue that is no request (nameko would crash the whole service on it) is parked."""

import logging

import eventlet
from nameko.exceptions import deserialize_to_instance
from nameko.rpc import ReplyListener, Rpc, RpcConsumer, RpcProxy

from contracts import errors
from services.common.messaging import ParkingQueueConsumer, park_message, quorum

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0  # seconds; RPC_TIMEOUT in the config


def register_domain_errors() -> None:
    for cls in errors.ALL:
        deserialize_to_instance(cls)


class SafeReplyListener(ReplyListener):
    """nameko's listener for RPC replies acks each reply in a managed thread of the container with
    its own queue consumer, so a broker restart during that ack killed the calling service (the
    gateway). Ours acks with the queue consumer that survives it."""

    queue_consumer = ParkingQueueConsumer()

    def setup(self):
        super().setup()
        quorum(self.queue)  # a reply on its way survives the loss of a broker node


class TimedRpcProxy(RpcProxy):
    """RpcProxy whose calls raise Unavailable (503) after RPC_TIMEOUT seconds without a reply."""

    rpc_reply_listener = SafeReplyListener()

    def setup(self):
        super().setup()
        register_domain_errors()  # the callee's domain errors arrive as themselves

    def get_dependency(self, worker_ctx):
        timeout = float(self.container.config.get("RPC_TIMEOUT") or DEFAULT_TIMEOUT)
        return _Timed(super().get_dependency(worker_ctx), self.target_service, timeout)


class _Timed:
    def __init__(self, proxy, service: str, timeout: float):
        self._proxy, self._service, self._timeout = proxy, service, timeout

    def __getattr__(self, method: str):
        def call(*args, **kwargs):
            reply = getattr(self._proxy, method).call_async(*args, **kwargs)
            try:
                with eventlet.Timeout(self._timeout):
                    return reply.result()
            except eventlet.Timeout:
                raise errors.Unavailable(
                    "service_unavailable",
                    f"{self._service} did not answer within {self._timeout:g} s; try again",
                ) from None

        return call


class ParkingRpcConsumer(RpcConsumer):
    """nameko's RPC consumer answers every message on its queue, and a message without
    `reply_to` makes that answer raise KeyError in the consumer thread, which kills the service
    (and again at each restart, the message being still there). Such a message is parked in the
    dead-letter queue instead; an answer that cannot be sent is logged, not fatal."""

    queue_consumer = ParkingQueueConsumer()

    def setup(self):
        super().setup()
        quorum(self.queue)

    def handle_message(self, body, message):
        if not (message.properties.get("reply_to") and message.properties.get("correlation_id")):
            self._park(message, "invalid: not an RPC request (no reply_to or correlation_id)")
            return
        super().handle_message(body, message)

    def handle_result(self, message, result, exc_info):
        try:
            return super().handle_result(message, result, exc_info)
        except Exception:  # noqa: BLE001 — the caller cannot be answered; do not die for it
            log.exception("could not answer an RPC request on %s", self.queue.name)
            self.queue_consumer.ack_message(message)
            return result, exc_info

    def _park(self, message, reason: str) -> None:
        try:
            park_message(self.container.config["AMQP_URI"], message, self.queue.name, reason)
        except Exception:  # noqa: BLE001
            log.exception("could not park a message from %s; requeueing", self.queue.name)
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)


class ParkingRpc(Rpc):
    rpc_consumer = ParkingRpcConsumer()


rpc = ParkingRpc.decorator
