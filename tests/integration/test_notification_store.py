"""The notification store on the real MongoDB-wire server: a message's history reads in the order
its changes were applied, even when a delivery report and the gateway's answer race."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import MongoClient

from services.notification.store import NotificationRecords

pytestmark = pytest.mark.integration


@pytest.fixture
def records(servers):
    name = f"t{uuid.uuid4().hex[:8]}_notification"
    client = MongoClient(servers["mongo"], tz_aware=True)
    yield NotificationRecords(client[name])
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
        }
    )
    report_at = start + timedelta(seconds=2)
    assert records.update(message_id, report_at, "sent", "dlr 8", only_from=("sending",))
    # the gateway's answer, timed when sending began, applied after the report
    answer_at = start + timedelta(seconds=1)
    sent = {"only_from": ("sending", "sent"), "gateway_refs": ["ref-1"]}
    assert records.update(message_id, answer_at, "sent", "answer", **sent)
    # a delivered report is final: a late "sent" is refused and leaves no entry
    assert records.update(message_id, start + timedelta(seconds=3), "delivered", "dlr 1")
    assert not records.update(message_id, answer_at, "sent", "late", **sent)
    # the same report again: nothing new to record, nothing written
    assert records.update(message_id, start + timedelta(seconds=4), "delivered", "dlr 1 again")

    message = records.get(message_id)
    history = message["history"]
    assert [h["detail"] for h in history] == ["", "dlr 8", "answer", "dlr 1"]
    assert message["version"] == 4 and message["gateway_refs"] == ["ref-1"]
    times = [h["at"] for h in history]
    assert times == sorted(times)
    assert history[2]["at"] == report_at


def test_a_change_tried_on_an_outdated_copy_is_applied_to_the_stored_one(records):
    """A worker passes the message as it last wrote it; a delivery report got in between: the
    change conflicts, is tried again on the stored message, and the report stays final."""
    start = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    message_id = f"{uuid.uuid4()}:test"
    claimed = records.add_message(
        {
            "_id": message_id,
            "status": "sending",
            "created_at": start,
            "next_attempt_at": start,
            "history": [{"at": start, "status": "sending", "detail": ""}],
        }
    )
    assert claimed["version"] == 1
    assert records.update(message_id, start, "delivered", "dlr 1")
    sent = {"only_from": ("sending", "sent"), "gateway_refs": ["ref-1"]}
    assert not records.update(message_id, start, "sent", "answer", current=claimed, **sent)
    assert records.update(message_id, start, "failed", "operator", current=claimed)
    message = records.get(message_id)
    assert [h["detail"] for h in message["history"]] == ["", "dlr 1", "operator"]
    assert message["status"] == "failed" and message["version"] == 3
