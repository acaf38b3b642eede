"""What every service process shows its operators: `Observed` is a mixin for the nameko service
classes. It adds

- `observer`, a DependencyProvider that, around every worker, binds the dossier code, message id
  and correlation id to the log context (services.common.logs), times the handler and counts the
  messages handled and failed by type (services.common.metrics);
- `GET /metrics` (Prometheus text), `GET /livez` (the process answers) and `GET /healthz` (the
  broker and the database answer, each check capped at 2 s) on the process's own HTTP port.

A service adds gauges of its own by listing functions `(store, now) -> [Sample]` in `gauges`
(`store`: its MongoStore, whose `tallies` hold its counters)."""

import gc
import logging
import time
from collections import Counter

import pymongo
from kombu import Connection
from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.messaging import Consumer
from nameko.rpc import Rpc
from werkzeug.wrappers import Response

from contracts.codes import is_valid_code
from services.common import logs, metrics
from services.common.clock import Clock
from services.common.httpserver import http
from services.common.messaging import DEAD_LETTER_QUEUE
from services.common.store import MongoStore
from services.common.web import json_response

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0
_STARTED = "lt_started"


def broker_reachable(amqp_uri: str, timeout: float = CHECK_TIMEOUT) -> bool:
    try:
        with Connection(amqp_uri, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:  # noqa: BLE001
        return False


def database_reachable(client, timeout: float = CHECK_TIMEOUT) -> bool:
    try:
        with pymongo.timeout(timeout):
            client.admin.command("ping")
        return True
    except Exception:  # noqa: BLE001
        return False


def message_ids(args: tuple, kwargs: dict) -> dict:
    """The dossier code, message id and correlation id a worker's arguments carry, if any: an
    envelope (events, liaison transfers) or an argument named `code` (RPC, HTTP)."""
    found = {}
    first = args[0] if args else None
    if isinstance(first, dict) and "message_id" in first:
        found = {k: first.get(k) for k in logs.CONTEXT_KEYS}
    code = kwargs.get("code")
    if code is None and args and isinstance(args[0], str) and is_valid_code(args[0]):
        code = args[0]
    if isinstance(code, str) and not found.get("dossier_code"):
        found["dossier_code"] = code
    return {k: v for k, v in found.items() if isinstance(v, str)}


def message_type(entrypoint, args: tuple) -> str | None:
    """The message type counted for a worker; None for entrypoints that take no message (HTTP,
    timers)."""
    if isinstance(entrypoint, EventHandler):
        return entrypoint.event_type
    if isinstance(entrypoint, Consumer):
        first = args[0] if args else None
        if isinstance(first, dict) and isinstance(first.get("type"), str):
            return first["type"]
        return entrypoint.queue.name
    if isinstance(entrypoint, Rpc):
        return f"rpc.{entrypoint.method_name}"
    return None


GC_THRESHOLD = (20_000, 50, 20)  # allocations, then collections of the younger generation


class Observer(DependencyProvider):
    """Metrics and log context around every worker of the container."""

    def setup(self):
        config = self.container.config
        self.service = self.container.service_name
        self.amqp_uri = config["AMQP_URI"]
        self.clock = Clock()
        self.clock.container = self.container
        self.clock.setup()
        self.stores = [d for d in self.container.dependencies if isinstance(d, MongoStore)]
        self.store = self.stores[0] if self.stores else None
        sources = [self._dead_letters]
        if self.store is not None:
            sources.append(self._outbox)
            for gauge in getattr(self.container.service_cls, "gauges", ()):
                sources.append(self._bind(gauge))
        self.snapshot = metrics.Snapshot(
            sources,
            max_age=float(config.get("METRICS_SNAPSHOT_SECONDS") or 60),
            spawn=self.container.spawn_managed_thread,
        )
        self.metrics = metrics.ServiceMetrics(
            self.service,
            self.snapshot,
            self._db_commands if self.stores else None,
            self._db_command_seconds,
        )
        logs.configure_structlog()

    def start(self):
        """What the process made while starting (modules, schemas, connections) lives as long
        as it does: frozen out of the collector's way, and the youngest generation collected
        every GC_THRESHOLD allocations rather than 700, so that a collection walks less and
        happens less often (docs/cuts.md, cut 23)."""
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLD)

    # gauge sources
    def _dead_letters(self):
        return metrics.dead_letter_depth(self.amqp_uri, DEAD_LETTER_QUEUE)

    def _outbox(self):
        return metrics.outbox_backlog(self.service, self.store.db)

    def _db_commands(self) -> Counter:
        return sum((store.commands.counts for store in self.stores), Counter())

    def _db_command_seconds(self) -> Counter:
        return sum((store.commands.seconds for store in self.stores), Counter())

    def _bind(self, gauge):
        def source():
            return gauge(self.store, self.clock.now())

        source.__name__ = gauge.__name__
        return source

    # the worker lifecycle
    def worker_setup(self, worker_ctx):
        logs.clear()
        ids = message_ids(worker_ctx.args, worker_ctx.kwargs)
        logs.bind(**ids, service=self.service)
        setattr(worker_ctx, _STARTED, time.perf_counter())

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = getattr(worker_ctx, _STARTED, None)
        seconds = time.perf_counter() - started if started is not None else 0.0
        self.metrics.observe(worker_ctx.entrypoint.method_name, seconds)
        kind = message_type(worker_ctx.entrypoint, worker_ctx.args)
        if kind is not None:
            self.metrics.count(kind, failed=exc_info is not None)
            if exc_info is None:
                log.info("handled %s in %.1f ms", kind, seconds * 1000)
            else:
                log.warning("failed %s after %.1f ms: %r", kind, seconds * 1000, exc_info[1])

    def worker_teardown(self, worker_ctx):
        logs.clear()

    # what the HTTP entrypoints answer
    def health(self) -> dict:
        checks = {"broker": broker_reachable(self.amqp_uri)}
        if self.store is not None:
            checks["database"] = database_reachable(self.store.client)
        return checks

    def get_dependency(self, worker_ctx):
        return self


class Observed:
    """Mixin for a nameko service class: metrics, log context, /metrics, /livez, /healthz."""

    observer = Observer()
    gauges: tuple = ()

    @http("GET", "/metrics")
    def metrics(self, request):
        """Prometheus text; `?name[]=<series>` (repeatable) for those series only."""
        return Response(
            self.observer.metrics.exposition(request.args.getlist("name[]")),
            mimetype="text/plain",
            headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
        )

    @http("GET", "/livez")
    def livez(self, request):
        return json_response({"status": "ok"})

    @http("GET", "/healthz")
    def healthz(self, request):
        checks = self.observer.health()
        ok = all(checks.values())
        return json_response(
            {"status": "ok" if ok else "degraded", "checks": checks}, 200 if ok else 503
        )
