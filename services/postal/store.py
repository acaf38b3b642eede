"""Postal's database: shipments with the carrier."""

from services.common.store import Database, MongoStore


class Shipments(Database):
    def __init__(self, db):
        super().__init__(db)
        self.shipments = db.shipments

    def for_dossier(self, code: str) -> list[dict]:
        return list(self.shipments.find({"dossier_code": code}, {"_id": 0}))


class PostalStore(MongoStore):
    database = "postal"

    def create_indexes(self, db):
        db.shipments.create_index("dossier_code")

    def get_dependency(self, worker_ctx):
        return Shipments(self.db)
