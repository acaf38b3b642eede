"""The metrics of one process: counters by message type, gauges from a cached snapshot."""

import itertools
from types import SimpleNamespace

from prometheus_client.parser import text_string_to_metric_families

from services.common import metrics, observability
from services.common.store import CommandCounts


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_the_snapshot_is_read_again_only_when_stale():
    reads, clock = [], FakeClock()

    def source():
        reads.append(clock.t)
        return [metrics.sample("dossiers_overdue", len(reads))]

    snapshot = metrics.Snapshot([source], max_age=60, clock=clock)
    assert snapshot.samples()[0][0].value == 1
    clock.t = 59
    samples, age = snapshot.samples()
    assert (samples[0].value, age) == (1, 59)
    clock.t = 60
    assert snapshot.samples()[0][0].value == 2
    assert reads == [0, 60]


def test_a_failing_source_drops_its_gauges_not_the_scrape():
    def broken():
        raise ConnectionError("broker down")

    snapshot = metrics.Snapshot([broken, lambda: [metrics.sample("dossiers_overdue", 3)]])
    assert [s.value for s in snapshot.samples()[0]] == [3]


def test_the_exposition_has_the_counters_histogram_and_gauges():
    snapshot = metrics.Snapshot(
        [
            lambda: [metrics.sample("outbox_backlog", 2, service="routing")],
            lambda: [metrics.sample("sms_messages", 5, status="delivered")],
        ]
    )
    m = metrics.ServiceMetrics("routing", snapshot)
    m.count("dossier_received", failed=False)
    m.count("dossier_received", failed=False)
    m.count("dossier_transfer", failed=True)
    m.observe("on_dossier_received", 0.02)
    families = {f.name: f for f in text_string_to_metric_families(m.exposition().decode())}
    values = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in families.values()
        for s in f.samples
    }
    assert (
        values[
            (
                "lienthong_messages_handled_total",
                (("service", "routing"), ("type", "dossier_received")),
            )
        ]
        == 2
    )
    assert (
        values[
            (
                "lienthong_messages_failed_total",
                (("service", "routing"), ("type", "dossier_transfer")),
            )
        ]
        == 1
    )
    assert values[("lienthong_outbox_backlog", (("service", "routing"),))] == 2
    assert values[("lienthong_sms_messages", (("status", "delivered"),))] == 5
    assert (
        values[
            (
                "lienthong_handler_seconds_count",
                (("entrypoint", "on_dossier_received"), ("service", "routing")),
            )
        ]
        == 1
    )
    assert set(families) <= {n.removesuffix("_total") for n in metrics.SERIES}


def test_ids_come_from_an_envelope_or_a_dossier_code_argument():
    envelope = {"message_id": "m1", "correlation_id": "c1", "dossier_code": "X28720-261203-0001"}
    assert observability.message_ids((envelope,), {}) == envelope
    assert observability.message_ids(("X28720-261203-0001", {}), {}) == {
        "dossier_code": "X28720-261203-0001"
    }
    assert observability.message_ids(("X28720",), {}) == {}
    assert observability.message_ids((object(),), {"code": "X28720-261203-0002"}) == {
        "dossier_code": "X28720-261203-0002"
    }


_REQUEST_IDS = itertools.count(1)


def _sent(counts: CommandCounts, name: str, collection: str | None = "things", micros: int = 1000):
    """One command through the listener, as pymongo reports it: started, then succeeded."""
    ids = {"connection_id": ("127.0.0.1", 27017), "request_id": next(_REQUEST_IDS)}
    command = {name: collection or 1}
    if name == "getMore":
        command = {"getMore": 7, "collection": collection}
    counts.started(SimpleNamespace(command_name=name, command=command, **ids))
    counts.succeeded(SimpleNamespace(duration_micros=micros, **ids))


def test_database_commands_are_counted_by_name_and_exposed_per_service():
    counts = CommandCounts()
    for name in ("find", "insert", "find", "update"):
        _sent(counts, name)
    m = metrics.ServiceMetrics("intake", metrics.Snapshot([]), lambda: counts.counts)
    samples = {
        s.labels["command"]: s.value
        for f in text_string_to_metric_families(m.exposition().decode())
        if f.name == "lienthong_db_commands"
        for s in f.samples
        if s.labels["service"] == "intake"
    }
    assert samples == {"find": 2, "insert": 1, "update": 1}
    _sent(counts, "delete")
    exposed = m.exposition().decode()
    assert 'lienthong_db_commands_total{command="delete",service="intake"} 1.0' in exposed


def test_database_time_is_summed_by_command_and_collection_and_a_slow_command_logged(caplog):
    counts = CommandCounts()
    _sent(counts, "find", "dossiers", micros=250_000)
    _sent(counts, "find", "dossiers", micros=1_500_000)
    _sent(counts, "getMore", "dossiers", micros=100_000)
    _sent(counts, "insert", "outbox", micros=2_000)
    _sent(counts, "ping", None, micros=500)  # a command on no collection: {"ping": 1}
    m = metrics.ServiceMetrics(
        "routing", metrics.Snapshot([]), lambda: counts.counts, lambda: counts.seconds
    )
    seconds = {
        (s.labels["command"], s.labels["collection"]): s.value
        for f in text_string_to_metric_families(m.exposition().decode())
        if f.name == "lienthong_db_command_seconds"
        for s in f.samples
    }
    assert seconds == {
        ("find", "dossiers"): 1.75,
        ("getMore", "dossiers"): 0.1,
        ("insert", "outbox"): 0.002,
        ("ping", ""): 0.0005,
    }
    slow = [r.getMessage() for r in caplog.records if "slow database command" in r.getMessage()]
    assert slow == ["slow database command: find on dossiers took 1.50 s"]
    unknown = {"connection_id": "x", "request_id": -1}
    counts.failed(SimpleNamespace(duration_micros=9, failure={}, **unknown))
    ids = {"connection_id": "c", "request_id": next(_REQUEST_IDS)}
    counts.started(SimpleNamespace(command_name="update", command={"update": "due"}, **ids))
    busy = {"ok": 0.0, "errmsg": "[collection.go:199] database is locked (5) (SQLITE_BUSY)"}
    counts.failed(SimpleNamespace(duration_micros=10_200_000, failure=busy, **ids))
    assert caplog.records[-1].getMessage() == (
        "slow database command: update on due took 10.20 s and failed: "
        "[collection.go:199] database is locked (5) (SQLITE_BUSY)"
    )
    assert counts.seconds[("update", "due")] == 10.2


def test_a_scrape_for_named_series_does_not_read_the_gauges():
    reads = []

    def source():
        reads.append(1)
        return [metrics.sample("dossiers_overdue", 4)]

    counts = CommandCounts()
    _sent(counts, "insert")
    m = metrics.ServiceMetrics("routing", metrics.Snapshot([source]), lambda: counts.counts)
    only = m.exposition(["lienthong_db_commands_total"]).decode()
    assert 'lienthong_db_commands_total{command="insert",service="routing"} 1.0' in only
    assert "lienthong_dossiers_overdue" not in only and "messages_handled" not in only
    assert reads == []
    assert "lienthong_dossiers_overdue 4.0" in m.exposition().decode()
    assert reads == [1]


def test_a_background_snapshot_never_makes_a_scrape_wait_and_refreshes_once_at_a_time():
    spawned, reads, clock = [], [], FakeClock()

    def source():
        reads.append(clock.t)
        return [metrics.sample("dossiers_overdue", len(reads))]

    snapshot = metrics.Snapshot([source], max_age=60, clock=clock, spawn=spawned.append)
    assert snapshot.samples() == ([], None)  # nothing read yet: the scrape does not wait
    assert snapshot.samples() == ([], None)
    assert len(spawned) == 1 and reads == []  # one refresh pending, not two
    spawned.pop()()
    clock.t = 30
    samples, age = snapshot.samples()
    assert ([s.value for s in samples], age) == ([1], 30)
    clock.t = 61
    samples, age = snapshot.samples()  # stale: the old samples now, a refresh started
    assert ([s.value for s in samples], age, len(spawned)) == ([1], 61, 1)
    spawned.pop()()
    assert [s.value for s in snapshot.samples()[0]] == [2]


def test_no_age_series_before_the_first_snapshot():
    m = metrics.ServiceMetrics("routing", metrics.Snapshot([], spawn=lambda fn: None))
    text = m.exposition().decode()
    assert "metrics_snapshot_age_seconds" not in text
    assert "# HELP lienthong_messages_handled_total" in text
