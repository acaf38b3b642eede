"""Routing's database: one versioned document per dossier with its history and control sheet."""

from contracts import lifecycle as lc
from services.common.store import Aggregates, Database, MongoStore

ACTIVE_STATES = [lc.AWAITING_ACCEPTANCE, lc.IN_PROCESS, lc.SUPPLEMENT_REQUESTED]
OPEN_STATES = [s for s in lc.STATES if s not in lc.FINAL_STATES]


class RoutingRecords(Database):
    def __init__(self, db):
        super().__init__(db)
        self.dossiers = Aggregates(db, "dossiers")

    def worklist(self, office_id: str, limit: int = 200) -> list[dict]:
        """Dossiers at an office, soonest due first."""
        cursor = self.dossiers.collection.find(
            {"office_id": office_id, "at_office": True, "state": {"$in": OPEN_STATES}},
            {"applied": 0, "history": 0, "handovers": 0},
        )
        return list(cursor.sort("current_due_at", 1).limit(limit))

    def in_route_of(self, office_id: str):
        """Every dossier whose route passes through an office (its statistics' population)."""
        return self.dossiers.collection.find(
            {"route_office_ids": office_id}, {"applied": 0, "history": 0, "handovers": 0}
        )

    def due_candidates(self, horizon, limit: int = 500) -> list[dict]:
        """Active dossiers whose current step falls due before `horizon`."""
        cursor = self.dossiers.collection.find(
            {"state": {"$in": ACTIVE_STATES}, "current_due_at": {"$lte": horizon}},
            {"applied": 0, "history": 0, "handovers": 0},
        )
        return list(cursor.limit(limit))


class RoutingStore(MongoStore):
    database = "routing"

    def create_indexes(self, db):
        db.dossiers.create_index([("office_id", 1), ("at_office", 1), ("current_due_at", 1)])
        db.dossiers.create_index([("state", 1), ("current_due_at", 1)])
        db.dossiers.create_index([("receiving_office_id", 1), ("received_at", 1)])
        db.dossiers.create_index([("route_office_ids", 1)])

    def get_dependency(self, worker_ctx):
        return RoutingRecords(self.db)
