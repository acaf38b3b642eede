"""Postal's database: recipients (its own copy of where results go) and shipments, each an
aggregate whose applied message ids are the carrier's event ids."""

from datetime import datetime

from services.common.keys import prefix_range, until
from services.common.repository import NotFound
from services.common.store import Database, MongoStore
from services.postal import domain, indexes


class PostalRecords(Database):
    def __init__(self, db, shipments):
        super().__init__(db)
        self.recipients = db.recipients
        self.shipments = shipments

    def save_recipient(self, recipient: dict) -> None:
        self.recipients.replace_one({"_id": recipient["_id"]}, recipient, upsert=True)

    def recipient(self, code: str) -> dict:
        doc = self.recipients.find_one({"_id": code})
        if doc is None:
            raise NotFound(code)
        return doc

    def for_dossier(self, code: str) -> list[dict]:
        ids = [v["_id"] for v in self.shipments.find_view(indexes.BY_DOSSIER, prefix_range(code))]
        found = self.shipments.get_many(ids) if ids else {}
        return sorted(found.values(), key=lambda s: s["created_at"])

    def to_request(self, limit: int = 100) -> list[str]:
        """Shipments the carrier has not confirmed yet (it was down, or we stopped midway)."""
        bounds = prefix_range("to_request")
        return [v["_id"] for v in self.shipments.find_view(indexes.OPEN, bounds, limit)]

    def unheard_since(self, before: datetime, limit: int = 100) -> list[dict]:
        """Shipments on their way with no news from the carrier since `before`."""
        found = self.shipments.find_view(indexes.OPEN, until("waiting", before), limit)
        return [{"_id": v["_id"], "tracking_number": v["tracking_number"]} for v in found]


class PostalStore(MongoStore):
    database = "postal"
    repositories = {"shipments": indexes.VIEWS}
    settled = {"shipments": domain.settled}

    def get_dependency(self, worker_ctx):
        return PostalRecords(self.db, self.repository("shipments"))
