"""The notification store on the real MongoDB-wire server: a message's history reads in the order
its changes were applied, even when a delivery report and the gateway's answer race; a message
due at its create is created claimed, one held is claimed when due."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import MongoClient

from services.common.repository import JournalRepository
from services.common.tally import Tally
from services.notification import failover, indexes
from services.notification.store import NotificationRecords

pytestmark = pytest.mark.integration


@pytest.fixture
def records(servers):
    name = f"t{uuid.uuid4().hex[:8]}_notification"
    client = MongoClient(servers["mongo"], tz_aware=True)
    db = client[name]
    repository = JournalRepository(db, "messages", indexes.VIEWS, indexes.COUNTS)
    verifications = JournalRepository(db, "verifications", None, None)
    yield NotificationRecords(db, repository, verifications, None, Tally(db, indexes.COUNTS.name))
    client.drop_database(name)


def test_a_change_dated_before_the_last_is_recorded_after_it(records):
    start = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    message_id = f"{uuid.uuid4()}:test"
    records.add_message(
        {
            "_id": message_id,
            "dossier_code": "X28720-261203-0001",
            "status": "sending",
            "created_at": start,
            "next_attempt_at": start,
            "history": [{"at": start, "status": "sending", "detail": ""}],
        },
        start,
    )
    report_at = start + timedelta(seconds=2)
    assert records.update(message_id, report_at, "sent", "dlr 8")
    # the gateway's answer, timed when sending began, applied after the report
    answer_at = start + timedelta(seconds=1)
    sent = {"gateway_refs": ["ref-1"]}
    assert records.update(message_id, answer_at, "sent", "answer", **sent)
    # a delivered report is final: a late "sent" is refused and leaves no entry
    assert records.update(message_id, start + timedelta(seconds=3), "delivered", "dlr 1")
    assert not records.update(message_id, answer_at, "sent", "late", **sent)
    # the same report again: nothing new to record, nothing written
    assert records.update(message_id, start + timedelta(seconds=4), "delivered", "dlr 1 again")

    message = records.get(message_id)
    history = message["history"]
    assert [h["detail"] for h in history] == ["", "dlr 8", "answer", "dlr 1"]
    assert message["gateway_refs"] == ["ref-1"] and "version" not in message
    assert records.messages.collection.find_one({"_id": message_id})["version"] == 4
    times = [h["at"] for h in history]
    assert times == sorted(times)
    assert history[2]["at"] == report_at


def test_a_final_status_is_never_left(records):
    """The status machine (services/notification/domain.py STATUS_FROM): once delivered, a late
    "sent" answer or a failure changes nothing and records nothing."""
    start = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    message_id = f"{uuid.uuid4()}:test"
    made = records.add_message(
        {
            "_id": message_id,
            "status": "sending",
            "created_at": start,
            "next_attempt_at": start,
            "history": [{"at": start, "status": "sending", "detail": ""}],
        },
        start,
    )
    assert made.doc["status"] == "sending"
    assert records.update(message_id, start, "delivered", "dlr 1")
    assert not records.update(message_id, start, "sent", "answer", gateway_refs=["ref-1"])
    assert not records.update(message_id, start, "failed", "operator")
    message = records.get(message_id)
    assert [h["detail"] for h in message["history"]] == ["", "dlr 1"]
    assert message["status"] == "delivered"


def test_a_message_due_is_created_claimed_and_one_held_is_claimed_when_due(records):
    """A queued message due at its create is stored "sending" (its create is its claim: no
    other process can take it); one held (quiet hours) stays queued until `claim` takes it."""
    start = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    later = start + timedelta(hours=5)

    def queued(message_id, due):
        history = [{"at": start, "status": "queued", "detail": ""}]
        return {"_id": message_id, "status": "queued", "next_attempt_at": due, "history": history}

    now_id, held_id = f"{uuid.uuid4()}:now", f"{uuid.uuid4()}:held"
    made = records.add_message(queued(now_id, start), start)
    assert made.doc["status"] == "sending" and made.doc["claimed_at"] == start
    assert [h["status"] for h in made.doc["history"]] == ["queued", "sending"]
    assert records.claim(now_id, start) is None  # taken already
    assert records.stuck_sending(start + timedelta(seconds=1)) == [now_id]
    assert records.add_message(queued(now_id, start), start) is None  # at most one each

    assert records.add_message(queued(held_id, later), start).doc["status"] == "queued"
    assert records.due(start) == [] and records.due(later) == [held_id]
    claimed = records.claim(held_id, later)
    assert claimed is not None and claimed.doc["status"] == "sending"
    assert records.due(later) == []


def test_failover_samples_reports_and_one_switch_per_version(records):
    """The failover's records on the real server: a provider's recent sends are one `_id` range
    with their messages' first reports (a report may come before its send is recorded); a
    switch's version is claimed once, whoever else decides it."""
    settings = failover.Settings(("provider-a", "provider-b"))
    t0 = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    first, second = failover.Unsaved(), failover.Unsaved()
    first.report("m1", t0 + timedelta(seconds=1), failed=False)  # written before its send
    records.save_samples(*first.take())
    second.send("provider-a", "m1", t0, "accepted")
    second.send("provider-a", "m2", t0 + timedelta(seconds=2), "held")
    second.send("provider-b", "m3", t0 + timedelta(seconds=3), "accepted")
    second.report("m3", t0 + timedelta(seconds=4), failed=False)
    sends, reports = second.take()
    records.save_samples(sends, reports)
    records.save_samples(sends, reports)  # written twice (a write that timed out): kept once
    second.report("m3", t0 + timedelta(seconds=9), failed=True)  # a later failure, held apart
    second.report("m1", t0 + timedelta(seconds=9), failed=False)  # a later "delivered"
    records.save_samples(*second.take())
    a = records.samples("provider-a", t0)
    assert [(s.outcome, s.reported_at, s.failed) for s in a] == [
        ("accepted", t0 + timedelta(seconds=1), False),
        ("held", None, False),
    ]
    assert records.samples("provider-a", t0 + timedelta(seconds=1))[0].outcome == "held"
    (b,) = records.samples("provider-b", t0)
    assert (b.reported_at, b.failed) == (t0 + timedelta(seconds=4), True)

    assert records.route(settings) == failover.initial(settings)
    switch = failover.Route(1, "provider-b", t0, "provider-a unhealthy")
    assert records.switch(switch) is True
    assert records.switch(failover.Route(1, "provider-b", t0, "another process")) is False
    assert records.route(settings) == switch

    assert records.forget_samples(settings.providers, t0 + timedelta(seconds=2)) == 1
    assert [s.outcome for s in records.samples("provider-a", t0)] == ["held"]
