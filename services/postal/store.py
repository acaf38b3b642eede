"""Postal's database: recipients (its own copy of where results go) and shipments, each an
aggregate whose applied message ids are the carrier's event ids."""

from datetime import datetime

from services.common.store import Aggregates, Database, MongoStore, NotFound
from services.postal.domain import FINAL, TO_REQUEST


class PostalRecords(Database):
    def __init__(self, db):
        super().__init__(db)
        self.recipients = db.recipients
        self.shipments = Aggregates(db, "shipments")

    def save_recipient(self, recipient: dict) -> None:
        self.recipients.replace_one({"_id": recipient["_id"]}, recipient, upsert=True)

    def recipient(self, code: str) -> dict:
        doc = self.recipients.find_one({"_id": code})
        if doc is None:
            raise NotFound(code)
        return doc

    def for_dossier(self, code: str) -> list[dict]:
        cursor = self.shipments.collection.find({"dossier_code": code}, {"applied": 0})
        return list(cursor.sort("created_at", 1))

    def to_request(self, limit: int = 100) -> list[str]:
        """Shipments the carrier has not confirmed yet (it was down, or we stopped midway)."""
        cursor = self.shipments.collection.find({"status": TO_REQUEST}, {"_id": 1}, limit=limit)
        return [doc["_id"] for doc in cursor]

    def unheard_since(self, before: datetime, limit: int = 100) -> list[dict]:
        """Shipments on their way with no news from the carrier since `before`."""
        cursor = self.shipments.collection.find(
            {
                "status": {"$nin": [TO_REQUEST, *FINAL]},
                "last_heard_at": {"$lte": before},
            },
            {"_id": 1, "tracking_number": 1},
            limit=limit,
        )
        return list(cursor)


class PostalStore(MongoStore):
    database = "postal"

    def create_indexes(self, db):
        db.shipments.create_index("dossier_code")
        db.shipments.create_index([("status", 1), ("last_heard_at", 1)])

    def get_dependency(self, worker_ctx):
        return PostalRecords(self.db)
