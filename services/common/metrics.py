"""Prometheus metrics of one service process, served at /metrics on the process's own port.

Counters and the latency histogram are updated by `services.common.observability` around every
worker. The gauges (outbox backlog, dead-letter depth, SMS by status, dossiers by state, overdue
dossiers) are read from the database and the broker by `Snapshot`, in the background, at most
once per `METRICS_SNAPSHOT_SECONDS` (60 s by default) whatever the scrape rate, so that scrapes
neither load FerretDB, whose filtered counts are full scans, nor wait for it."""

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from kombu import Connection
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from services.common.repository import outbox_range

log = logging.getLogger(__name__)

PREFIX = "lienthong"

GAUGES = {
    "outbox_backlog": ("outbox entries not yet confirmed by the broker", ("service",)),
    "dead_letter_depth": ("messages parked in the dead-letter queue", ("queue",)),
    "sms_messages": ("SMS in the notification log by status", ("status",)),
    "dossiers": ("dossiers by state", ("state",)),
    "dossiers_overdue": ("active dossiers past their current step's due time", ()),
    "metrics_snapshot_age_seconds": ("age of the gauge snapshot", ()),
}
"""Gauge name (without prefix) → (help, label names)."""

COUNTERS = {
    "sms_sent": (
        "SMS Kannel took for a provider (those it holds while the provider is away included: "
        "they go out through it)",
        ("provider",),
    ),
    "sms_send_errors": (
        "sends that count against a provider: held (its SMS centre not connected), refused, "
        "timed out",
        ("provider", "outcome"),
    ),
}
"""Counters a process keeps as it works (not from the database), name → (help, label names);
created on first use, so only the process that counts them exposes them."""

LIVE_GAUGES = {
    "sms_active_provider": (
        "1 for the SMS provider notification sends through, 0 for the others",
        ("provider",),
    ),
    "sms_provider_connected": (
        "1 when Kannel says the provider's SMS centre is connected (the failover probe)",
        ("provider",),
    ),
}
"""Gauges a process sets as it works, name → (help, label names); created on first use."""

SERIES = (
    f"{PREFIX}_messages_handled_total",
    f"{PREFIX}_messages_failed_total",
    f"{PREFIX}_handler_seconds",
    f"{PREFIX}_db_commands_total",
    f"{PREFIX}_db_command_seconds_total",
    *(f"{PREFIX}_{name}" for name in GAUGES),
    *(f"{PREFIX}_{name}_total" for name in COUNTERS),
    *(f"{PREFIX}_{name}" for name in LIVE_GAUGES),
)
"""Every series name a service can expose (the dashboard may use only these)."""


@dataclass(frozen=True)
class Sample:
    name: str
    labels: tuple[tuple[str, str], ...]
    value: float


def sample(name: str, value: float, **labels) -> Sample:
    if name not in GAUGES:
        raise KeyError(f"unknown gauge {name}")
    return Sample(name, tuple(sorted(labels.items())), float(value))


# --- what the gauges read --------------------------------------------------------------------
def outbox_backlog(service: str, db) -> list[Sample]:
    """Outbox entries not yet published in a service's database: the `~outbox|` range of each
    journal collection (services/common/repository.py), read by its keys, no scan."""
    total = sum(
        len(list(db[name].find({"_id": outbox_range()}, {"_id": 1})))
        for name in db.list_collection_names()
        if name.endswith("_journal")
    )
    return [sample("outbox_backlog", total, service=service)]


def dead_letter_depth(amqp_uri: str, queue: str) -> list[Sample]:
    with Connection(amqp_uri, connect_timeout=2) as conn:
        _, count, _ = conn.default_channel.queue_declare(queue, passive=True)
    return [sample("dead_letter_depth", count, queue=queue)]


# --- the registry of one process -------------------------------------------------------------
@dataclass
class Snapshot:
    """Gauge samples from `sources` (callables returning samples), refreshed when stale.

    With `spawn` (a function that runs its argument in the background), a stale snapshot is
    refreshed in the background, one refresh at a time, and a scrape answers at once with the
    samples it has (none before the first refresh ends), so that a slow source (the broker
    asked for the dead-letter depth) never holds a scrape up; the services' own gauges read kept
    counters (services/common/tally.py), a few rows each. Without it, the scrape that finds the
    snapshot stale waits for the refresh."""

    sources: list[Callable[[], Iterable[Sample]]]
    max_age: float = 60.0
    clock: Callable[[], float] = time.monotonic
    spawn: Callable[[Callable[[], None]], object] | None = None
    _samples: list[Sample] = field(default_factory=list)
    _taken: float | None = None
    _refreshing: bool = False

    def samples(self) -> tuple[list[Sample], float | None]:
        """The samples and their age in seconds (None before the first refresh)."""
        now = self.clock()
        if self._taken is None or now - self._taken >= self.max_age:
            if self.spawn is None:
                self.refresh()
            else:
                self.refresh_soon()
        return self._samples, None if self._taken is None else now - self._taken

    def refresh_soon(self) -> None:
        """Start a background refresh unless one is running."""
        if not self._refreshing:
            self._refreshing = True
            try:
                self.spawn(self.refresh)
            except BaseException:
                self._refreshing = False
                raise

    def refresh(self) -> None:
        started, fresh = self.clock(), []
        try:
            for source in self.sources:
                try:
                    fresh.extend(source())
                except Exception as exc:  # noqa: BLE001 — a gauge missing beats a failed scrape
                    log.warning("metrics source %s failed: %s", _name(source), exc)
            self._samples, self._taken = fresh, started
        finally:
            self._refreshing = False


def _name(source) -> str:
    return getattr(source, "__name__", None) or getattr(source, "func", source).__name__


def _gauge_families() -> dict[str, GaugeMetricFamily]:
    return {
        name: GaugeMetricFamily(f"{PREFIX}_{name}", doc, labels=list(labels))
        for name, (doc, labels) in GAUGES.items()
    }


class _SnapshotCollector:
    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot

    def describe(self):
        # by name, so that a scrape asking for other series (?name[]=…) does not read the gauges
        return list(_gauge_families().values())

    def collect(self):
        samples, age = self.snapshot.samples()
        families = _gauge_families()
        for s in samples:
            families[s.name].add_metric([v for _, v in s.labels], s.value)
        if age is not None:
            families["metrics_snapshot_age_seconds"].add_metric([], age)
        return [f for f in families.values() if f.samples]


class _CommandsCollector:
    """lienthong_db_commands_total from the {command name: count} mapping `counts` returns, and
    lienthong_db_command_seconds_total from the {(command name, collection): seconds} one
    `seconds` returns."""

    def __init__(
        self,
        service: str,
        counts: Callable[[], Mapping[str, int]],
        seconds: Callable[[], Mapping[tuple[str, str], float]],
    ):
        self.service, self.counts, self.seconds = service, counts, seconds

    @staticmethod
    def _families() -> tuple[CounterMetricFamily, CounterMetricFamily]:
        return (
            CounterMetricFamily(
                f"{PREFIX}_db_commands",
                "database commands sent, by command name",
                labels=["service", "command"],
            ),
            CounterMetricFamily(
                f"{PREFIX}_db_command_seconds",
                "time the database commands took, by command name and collection",
                labels=["service", "command", "collection"],
            ),
        )

    def describe(self):
        return list(self._families())

    def collect(self):
        counts, seconds = self._families()
        for command, n in sorted(dict(self.counts()).items()):
            counts.add_metric([self.service, command], n)
        for (command, collection), s in sorted(dict(self.seconds()).items()):
            seconds.add_metric([self.service, command, collection], s)
        return [counts, seconds]


class ServiceMetrics:
    """The counters, histogram and gauge snapshot of one service container; `commands` returns
    the database commands its store has sent, by name, and `command_seconds` their time, by name
    and collection (services.common.store.CommandCounts)."""

    def __init__(
        self,
        service: str,
        snapshot: Snapshot,
        commands: Callable[[], Mapping[str, int]] | None = None,
        command_seconds: Callable[[], Mapping[tuple[str, str], float]] = dict,
    ):
        self.service = service
        disable_created_metrics()  # no *_created series: they only double what Prometheus stores
        self.registry = CollectorRegistry()
        self.handled = Counter(
            f"{PREFIX}_messages_handled",
            "messages handled without error, by message type",
            ("service", "type"),
            registry=self.registry,
        )
        self.failed = Counter(
            f"{PREFIX}_messages_failed",
            "messages whose handler raised (retried, then parked), by message type",
            ("service", "type"),
            registry=self.registry,
        )
        self.latency = Histogram(
            f"{PREFIX}_handler_seconds",
            "time in an entrypoint's handler",
            ("service", "entrypoint"),
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.registry.register(_SnapshotCollector(snapshot))
        if commands is not None:
            self.registry.register(_CommandsCollector(service, commands, command_seconds))
        self._live: dict[str, Counter | Gauge] = {}

    def _made(self, name: str):
        """The counter of COUNTERS or gauge of LIVE_GAUGES `name`, made on first use."""
        if name not in self._live:
            kind, (doc, labels) = (
                (Counter, COUNTERS[name]) if name in COUNTERS else (Gauge, LIVE_GAUGES[name])
            )
            self._live[name] = kind(f"{PREFIX}_{name}", doc, labels, registry=self.registry)
        return self._live[name]

    def inc(self, name: str, **labels: str) -> None:
        """Add one to the counter `name` (COUNTERS) with these labels."""
        self._made(name).labels(**labels).inc()

    def set(self, name: str, value: float, **labels: str) -> None:
        """Set the gauge `name` (LIVE_GAUGES) with these labels."""
        self._made(name).labels(**labels).set(value)

    def observe(self, entrypoint: str, seconds: float) -> None:
        self.latency.labels(self.service, entrypoint).observe(seconds)

    def count(self, message_type: str, failed: bool) -> None:
        (self.failed if failed else self.handled).labels(self.service, message_type).inc()

    def exposition(self, names: Iterable[str] = ()) -> bytes:
        """The text exposition; of the series `names` only, if given (other collectors, the
        gauges' database reads among them, are not run)."""
        names = set(names)
        return generate_latest(self.registry.restricted_registry(names) if names else self.registry)
