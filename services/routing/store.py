"""Routing's database: one versioned document per dossier with its history and control sheet,
and the read views (services/routing/indexes.py) its worklist, statistics and alerts read."""

from services.common.keys import prefix_range
from services.common.store import Aggregates, Database, MongoStore
from services.routing import indexes


class RoutingRecords(Database):
    def __init__(self, db):
        super().__init__(db)
        self.dossiers = Aggregates(db, "dossiers", views=indexes.entries)

    def worklist(self, office_id: str, limit: int, after: str | None = None, part=None):
        """A page of the open dossiers at an office (one part of its worklist, or both), soonest
        due first, after the row `after` (`<due>|<code>`): (dossiers, `after` of the next page
        or None). One index range per part; both parts are merged in due order."""
        rows = []
        for name in [part] if part else list(indexes.PARTS):
            keys = indexes.worklist_range(office_id, name, after)
            rows += self.db[indexes.WORKLIST].find({"_id": keys}, limit=limit + 1)
        rows.sort(key=lambda e: e["_id"].split("|", 2)[2])
        more = len(rows) > limit
        rows = rows[:limit]
        following = rows[-1]["_id"].split("|", 2)[2] if more else None
        return [indexes.as_dossier(e) for e in rows], following

    def in_route_of(self, office_id: str):
        """Every dossier whose route passes through an office, with the fields its statistics
        read."""
        cursor = self.db[indexes.IN_ROUTE].find({"_id": prefix_range(office_id)})
        return (indexes.as_dossier(e) for e in cursor)

    def due_candidates(self, horizon, limit: int = 500) -> list[dict]:
        """Active dossiers whose current step falls due before `horizon`, soonest first, that may
        still raise an alert."""
        cursor = self.db[indexes.DUE].find({"_id": indexes.due_range(horizon)}, limit=limit)
        return [indexes.as_dossier(e) for e in cursor]


class RoutingStore(MongoStore):
    database = "routing"

    def get_dependency(self, worker_ctx):
        return RoutingRecords(self.db)
