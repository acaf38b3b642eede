"""The portal sync's database: one sync per dossier (its record, its version, what the portal
has), an aggregate whose `events` are the events that changed it; and the inbox of events not
folded into their record yet (inbox.py), a plain collection written by unique-key inserts."""

from datetime import datetime

from services.common.keys import prefix_range, sort_key, until
from services.common.store import Database, MongoStore
from services.common.writes import insert_new
from services.portal_sync import inbox, indexes

INBOX = "inbox"


class SyncRecords(Database):
    def __init__(self, db, syncs):
        super().__init__(db)
        self.syncs = syncs
        self.inbox = db[INBOX]

    def put(self, entries: list[dict]) -> None:
        """Keep events until they are folded (a repeated insert of an entry changes nothing)."""
        insert_new(self.inbox, entries)

    def waiting(self, limit: int) -> list[dict]:
        """The inbox's waiting entries, the oldest first."""
        return list(self.inbox.find({"_id": prefix_range(inbox.WAITING)}, limit=limit))

    def drop(self, entries: list[dict]) -> None:
        """Entries whose events are handed on."""
        if entries:
            self.inbox.delete_many({"_id": {"$in": [e["_id"] for e in entries]}})

    def park(self, entries: list[dict]) -> None:
        """Entries nobody can fold (their dossier's receipt never came), kept for an operator."""
        insert_new(self.inbox, [inbox.parked(e) for e in entries])
        self.drop(entries)

    def orphans(self, limit: int = 1000) -> list[dict]:
        return list(self.inbox.find({"_id": prefix_range(inbox.PARKED)}, limit=limit))

    def due(self, now: datetime, limit: int) -> list[str]:
        """Dossiers whose push is due now, the longest waiting first."""
        return [v["_id"] for v in self.syncs.find_view(indexes.QUEUE, until("due", now), limit)]

    def failed(self, limit: int = 1000) -> list[dict]:
        found = self.syncs.find_view(indexes.QUEUE, prefix_range("failed"), limit)
        return [{"code": v["_id"], "failure": v.get("failure")} for v in found]

    def received_between(self, start: datetime, end: datetime) -> list[str]:
        bounds = {"$gte": sort_key(start), "$lt": sort_key(end)}
        return [v["_id"] for v in self.syncs.find_view(indexes.BY_RECEIPT, bounds)]


class SyncStore(MongoStore):
    database = "portal_sync"
    repositories = {"syncs": indexes.VIEWS}

    def get_dependency(self, worker_ctx):
        return SyncRecords(self.db, self.repository("syncs"))
