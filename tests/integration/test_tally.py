"""Counters kept as aggregates change (services/common/tally.py), on the real database server and
RabbitMQ: every committed change carries the difference it makes to the rows; folded, the rows
are the sum of every aggregate's contributions; a claim counts once however often it comes; a
folder cut off half way is finished by the next; two folders never both win a fold; the folder
takes its messages from the real queue and a batch it did not ack comes again without counting
twice."""

import uuid
from datetime import timedelta

import pytest
from kombu import Connection
from pymongo import MongoClient, monitoring

from services.common import tally as tally_module
from services.common.messaging import BatchQueue, EntryPublisher, counts_queue
from services.common.repository import ADAPTERS, Change
from services.common.tally import Conflict, Counts, Tally, compare, fold_from, fold_id, total

pytestmark = pytest.mark.integration


def contributions(doc: dict) -> dict:
    rows = {f"{doc['office']}|state": {doc["state"]: 1}}
    if doc["state"] == "done":
        rows[f"{doc['office']}|done"] = {"n": doc["size"]}
    return rows


class Captured:
    """Confirms every entry and keeps the count messages (the queue's part is tested below)."""

    def __init__(self):
        self.counts = []

    def publish(self, entries):
        self.counts += [
            (e["body"]["claim"], e["body"]["rows"]) for e in entries if not e["exchange"]
        ]
        return [e["id"] for e in entries]


@pytest.fixture
def db(servers):
    name = f"t{uuid.uuid4().hex[:8]}_tally"
    client = MongoClient(servers["mongo"], tz_aware=True)
    yield client[name]
    client.drop_database(name)


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_folded_changes_are_the_sum_of_the_aggregates(db, adapter):
    counts = Counts(f"c{uuid.uuid4().hex[:6]}", contributions)
    repo = ADAPTERS[adapter](db, "things", None, counts)
    publisher = Captured()
    for n in range(6):
        repo.create(
            {"_id": f"a{n}", "office": f"X{n % 2}", "state": "new", "size": n},
            [],
            publisher=publisher,
        )
    for n in range(0, 6, 2):
        repo.change(f"a{n}", lambda d: Change({"state": "done"}), publisher=publisher)
    repo.change("a1", lambda d: Change({"office": "X9"}), publisher=publisher)
    repo.change("a1", lambda d: Change({"size": 7}), publisher=publisher)  # counts nothing
    assert len(publisher.counts) == 6 + 3 + 1  # one per change that moved a row
    tally = Tally(db, counts.name)
    assert tally.fold(publisher.counts) == 10
    expected = total(repo.get_many([f"a{n}" for n in range(6)]).values(), contributions)
    assert tally.all() == expected
    assert expected["X0|state"] == {"done": 3} and expected["X0|done"] == {"n": 0 + 2 + 4}
    assert "X1|done" not in tally.all()  # no row for what counts nothing
    assert compare(tally.all(), expected) == {}


def test_a_claim_counts_once(db):
    tally = Tally(db, "counts")
    assert tally.fold([("a:1", {"k": {"n": 1}}), ("a:1", {"k": {"n": 1}})]) == 1
    assert tally.fold([("a:1", {"k": {"n": 1}}), ("b:1", {"k": {"n": 2}})]) == 1
    again = Tally(db, "counts")  # a folder started later remembers the claims folded
    assert again.fold([("b:1", {"k": {"n": 2}})]) == 0
    assert again.read({"$in": ["k"]}) == {"k": {"n": 3}}


def test_a_row_back_to_zero_is_deleted(db):
    tally = Tally(db, "counts")
    tally.fold([("a:1", {"k": {"n": 1, "m": 2}})])
    tally.fold([("a:2", {"k": {"n": -1}})])
    assert tally.all() == {"k": {"m": 2}}
    tally.fold([("a:3", {"k": {"m": -2}})])
    assert tally.all() == {} and db.counts.count_documents({}) == 0


def test_a_fold_cut_off_half_way_is_finished_by_the_next_folder(db):
    def killed(values, stored=None):
        raise ConnectionError("killed after its claim")

    Tally(db, "counts").fold([("a:1", {"k": {"n": 1}})])
    dying = Tally(db, "counts")
    dying.recover()
    dying._write = killed
    with pytest.raises(ConnectionError):
        dying.fold([("a:2", {"k": {"n": 5}, "j": {"n": 1}})])
    assert Tally(db, "counts").read({"$in": ["k", "j"]}) == {"k": {"n": 1}}  # half done
    successor = Tally(db, "counts")
    successor.recover()
    assert successor.all() == {"k": {"n": 6}, "j": {"n": 1}}
    assert successor.fold([("a:2", {"k": {"n": 5}, "j": {"n": 1}})]) == 0  # delivered again


def test_two_folders_never_both_win_a_fold(db):
    first, second = Tally(db, "counts"), Tally(db, "counts")
    first.recover(), second.recover()
    first.fold([("a:1", {"k": {"n": 1}})])
    with pytest.raises(Conflict):
        second.fold([("b:1", {"k": {"n": 10}})])
    assert second.fold([("b:1", {"k": {"n": 10}})]) == 1  # it took the state again
    assert Tally(db, "counts").all() == {"k": {"n": 11}}


def test_repair_makes_the_rows_the_expected_ones(db):
    tally = Tally(db, "counts")
    tally.fold([("a:1", {"k": {"n": 4}, "gone": {"n": 1}})])
    tally.replace({"k": {"n": 3}, "new": {"m": 1}})
    assert tally.all() == {"k": {"n": 3}, "new": {"m": 1}}


def test_the_folder_takes_from_the_real_queue_and_a_batch_not_acked_comes_again(servers, db):
    name = f"t{uuid.uuid4().hex[:8]}"
    queue = counts_queue(name)
    taker = BatchQueue(queue, prefetch=50)
    taker.uri, taker.connection, taker.held = servers["amqp"], None, []
    try:
        taker.take(1, 0.1)  # declares the queue and starts consuming
        entries = [
            {
                "id": f"a:{n}",
                "exchange": "",
                "routing_key": queue.name,
                "body": {"claim": f"a:{n}", "rows": {"k": {"n": n}}},
            }
            for n in range(1, 31)
        ]
        assert len(EntryPublisher(servers["amqp"]).publish(entries)) == 30
        taken = taker.take(20, 2.0)
        assert len(taken) == 20
        tally = Tally(db, name)
        tally.fold([(m.payload["claim"], m.payload["rows"]) for m in taken])
        taker._close()  # died before its ack: the broker gives all 30 again
        counted = 0
        for _ in range(20):
            counted += fold_from(taker, tally, limit=100, wait=0.3)
            if tally.all().get("k", {}).get("n") == sum(range(1, 31)):
                break
        assert tally.all() == {"k": {"n": sum(range(1, 31))}}
        assert counted == 10  # only the ten not folded before
        assert fold_from(taker, tally, wait=0.3) == 0  # acked: nothing comes again
    finally:
        taker._close()
        with Connection(servers["amqp"]) as conn:
            conn.default_channel.queue_delete(queue.name)


def test_a_batch_whose_fold_failed_comes_again_and_is_not_acked_by_the_next(servers, db):
    """A fold that fails (the database restarting) gives its batch back: the next batch's ack,
    which covers every delivery before it, must not take the failed one with it."""
    name = f"t{uuid.uuid4().hex[:8]}"
    queue = counts_queue(name)
    taker = BatchQueue(queue, prefetch=50)
    taker.uri, taker.connection, taker.held = servers["amqp"], None, []
    tally = Tally(db, name)
    try:
        taker.take(1, 0.1)  # declares the queue and starts consuming
        publisher = EntryPublisher(servers["amqp"])

        def send(first: int, last: int) -> None:
            entries = [
                {"id": f"b:{n}", "exchange": "", "routing_key": queue.name,
                 "body": {"claim": f"b:{n}", "rows": {"k": {"n": n}}}}
                for n in range(first, last + 1)
            ]  # fmt: skip
            assert len(publisher.publish(entries)) == len(entries)

        send(1, 5)
        broken = Tally(db, name)
        broken.recover()
        broken.fold = lambda items, now=None: (_ for _ in ()).throw(OSError("database gone"))
        with pytest.raises(OSError):
            fold_from(taker, broken, limit=5, wait=2.0)
        send(6, 8)
        for _ in range(20):
            fold_from(taker, tally, limit=100, wait=0.3)
            if tally.all().get("k", {}).get("n") == sum(range(1, 9)):
                break
        assert tally.all() == {"k": {"n": sum(range(1, 9))}}  # the failed five counted too
    finally:
        taker._close()
        with Connection(servers["amqp"]) as conn:
            conn.default_channel.queue_delete(queue.name)


def test_a_bulk_load_is_counted_once_folded(db):
    counts = Counts("load_counts", contributions)
    repo = ADAPTERS["journal"](db, "things", None, counts)
    docs = [{"_id": f"a{n}", "office": f"X{n % 3}", "state": "done", "size": n} for n in range(9)]
    counted: dict = {}
    assert repo.import_many(docs, counted) == 9
    again: dict = {}
    assert repo.import_many(docs, again) == 0 and again == {}  # nothing new, nothing counted
    tally = Tally(db, counts.name)
    assert tally.fold_rows(counted, "load-1", chunk=2) == 3  # six rows, two a fold
    assert tally.all() == total(docs, contributions)


def test_old_fold_values_go_a_few_rows_at_a_time_and_the_last_fold_keeps_its_own(
    servers, db, monkeypatch
):
    monkeypatch.setattr(tally_module, "FORGET_ROWS", 25)
    deleted = DeletesSeen()
    client = MongoClient(servers["mongo"], tz_aware=True, event_listeners=[deleted])
    tally = Tally(client[db.name], "load_counts")
    rows = {f"X{i:03d}|state": {"done": 1} for i in range(300)}
    tally.fold_rows(rows, "load", chunk=20)  # folds 1-15, twenty rows each
    tally.fold_rows({f"X{i:03d}|state": {"done": 1} for i in range(5)}, "small", chunk=1)
    for n in range(21, 101):  # one row a fold, up to the clean-up at fold 100
        tally.fold([(f"things:a{n}:1", {"X000|state": {"done": 1}})])
    assert tally.head == 100
    # only the last fold's values are left: what `recover` writes again
    assert [v["_id"][:12] for v in db.load_counts_fold_values.find({})] == [fold_id(100)]
    # the fifteen big folds one a delete (the last with the five small ones after it), the
    # other small ones 25 at a time
    assert deleted.values == 15 + 4
    folded = tally.all()
    client.close()
    # a folder that starts after the clean-up finds the same rows, and still knows the claims
    again = Tally(db, "load_counts")
    assert again.recover() == 100 and again.all() == folded
    assert again.fold([("things:a50:1", {"X000|state": {"done": 1}})]) == 0
    assert again.all()["X000|state"] == {"done": 1 + 1 + 80}


class DeletesSeen(monitoring.CommandListener):
    """Counts the deletes of fold values a client sends."""

    def __init__(self):
        self.values = 0

    def started(self, event):
        if event.command_name == "delete" and event.command["delete"].endswith("_fold_values"):
            self.values += 1

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_a_repair_takes_the_count_messages_out_of_the_outbox(db, adapter):
    class Down:
        def publish(self, entries):
            return []

    counts = Counts(f"c{uuid.uuid4().hex[:6]}", contributions)
    repo = ADAPTERS[adapter](db, "things", None, counts)
    event = {"id": "e1", "exchange": "x.events", "routing_key": "k", "body": {}}
    repo.create({"_id": "a", "office": "X1", "state": "new", "size": 1}, [event], publisher=Down())
    assert repo.forget_counts() == 1
    sent = Captured()
    assert repo.sweep(sent, settle=timedelta(0)) == 1  # the event alone is still published
    assert sent.counts == []
