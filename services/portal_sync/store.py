"""The portal sync's database: one sync per dossier (its record, its version, what the portal
has), an aggregate whose applied message ids are the events that changed it."""

from datetime import datetime

from services.common.keys import prefix_range, sort_key, until
from services.common.store import Database, MongoStore
from services.portal_sync import indexes


class SyncRecords(Database):
    def __init__(self, db, syncs):
        super().__init__(db)
        self.syncs = syncs

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
