"""The payment service's database: payments, each an aggregate whose applied message ids are
the events that made or moved it (receipts, notices, platform events)."""

from datetime import datetime

from services.common.keys import prefix_range, sort_key, until
from services.common.store import Database, MongoStore
from services.payment import domain, indexes


class PaymentRecords(Database):
    def __init__(self, db, payments):
        super().__init__(db)
        self.payments = payments

    def for_dossier(self, code: str) -> list[dict]:
        ids = [v["_id"] for v in self.payments.find_view(indexes.BY_DOSSIER, prefix_range(code))]
        found = self.payments.get_many(ids) if ids else {}
        return sorted(found.values(), key=lambda p: p["created_at"])

    def work(self, kind: str, limit: int = 100) -> list[str]:
        """Payments with work for the platform: `to_request` (a pay link) or `refund`."""
        return [v["_id"] for v in self.payments.find_view(indexes.OPEN, prefix_range(kind), limit)]

    def unheard_since(self, before: datetime, limit: int = 100) -> list[dict]:
        """Attempts and refunds waiting for the platform with no news from it since `before`."""
        found = self.payments.find_view(indexes.OPEN, until("waiting", before), limit)
        return [{"_id": v["_id"], "payment_ref": v.get("payment_ref")} for v in found]

    def past_deadline(self, now: datetime, limit: int = 100) -> list[str]:
        found = self.payments.find_view(indexes.DEADLINES, until("due", now), limit)
        return [v["_id"] for v in found]

    def collected(self, key: str, start: datetime, end: datetime) -> list[dict]:
        """The payments paid in [start, end), of an office (`key` its id) or online (`online`),
        by when they were paid."""
        bounds = {"$gte": f"{key}|{sort_key(start)}", "$lt": f"{key}|{sort_key(end)}"}
        ids = [v["_id"] for v in self.payments.find_view(indexes.COLLECTED, bounds)]
        found = self.payments.get_many(ids) if ids else {}
        return sorted(found.values(), key=lambda p: (p["paid_at"], p["_id"]))


class PaymentStore(MongoStore):
    database = "payment"
    repositories = {"payments": indexes.VIEWS}
    settled = {"payments": domain.settled}

    def get_dependency(self, worker_ctx):
        return PaymentRecords(self.db, self.repository("payments"))
