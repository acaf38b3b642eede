"""RPC between services: domain errors raised in one service arrive as the same exception in the
caller, and a caller waits a bounded time (nameko 2.14's RpcProxy waits forever)."""

import eventlet
from nameko.exceptions import deserialize_to_instance
from nameko.rpc import RpcProxy

from contracts import errors

DEFAULT_TIMEOUT = 10.0  # seconds; RPC_TIMEOUT in the config


def register_domain_errors() -> None:
    for cls in errors.ALL:
        deserialize_to_instance(cls)


class TimedRpcProxy(RpcProxy):
    """RpcProxy whose calls raise Unavailable (503) after RPC_TIMEOUT seconds without a reply."""

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
