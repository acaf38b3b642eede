"""The repository contract, on the real MongoDB-wire server: the same suite for both adapters
(services/common/repository.py), then what only the FerretDB-safe journal adapter must survive.

Both: a create is made once; a change is committed with its messages and views and returns the
document without bookkeeping; a message applies once; a decision that lost a race is decided
again; a field set and appended to in one change; views follow every change and come back in
key order; several aggregates at once; messages the broker did not confirm are swept out later.
Journal adapter: concurrent processes lose no change, a projection left behind is rolled forward
(and a decision taken on it is taken again on the latest), the views end as the last version's, a
create or change cut off by the database is repaired, a change with views costs five commands
(the server applies a version-filtered update atomically: its projection write is one),
and concurrent changes in one process share their commands (group commit).
The document adapter's own atomicity (find_one_and_update) needs a real mongod: FerretDB 1.x
applies that update as read-then-write, so its race test runs only against a mongod."""

import io
import json
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import MongoClient

from services.common.keys import prefix_range
from services.common.repository import (
    ADAPTERS,
    BOOKKEEPING,
    KEEP,
    Change,
    JournalRepository,
    NotFound,
    Views,
    views_of,
)
from services.common.store import CommandCounts, Sequences
from services.common.writes import put_many

pytestmark = pytest.mark.integration

WRITERS, CHANGES_EACH = 4, 25
VIEWS = Views(
    ("by_counter", "by_tag"),
    lambda d: {
        "by_counter": {f"{d['counter']:05d}|{d['_id']}": {"n": d["counter"]}},
        "by_tag": {f"{tag}|{d['_id']}": {} for tag in d.get("tags", [])},
    },
)


class Publisher:
    """Confirms every message, or none while `down`; remembers what it published."""

    def __init__(self):
        self.down, self.sent = False, []

    def publish(self, entries):
        if self.down:
            return []
        self.sent += entries
        return [e["id"] for e in entries]


def message(n):
    return {"id": f"e{n}", "exchange": "x", "routing_key": "k", "body": {"n": n}}


@pytest.fixture
def db(servers):
    name = f"t{uuid.uuid4().hex[:8]}_repository"
    client = MongoClient(servers["mongo"], tz_aware=True)
    yield client[name]
    client.drop_database(name)


@pytest.fixture(params=sorted(ADAPTERS))
def repo(request, db):
    repository = ADAPTERS[request.param](db, "things", VIEWS)
    repository.create_indexes()
    return repository


def view_keys(db, view: str) -> list[str]:
    """The keys of one view as the journal adapter stores them (`<name>_views`)."""
    found = db[views_of("things")].find({"_id": prefix_range(view)})
    return sorted(e["_id"].split("|", 1)[1] for e in found)


def add(n, tag=None):
    def decide(doc):
        push = {"tags": [tag]} if tag else {}
        return Change({"counter": doc["counter"] + n}, push, lambda seq: [message(seq)])

    return decide


def test_a_create_is_made_once_and_comes_back_without_bookkeeping(repo):
    publisher = Publisher()
    made = repo.create({"_id": "a", "counter": 0}, [message(1)], "m-0", publisher)
    assert made.changed and made.doc == {"_id": "a", "counter": 0}
    assert publisher.sent == [message(1)] and made.outbox is None
    assert repo.create({"_id": "a", "counter": 9}, [message(2)], "m-0", publisher) is None
    assert repo.get("a") == {"_id": "a", "counter": 0}
    assert not set(repo.get("a")) & set(BOOKKEEPING)
    with pytest.raises(NotFound):
        repo.get("nothing")
    with pytest.raises(NotFound):
        repo.change("nothing", add(1))


def test_a_change_is_committed_with_its_messages_numbered_by_version(repo):
    publisher = Publisher()
    repo.create({"_id": "a", "counter": 0}, [])
    first = repo.change("a", add(2), "m-1", publisher)
    second = repo.change("a", add(3), "m-2", publisher)
    assert (first.doc["counter"], second.doc["counter"]) == (2, 5)
    assert [m["body"]["n"] for m in publisher.sent] == [2, 3]  # the sequence is the version
    unchanged = repo.change("a", lambda doc: None)
    assert not unchanged.changed and unchanged.doc["counter"] == 5


def test_a_message_applies_once(repo):
    repo.create({"_id": "a", "counter": 0}, [])
    assert repo.change("a", add(1), "m-1").changed
    again = repo.change("a", add(1), "m-1")
    assert again.duplicate and not again.changed and repo.get("a")["counter"] == 1


def test_a_decision_that_lost_a_race_is_decided_again(repo, db):
    repo.create({"_id": "a", "counter": 0}, [])
    other = type(repo)(db, "things", VIEWS)
    calls = []

    def decide(doc):
        calls.append(doc["counter"])
        if len(calls) == 1:  # another writer commits while this one decides
            other.change("a", add(10))
        return Change({"counter": doc["counter"] + 1})

    assert repo.change("a", decide).doc["counter"] == 11
    assert calls == [0, 10]


def test_a_field_set_and_appended_in_one_change(repo):
    repo.create({"_id": "a", "counter": 0, "rows": [{"n": 1}]}, [])
    rows = [{"n": 1, "signed": True}]
    done = repo.change("a", lambda d: Change({"rows": rows}, {"rows": [{"n": 2}]}))
    assert done.doc["rows"] == [{"n": 1, "signed": True}, {"n": 2}]
    assert repo.get("a")["rows"] == done.doc["rows"]


def test_views_follow_every_change_in_key_order(repo):
    for name, counter in (("a", 3), ("b", 1), ("c", 2)):
        repo.create({"_id": name, "counter": counter}, [])
    found = repo.find_view("by_counter", {"$gte": "00000|", "$lt": "99999}"})
    assert [(v["_id"], v["_key"], v["n"]) for v in found] == [
        ("b", "00001|b", 1),
        ("c", "00002|c", 2),
        ("a", "00003|a", 3),
    ]
    repo.change("b", add(5, tag="red"))
    repo.change("a", add(0, tag="red"))
    keys = [v["_key"] for v in repo.find_view("by_counter", {"$gte": "0", "$lt": "9"})]
    assert keys == ["00002|c", "00003|a", "00006|b"]  # b's old key is gone
    assert [v["_id"] for v in repo.find_view("by_counter", {"$gte": "0"}, limit=2)] == ["c", "a"]
    assert sorted(v["_id"] for v in repo.find_view("by_tag", {"$gte": "red|", "$lt": "red}"})) == [
        "a",
        "b",
    ]


def test_several_aggregates_at_once(repo):
    for name in ("a", "b"):
        repo.create({"_id": name, "counter": 0}, [])
    repo.change("b", add(4))
    assert repo.get_many(["a", "b", "zz"]) == {
        "a": {"_id": "a", "counter": 0},
        "b": {"_id": "b", "counter": 4},
    }


def test_messages_not_confirmed_are_swept_out_later(repo):
    publisher = Publisher()
    repo.create({"_id": "a", "counter": 0}, [])
    publisher.down = True
    pending = repo.change("a", add(1), "m-1", publisher)
    assert pending.changed and pending.outbox is not None and publisher.sent == []
    publisher.down = False
    assert repo.sweep(publisher, settle=timedelta(0)) == 1
    assert publisher.sent == [message(2)]
    assert repo.sweep(publisher, settle=timedelta(0)) == 0  # published once


# --- the journal adapter (FerretDB 1.x) ---------------------------------------------------------

# One writer process: adds one to the counter CHANGES_EACH times, each change its own message.
# (Plain processes: the integration tests run monkey-patched.)
WRITER = """
import sys
from pymongo import MongoClient
from services.common.repository import ADAPTERS, Change, Views
uri, db_name, writer, changes, adapter = sys.argv[1:6]
views = None
if sys.argv[6:] == ["views"]:  # one view key that moves with every change
    views = Views(("by_counter",), lambda d: {"by_counter": {f"{d['counter']:05d}|thing": {}}})
repo = ADAPTERS[adapter](MongoClient(uri, tz_aware=True)[db_name], "things", views)
tries = 0
def decide(doc):
    global tries
    tries += 1
    return Change({"counter": doc["counter"] + 1})
for n in range(int(changes)):
    repo.change("thing", decide, f"w{writer}-{n}")
print(tries - int(changes))
"""


def run_writers(servers, db, adapter, *flags) -> list[int]:
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, servers["mongo"], db.name, str(w), str(CHANGES_EACH)]
            + [adapter, *flags],
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(WRITERS)
    ]
    retried = [int(w.communicate(timeout=120)[0]) for w in writers]
    assert all(w.returncode == 0 for w in writers)
    return retried


def real_mongod(db) -> bool:
    return "ferretdbVersion" not in db.client.admin.command("buildInfo")


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_concurrent_processes_lose_no_change(servers, db, adapter):
    if adapter == "document" and not real_mongod(db):
        pytest.skip("find_one_and_update is read-then-write on FerretDB 1.x: needs a mongod")
    repo = ADAPTERS[adapter](db, "things")
    repo.create({"_id": "thing", "counter": 0}, [])
    retried = run_writers(servers, db, adapter)
    total = WRITERS * CHANGES_EACH
    assert repo.get("thing")["counter"] == total
    stored = db.things.find_one({"_id": "thing"})
    assert stored["version"] == total + 1
    assert sorted(stored["applied"]) == sorted(
        f"w{w}-{n}" for w in range(WRITERS) for n in range(CHANGES_EACH)
    )
    if adapter == "journal":
        assert [e["version"] for e in repo.entries("thing")] == list(range(1, total + 2))
    assert sum(retried) > 0, "the writers never raced: the test proved nothing"


def test_a_projection_left_behind_is_rolled_forward(db):
    repo = JournalRepository(db, "things")
    repo.create({"_id": "thing", "counter": 0}, [])
    repo.change("thing", lambda d: Change({"counter": 1}, {"log": ["one"]}))
    # as if the writer died between its claim and its projection write
    db.things.replace_one({"_id": "thing"}, {"_id": "thing", "counter": 0, "version": 1})
    assert repo.get("thing") == {"_id": "thing", "counter": 1, "log": ["one"]}
    assert db.things.find_one({"_id": "thing"})["counter"] == 1


def test_a_decision_on_a_projection_left_behind_is_taken_again_on_the_latest(db):
    writer = JournalRepository(db, "things")
    writer.create({"_id": "thing", "counter": 0}, [])
    writer.change("thing", lambda d: Change({"counter": 1}))
    behind = {"_id": "thing", "counter": 0, "version": 1}  # as if its writer died: projection v1
    db.things.replace_one({"_id": "thing"}, behind)
    seen = []

    def plus_one(doc):
        seen.append(doc["counter"])
        return Change({"counter": doc["counter"] + 1})

    # each repository below stands for another process: it remembers nothing of the writer's
    assert JournalRepository(db, "things").change("thing", plus_one).doc["counter"] == 2
    assert seen == [0, 1]  # the claim of v2 was taken
    # a decision to change nothing, taken on a projection behind, is checked on the latest
    db.things.replace_one({"_id": "thing"}, {"_id": "thing", "counter": 1, "version": 2})
    only_at_two = lambda doc: Change({"counter": 3}) if doc["counter"] == 2 else None  # noqa: E731
    assert JournalRepository(db, "things").change("thing", only_at_two).doc["counter"] == 3
    assert writer.get("thing")["counter"] == 3


def counted(servers, db) -> tuple[CommandCounts, object]:
    """The database through a client whose commands are counted."""
    counts = CommandCounts()
    client = MongoClient(servers["mongo"], tz_aware=True, event_listeners=[counts])
    return counts, client[db.name]


def test_a_change_with_views_costs_five_commands_and_four_after_one_of_its_own(servers, db):
    counts, counted_db = counted(servers, db)
    JournalRepository(counted_db, "things", VIEWS).create({"_id": "thing", "counter": 0}, [])
    repo = JournalRepository(counted_db, "things", VIEWS)  # another process's
    counts.counts.clear()
    repo.change("thing", lambda d: Change({"counter": 1}))
    # the projection read, the claim, the view's new key and its old one, the projection (its
    # write applied: no look for a next entry)
    assert counts.counts == {"find": 1, "insert": 1, "update": 2, "delete": 1}
    counts.counts.clear()
    repo.change("thing", lambda d: Change({"counter": 2}))
    # decided on what this process wrote: no read
    assert counts.counts == {"insert": 1, "update": 2, "delete": 1}


def test_a_decision_to_change_nothing_is_checked_on_the_latest_unless_it_is_keep(servers, db):
    counts, counted_db = counted(servers, db)
    JournalRepository(counted_db, "things", VIEWS).create({"_id": "thing", "counter": 0}, [])
    repo = JournalRepository(counted_db, "things", VIEWS)  # another process's
    counts.counts.clear()
    assert repo.change("thing", lambda d: None).doc["counter"] == 0
    assert counts.counts == {"find": 2}  # the projection, and the look for a later entry
    counts.counts.clear()
    assert repo.change("thing", lambda d: KEEP).doc["counter"] == 0
    assert counts.counts == {}  # believed on the version this process read
    assert repo.change("thing", lambda d: None).doc["counter"] == 0
    assert counts.counts == {"find": 1}  # the look for a later entry only


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_a_remembered_version_another_process_moved_on_from_is_decided_again(db, adapter):
    first, second = ADAPTERS[adapter](db, "things", VIEWS), ADAPTERS[adapter](db, "things", VIEWS)
    first.create({"_id": "thing", "counter": 0}, [])
    first.change("thing", add(1, "a"))
    second.change("thing", add(10, "b"))  # the first process still remembers version 2
    seen = []

    def plus_one(doc):
        seen.append(doc["counter"])
        return Change({"counter": doc["counter"] + 1})

    assert first.change("thing", plus_one).doc["counter"] == 12
    assert seen == [1, 11]  # decided on what it remembered, then again on the latest
    assert first.change("thing", lambda d: KEEP).doc["counter"] == 12
    assert second.change("thing", lambda d: None).doc["counter"] == 12  # found the later version
    keys = [v["_key"] for v in first.find_view("by_counter", {"$gte": "0", "$lt": "9"})]
    assert keys == ["00012|thing"]

    def only_at(n):  # as a domain refuses an action the state does not allow
        def decide(doc):
            if doc["counter"] != n:
                raise ValueError(f"not at {doc['counter']}")
            return Change({"counter": n + 1})

        return decide

    first.change("thing", add(1))  # 13; the second process remembers 12
    assert second.change("thing", only_at(13)).doc["counter"] == 14  # refused on 12, not on 13
    with pytest.raises(ValueError, match="not at 14"):  # refused on the latest too
        first.change("thing", only_at(13))  # it remembers 13: the claim conflicts, then 14
    if adapter == "journal":
        assert [e["version"] for e in first.entries("thing")] == [1, 2, 3, 4, 5, 6]


PUTTER = """
import json, sys
from pymongo import MongoClient
db = MongoClient(sys.argv[1])[sys.argv[2]]
won = []
for version in range(1, 201):
    update = {"q": {"_id": "thing", "version": {"$lt": version}}, "u": {"version": version}}
    answer = db.command("update", "things", updates=[{**update, "upsert": True}])
    assert all(e["code"] == 11000 for e in answer.get("writeErrors", [])), answer
    if not answer.get("writeErrors"):
        won.append(version)
print(json.dumps(won))
"""


def test_an_update_filtered_on_the_version_is_atomic(servers, db):
    """What the journal adapter's projection writes rely on: of processes racing to put the same
    versions, one wins each version, and an older version never replaces a newer one (on
    FerretDB, the local stack's atomic-update patch; unpatched, about a fifth of the versions
    were won twice). A refused statement is reported at its own index, and the statements
    after it still run."""
    db.things.insert_one({"_id": "thing", "version": 0})
    putters = [
        subprocess.Popen(
            [sys.executable, "-c", PUTTER, servers["mongo"], db.name],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    won = [v for p in putters for v in json.loads(p.communicate(timeout=120)[0])]
    assert sorted(won) == list(range(1, 201)), "a version was written twice, or never"
    assert db.things.find_one({"_id": "thing"})["version"] == 200
    answer = db.command(
        "update",
        "things",
        updates=[
            {"q": {"_id": "thing", "version": {"$lt": v}}, "u": {"version": v}, "upsert": True}
            for v in (50, 201, 201, 202)
        ],
        ordered=False,
    )
    assert [e["index"] for e in answer["writeErrors"]] == [0, 2]
    assert db.things.find_one({"_id": "thing"})["version"] == 202


def test_updates_of_many_statements_beside_other_writers_finish(servers, db):
    """Group commit sends many statements in one update command (put_many). FerretDB kept every
    statement's read open until the command ended, and such a command hung the database as soon
    as another client wrote to it (it did at once here, before the local stack's patch)."""
    client = MongoClient(servers["mongo"], tz_aware=True, socketTimeoutMS=15_000)
    rows, other = client[db.name].rows, client[db.name].other
    until = time.monotonic() + 3
    done = {"many": 0, "other": 0}

    def many() -> None:
        while time.monotonic() < until:
            put_many(rows, [{"_id": f"k{i:03d}", "n": done["many"]} for i in range(60)])
            done["many"] += 1

    def others(k: int) -> None:
        while time.monotonic() < until:
            other.replace_one({"_id": f"o{k}"}, {"n": done["other"]}, upsert=True)
            rows.insert_one({"_id": f"new{k}-{done['other']}"})
            done["other"] += 1

    threads = [threading.Thread(target=many) for _ in range(2)]
    threads += [threading.Thread(target=others, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert done["many"] > 2 and done["other"] > 20, done
    assert rows.count_documents({"_id": {"$lt": "l"}}) == 60
    client.close()


def test_concurrent_changes_in_one_process_share_their_commands(servers, db):
    """Group commit: the reads and writes by `_id` of workers that change different aggregates
    at once go to the server together (services/common/coalesce.py), and each gets its own."""
    counts = CommandCounts()
    client = MongoClient(servers["mongo"], tz_aware=True, event_listeners=[counts])
    repo = JournalRepository(client[db.name], "things", VIEWS)
    workers, changes = 16, 5
    for w in range(workers):
        repo.create({"_id": f"thing{w:02d}", "counter": 0}, [])
    counts.counts.clear()

    def work(w: int) -> None:
        for _ in range(changes):
            repo.change(f"thing{w:02d}", add(1, f"t{w}"))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    things = [f"thing{w:02d}" for w in range(workers)]
    assert [repo.get(thing)["counter"] for thing in things] == [changes] * workers
    assert view_keys(db, "by_counter") == [f"00005|{t}" for t in things]
    tags = sorted(f"t{w}|{thing}" for w, thing in enumerate(things))
    assert view_keys(db, "by_tag") == tags
    alone = 6 * workers * changes + workers  # six a change run alone (above), and each tag's put
    assert sum(counts.counts.values()) < 0.8 * alone, counts.counts
    client.close()


def test_concurrent_writers_leave_the_views_of_the_last_version(servers, db):
    views = Views(("by_counter",), lambda d: {"by_counter": {f"{d['counter']:05d}|thing": {}}})
    repo = JournalRepository(db, "things", views)
    repo.create({"_id": "thing", "counter": 0}, [])
    assert view_keys(db, "by_counter") == ["00000|thing"]
    retried = run_writers(servers, db, "journal", "views")
    total = WRITERS * CHANGES_EACH
    assert repo.get("thing")["counter"] == total
    assert view_keys(db, "by_counter") == [f"{total:05d}|thing"]
    assert sum(retried) > 0, "the writers never raced: the test proved nothing"


def test_sequences_number_in_order_across_processes_without_a_scan(db):
    counters = db.counters
    first, second = Sequences(counters), Sequences(counters)
    assert [first.next("X1-260302") for _ in range(5)] == [1, 2, 3, 4, 5]
    assert second.next("X1-260302") == 6  # read from the _id range, not remembered
    assert first.next("X1-260302") == 7  # its remembered 5 was taken further by the other
    assert second.next("X2-260302") == 1
    assert counters.count_documents({"key": "X1-260302"}) == 7


def test_concurrent_callers_take_each_number_once(db):
    """The claims of concurrent callers go together (group commit); none is taken twice."""
    counters = db.counters
    sequences = [Sequences(counters), Sequences(counters)]  # two processes' worth
    taken: list[int] = []

    def take(k: int) -> None:
        for _ in range(10):
            taken.append(sequences[k % 2].next("X1-260302"))

    threads = [threading.Thread(target=take, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(taken) == list(range(1, 81))
    assert counters.count_documents({"key": "X1-260302"}) == 80


class _Lost(Exception):
    pass


def _die_once(repo):
    """The next projection write fails, as when the database restarts after the claim."""
    real = repo._project

    def project(doc, previous):
        repo._project = real
        raise _Lost("database gone")

    repo._project = project


def test_a_create_retried_after_the_database_went_away_mid_write_is_projected(db):
    repo = JournalRepository(db, "things")
    _die_once(repo)
    with pytest.raises(_Lost):
        repo.create({"_id": "thing", "counter": 0}, [], "m-1")
    assert db.things.find_one({"_id": "thing"}) is None  # claimed, not projected
    assert repo.create({"_id": "thing", "counter": 0}, [], "m-1") is None  # the retry
    assert db.things.find_one({"_id": "thing"})["version"] == 1  # queries see it now


def test_the_sweeper_projects_what_a_dead_writer_claimed(db):
    repo = JournalRepository(db, "things")
    repo.create({"_id": "thing", "counter": 0}, [])
    _die_once(repo)
    with pytest.raises(_Lost):
        repo.change("thing", lambda d: Change({"counter": 1}, {}, lambda seq: [message(1)]), "m-2")
    assert db.things.find_one({"_id": "thing"})["counter"] == 0
    assert repo.sweep(Publisher(), settle=timedelta(0)) == 1
    assert db.things.find_one({"_id": "thing"})["counter"] == 1


def test_a_claim_and_its_outbox_entry_are_one_insert_and_an_older_outbox_is_moved(servers, db):
    repo, commands = JournalRepository(db, "things"), CommandCounts()
    client = MongoClient(servers["mongo"], tz_aware=True, event_listeners=[commands])
    counted = JournalRepository(client[db.name], "things")
    counted.create({"_id": "thing", "counter": 0}, [message(1)])
    assert commands.counts["insert"] == 1  # the outbox entry and the claim, one command
    # an entry an older version left in `things_outbox`, its writer gone
    legacy = {"_id": "thing:00000001:old", "journal_id": "thing:00000001", "aggregate": "thing",
              "entries": [message(2)], "created_at": datetime.now(UTC)}  # fmt: skip
    db.things_outbox.insert_one(legacy)
    claim = {"_id": "thing:00000001"}
    db.things_journal.update_one(claim, {"$set": {"outbox_id": "thing:00000001:old"}})
    repo.create_indexes()
    assert db.things_journal.find_one(claim)["outbox_id"] == "~outbox|thing:00000001:old"
    assert "things_outbox" not in db.list_collection_names()
    sent = Publisher()
    assert repo.sweep(sent, settle=timedelta(0)) == 1 and sent.sent == [message(2)]


def test_a_bulk_load_is_what_creates_would_have_made(repo):
    assert repo.import_many([{"_id": "a", "counter": 2}, {"_id": "b", "counter": 1}]) == 2
    assert repo.import_many([{"_id": "a", "counter": 9}, {"_id": "c", "counter": 3}]) == 1
    assert repo.get("a") == {"_id": "a", "counter": 2}  # what exists is left as it is
    keys = [v["_key"] for v in repo.find_view("by_counter", {"$gte": "0", "$lt": "9"})]
    assert keys == ["00001|b", "00002|a", "00003|c"]
    assert repo.change("c", add(1)).doc["counter"] == 4  # a loaded aggregate changes as any


def test_views_are_rebuilt_from_the_aggregates(repo, db):
    for name, counter in (("a", 2), ("b", 1)):
        repo.create({"_id": name, "counter": counter, "tags": ["red"]}, [])
    # views as an older release wrote them: one stale, one missing
    if isinstance(repo, JournalRepository):
        db.things_views.insert_one({"_id": "by_counter|00009|a"})
        db.things_views.delete_many({"_id": prefix_range("by_tag")})
    else:
        db.things.update_many({}, {"$set": {"_views": {}}})
    assert list(repo.rebuild_views(batch=1)) == [1, 2]
    keys = [v["_key"] for v in repo.find_view("by_counter", {"$gte": "0", "$lt": "9"})]
    assert keys == ["00001|b", "00002|a"]
    assert sorted(v["_id"] for v in repo.find_view("by_tag", {"$gte": "red|", "$lt": "red}"})) == [
        "a",
        "b",
    ]


def test_views_kept_in_collections_of_their_own_move_into_one(db):
    """An older version kept each view in a collection named after it: they move in at start."""
    repo = JournalRepository(db, "things", VIEWS)
    db.by_counter.insert_many([{"_id": "00001|a", "n": 1}, {"_id": "00002|b", "n": 2}])
    db.by_tag.insert_one({"_id": "red|a"})
    repo.create_indexes()
    assert {"by_counter", "by_tag"}.isdisjoint(db.list_collection_names())
    found = repo.find_view("by_counter", {"$gte": "0"})
    assert [(v["_key"], v["_id"], v["n"]) for v in found] == [
        ("00001|a", "a", 1),
        ("00002|b", "b", 2),
    ]
    assert [v["_id"] for v in repo.find_view("by_tag", prefix_range("red"))] == ["a"]


def test_reindex_rebuilds_every_repository_of_every_service(servers):
    from services.ops.reindex import reindex

    client = MongoClient(servers["mongo"], tz_aware=True)
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    try:
        done = reindex(client, prefix, "journal", out=io.StringIO())
        assert done == {
            f"{prefix}intake.receipts": 0,
            f"{prefix}routing.dossiers": 0,
            f"{prefix}notification.messages": 0,
            f"{prefix}notification.verifications": 0,
            f"{prefix}postal.shipments": 0,
            f"{prefix}payment.payments": 0,
            f"{prefix}portal_sync.syncs": 0,
            f"{prefix}documents.records": 0,
            f"{prefix}feedback.evaluations": 0,
            f"{prefix}feedback.feedback": 0,
        }
    finally:
        for name in client.list_database_names():
            if name.startswith(prefix):
                client.drop_database(name)


def test_a_settled_aggregate_keeps_its_document_and_loses_its_journal(db):
    repo = JournalRepository(db, "things", VIEWS)
    for name in ("old", "busy"):
        repo.create({"_id": name, "counter": 0, "done": False}, [], f"create-{name}")
        for _ in range(3):
            repo.change(name, add(1))
    repo.change("old", lambda d: Change({"done": True}))
    now = datetime.now(UTC)

    def settled(doc):
        return now if doc["done"] else None

    assert [n for _, n in repo.compact(settled, now)] == [0]  # settled at `now`: not before it
    assert sum(n for _, n in repo.compact(settled, now + timedelta(days=1))) == 4
    assert [e["version"] for e in repo.entries("old")] == [1]  # the stub holding version 1
    assert len(repo.entries("busy")) == 4  # not settled: untouched
    assert repo.get("old") == {"_id": "old", "counter": 3, "done": True}
    assert repo.create({"_id": "old", "counter": 9, "done": False}, [], "create-old") is None
    assert repo.change("old", add(10)).doc["counter"] == 13  # a later change still claims
    assert repo.get("old")["counter"] == 13
    assert sum(n for _, n in repo.compact(settled, now + timedelta(days=1))) == 0
