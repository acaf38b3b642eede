"""Postal's database: recipients (its own copy of where results go) and shipments, each an
aggregate whose applied message ids are the carrier's event ids."""

from datetime import datetime

from services.common.keys import last_part, prefix_range, until
from services.common.store import Aggregates, Database, MongoStore, NotFound
from services.postal import indexes


class PostalRecords(Database):
    def __init__(self, db):
        super().__init__(db)
        self.recipients = db.recipients
        self.shipments = Aggregates(db, "shipments", views=indexes.entries)

    def save_recipient(self, recipient: dict) -> None:
        self.recipients.replace_one({"_id": recipient["_id"]}, recipient, upsert=True)

    def recipient(self, code: str) -> dict:
        doc = self.recipients.find_one({"_id": code})
        if doc is None:
            raise NotFound(code)
        return doc

    def for_dossier(self, code: str) -> list[dict]:
        cursor = self.db[indexes.BY_DOSSIER].find({"_id": prefix_range(code)})
        ids = [last_part(v["_id"]) for v in cursor]
        if not ids:
            return []
        found = self.shipments.collection.find({"_id": {"$in": ids}}, {"applied": 0})
        return sorted(found, key=lambda s: s["created_at"])

    def to_request(self, limit: int = 100) -> list[str]:
        """Shipments the carrier has not confirmed yet (it was down, or we stopped midway)."""
        cursor = self.db[indexes.OPEN].find({"_id": prefix_range("to_request")}, limit=limit)
        return [last_part(v["_id"]) for v in cursor]

    def unheard_since(self, before: datetime, limit: int = 100) -> list[dict]:
        """Shipments on their way with no news from the carrier since `before`."""
        cursor = self.db[indexes.OPEN].find({"_id": until("waiting", before)}, limit=limit)
        return [
            {"_id": last_part(v["_id"]), "tracking_number": v["tracking_number"]} for v in cursor
        ]


class PostalStore(MongoStore):
    database = "postal"

    def get_dependency(self, worker_ctx):
        return PostalRecords(self.db)
