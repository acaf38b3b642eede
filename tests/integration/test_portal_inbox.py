"""The portal sync's inbox on the database server (services/portal_sync/store.py): events are
kept in the order they arrived, a repeated insert adds nothing, and events whose receipt never
came are parked where `make portal-status` lists them, not lost; and the service, which holds
events on their queues, writes one there when its receipt is late."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from nameko.standalone.events import event_dispatcher
from pymongo import MongoClient

from contracts.envelope import make_envelope
from contracts.events import INTAKE_EVENTS, ROUTING_EVENTS
from services.common.repository import JournalRepository
from services.portal_sync import inbox, indexes
from services.portal_sync.service import PortalSyncService
from services.portal_sync.store import INBOX, SyncRecords
from tests.unit.portal_sync.test_record import workflow
from tests.unit.routing.dossiers import received_payload

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


def test_an_event_before_its_receipt_waits_in_the_collection_and_is_folded_with_it(
    runner_factory, service_config
):
    """The service on the real broker: an event whose dossier has no sync yet is written to the
    inbox collection and acknowledged (not held while its receipt is late); once the receipt
    comes, both are folded into the sync and the entry goes."""
    config = {**service_config, "PORTAL_URL": "http://127.0.0.1:9", "PORTAL_API_KEY": "k"}
    runner = runner_factory(config, PortalSyncService)
    runner.start()
    client = MongoClient(config["MONGO_URI"], tz_aware=True)
    db = client[config["MONGO_DATABASE_PREFIX"] + "portal_sync"]
    now = datetime.now(UTC)
    receipt = received_payload("XD-01", "X28720", now, number=uuid.uuid4().int % 9000 + 1)
    code = receipt["code"]
    dispatch = event_dispatcher(config)
    try:
        payload = ROUTING_EVENTS["dossier_forwarded"].dump(
            workflow("awaiting_acceptance", "H824", 4)
        )
        forwarded = make_envelope("dossier_forwarded", code, 2, payload, now)
        dispatch("routing", "dossier_forwarded", forwarded)
        stored = eventually(lambda: list(db[INBOX].find({"code": code})))
        assert [e["body"]["message_id"] for e in stored] == [forwarded["message_id"]]

        payload = INTAKE_EVENTS["dossier_received"].dump(receipt)
        received = make_envelope("dossier_received", code, 1, payload, now)
        dispatch("intake", "dossier_received", received)
        assert eventually(lambda: db.syncs.find_one({"_id": code}))  # made by the receipt
        folded = lambda: forwarded["message_id"] in db.syncs.find_one({"_id": code})["events"]  # noqa: E731
        assert eventually(folded)
        assert eventually(lambda: db[INBOX].count_documents({"code": code}) == 0)
    finally:
        runner.kill()
        client.drop_database(db.name)
        client.close()


def eventually(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")
