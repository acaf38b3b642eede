"""The aggregate store on the real MongoDB-wire server: concurrent writers never lose a change,
never apply a message twice, a projection left behind is rolled forward from the journal, and read
views keyed by a changing value end with the last version's keys only."""

import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from pymongo import MongoClient

from services.common.store import Aggregates, Conflict, Sequences, sweep_outbox

pytestmark = pytest.mark.integration

WRITERS, CHANGES_EACH = 4, 25


# One writer process: adds one to the counter CHANGES_EACH times, each change its own message,
# and prints how often it lost a race. (Plain processes: the integration tests run monkey-patched.)
WRITER = """
import sys
from pymongo import MongoClient
from services.common.store import Aggregates, Conflict, Sequences
uri, db_name, writer, changes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
views = None
if sys.argv[5:] == ["views"]:  # one view document whose key moves with every change
    views = lambda d: {"by_counter": {f"{d['_id']}|{d['counter']:05d}": {"n": d["counter"]}}}
aggregates = Aggregates(MongoClient(uri, tz_aware=True)[db_name], "things", views=views)
conflicts = 0
for n in range(changes):
    while True:
        doc = aggregates.get("thing")
        try:
            aggregates.save(doc, {"counter": doc["counter"] + 1}, [], f"w{writer}-{n}")
            break
        except Conflict:
            conflicts += 1
print(conflicts)
"""


@pytest.fixture
def db_name(servers):
    name = f"t{uuid.uuid4().hex[:8]}_aggregates"
    yield name
    MongoClient(servers["mongo"]).drop_database(name)


def run_writers(servers, db_name, *flags) -> list[int]:
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, servers["mongo"], db_name, str(w), str(CHANGES_EACH)]
            + list(flags),
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(WRITERS)
    ]
    conflicts = [int(w.communicate(timeout=120)[0]) for w in writers]
    assert all(w.returncode == 0 for w in writers)
    return conflicts


def test_concurrent_processes_lose_no_change(servers, db_name):
    aggregates = Aggregates(MongoClient(servers["mongo"], tz_aware=True)[db_name], "things")
    aggregates.create({"_id": "thing", "counter": 0}, [])
    conflicts = run_writers(servers, db_name)
    doc = aggregates.get("thing")
    total = WRITERS * CHANGES_EACH
    assert doc["counter"] == total
    assert doc["version"] == total + 1
    assert sorted(doc["applied"]) == sorted(
        f"w{w}-{n}" for w in range(WRITERS) for n in range(CHANGES_EACH)
    )
    assert [e["version"] for e in aggregates.entries("thing")] == list(range(1, total + 2))
    assert sum(conflicts) > 0, "the writers never raced: the test proved nothing"


def test_a_message_applies_once(servers, db_name):
    aggregates = Aggregates(MongoClient(servers["mongo"], tz_aware=True)[db_name], "things")
    aggregates.create({"_id": "thing", "counter": 0}, [])
    doc = aggregates.get("thing")
    assert aggregates.save(doc, {"counter": 1}, [], "m-1") is not None
    assert aggregates.save(aggregates.get("thing"), {"counter": 2}, [], "m-1") is None
    with pytest.raises(Conflict):  # a writer still holding the old version loses
        aggregates.save(doc, {"counter": 5}, [], "m-2")
    assert aggregates.get("thing")["counter"] == 1


def test_a_projection_left_behind_is_rolled_forward(servers, db_name):
    db = MongoClient(servers["mongo"], tz_aware=True)[db_name]
    aggregates = Aggregates(db, "things")
    aggregates.create({"_id": "thing", "counter": 0}, [])
    aggregates.save(aggregates.get("thing"), {"counter": 1}, [], push={"log": ["one"]})
    # as if the writer died between its claim and its projection write
    db.things.replace_one({"_id": "thing"}, {"_id": "thing", "counter": 0, "version": 1})
    doc = aggregates.get("thing")
    assert (doc["counter"], doc["version"], doc["log"]) == (1, 2, ["one"])
    assert db.things.find_one({"_id": "thing"})["counter"] == 1


def test_concurrent_writers_leave_the_views_of_the_last_version(servers, db_name):
    db = MongoClient(servers["mongo"], tz_aware=True)[db_name]
    aggregates = Aggregates(
        db, "things", views=lambda d: {"by_counter": {f"thing|{d['counter']:05d}": {"n": 0}}}
    )
    aggregates.create({"_id": "thing", "counter": 0}, [])
    assert [v["_id"] for v in db.by_counter.find()] == ["thing|00000"]
    conflicts = run_writers(servers, db_name, "views")
    total = WRITERS * CHANGES_EACH
    assert aggregates.get("thing")["counter"] == total
    assert [v["_id"] for v in db.by_counter.find()] == [f"thing|{total:05d}"]
    assert sum(conflicts) > 0, "the writers never raced: the test proved nothing"


def test_sequences_number_in_order_across_processes_without_a_scan(servers, db_name):
    counters = MongoClient(servers["mongo"], tz_aware=True)[db_name].counters
    first, second = Sequences(counters), Sequences(counters)
    assert [first.next("X1-260302") for _ in range(5)] == [1, 2, 3, 4, 5]
    assert second.next("X1-260302") == 6  # read from the _id range, not remembered
    assert first.next("X1-260302") == 7  # its remembered 5 was taken further by the other
    assert second.next("X2-260302") == 1
    assert counters.count_documents({"key": "X1-260302"}) == 7


class _Lost(Exception):
    pass


def _die_once(aggregates):
    """The next projection write fails, as when the database restarts after the claim."""
    real = aggregates._project

    def project(doc, previous):
        aggregates._project = real
        raise _Lost("database gone")

    aggregates._project = project


def test_a_create_retried_after_the_database_went_away_mid_write_is_projected(servers, db_name):
    db = MongoClient(servers["mongo"], tz_aware=True)[db_name]
    aggregates = Aggregates(db, "things")
    _die_once(aggregates)
    with pytest.raises(_Lost):
        aggregates.create({"_id": "thing", "counter": 0}, [], "m-1")
    assert db.things.find_one({"_id": "thing"}) is None  # claimed, not projected
    assert aggregates.create({"_id": "thing", "counter": 0}, [], "m-1") is None  # the retry
    assert db.things.find_one({"_id": "thing"})["version"] == 1  # queries see it now


def test_the_sweeper_projects_what_a_dead_writer_claimed(servers, db_name):
    db = MongoClient(servers["mongo"], tz_aware=True)[db_name]
    aggregates = Aggregates(db, "things")
    aggregates.create({"_id": "thing", "counter": 0}, [])
    _die_once(aggregates)
    entry = {"id": "e1", "exchange": "x", "routing_key": "k", "body": {}}
    with pytest.raises(_Lost):
        aggregates.save(aggregates.get("thing"), {"counter": 1}, [entry], "m-2")
    assert db.things.find_one({"_id": "thing"})["counter"] == 0

    class Publisher:
        def publish(self, entries):
            return [e["id"] for e in entries]

    assert sweep_outbox(aggregates, Publisher(), settle=timedelta(0)) == 1
    assert db.things.find_one({"_id": "thing"})["counter"] == 1
