"""The portal sync's inbox on the database server (services/portal_sync/store.py): events are
kept in the order they arrived, a repeated insert adds nothing, and events whose receipt never
came are parked where `make portal-status` lists them, not lost."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import MongoClient

from services.common.repository import JournalRepository
from services.portal_sync import inbox, indexes
from services.portal_sync.store import SyncRecords

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def event(code: str, seconds: float, n: int) -> dict:
    body = {"dossier_code": code, "message_id": f"m{n}", "type": "dossier_arrived"}
    return inbox.entry(T0 + timedelta(seconds=seconds), "routing", body)


def test_the_inbox_keeps_parks_and_drops_events(servers):
    client = MongoClient(servers["mongo"], tz_aware=True)
    db = client[f"t{uuid.uuid4().hex[:8]}_portal_sync"]
    try:
        store = SyncRecords(db, JournalRepository(db, "syncs", indexes.VIEWS))
        entries = [event("B", 1, 2), event("A", 0, 1), event("A", 3, 3)]
        store.put(entries)
        store.put(entries[:1])  # delivered again: nothing more
        waiting = store.waiting(10)
        assert [e["body"]["message_id"] for e in waiting] == ["m1", "m2", "m3"]
        ready = inbox.ready(waiting, T0 + timedelta(seconds=4))
        assert list(ready) == ["B"]
        store.park(ready["B"])
        store.drop(inbox.ready(waiting, T0 + timedelta(seconds=6))["A"])
        assert store.waiting(10) == []
        assert [(o["code"], o["body"]["message_id"]) for o in store.orphans()] == [("B", "m2")]
    finally:
        client.drop_database(db.name)
