"""Routing's database: one versioned document per dossier with its history and control sheet,
the read views (services/routing/indexes.py) its worklist and alerts read, and the counters
(services/routing/stats.py) its statistics and gauges read."""

from services.common.store import Database, MongoStore
from services.common.tally import Counts
from services.routing import domain, indexes, stats

COUNTS = Counts("dossier_counts", stats.contributions)


class RoutingRecords(Database):
    def __init__(self, db, dossiers, tally):
        super().__init__(db)
        self.dossiers, self.tally = dossiers, tally

    def worklist(self, office_id: str, limit: int, after: str | None = None, part=None):
        """A page of the open dossiers at an office (one part of its worklist, or both), soonest
        due first, after the row `after` (`<due>|<code>`): (dossiers, `after` of the next page
        or None). One view range per part; both parts are merged in due order."""
        rows = []
        for name in [part] if part else list(indexes.PARTS):
            keys = indexes.worklist_range(office_id, name, after)
            rows += self.dossiers.find_view(indexes.WORKLIST, keys, limit + 1)
        rows.sort(key=lambda e: e["_key"].split("|", 2)[2])
        more = len(rows) > limit
        rows = rows[:limit]
        following = rows[-1]["_key"].split("|", 2)[2] if more else None
        return rows, following

    def counter_rows(self, office_id: str, start, end, now) -> dict:
        """The counter rows an office's statistics for [start, end) read (stats.ranges)."""
        rows = {}
        for bounds in stats.ranges(office_id, start, end, now):
            rows.update(self.tally.read(bounds))
        return rows

    def due_candidates(self, horizon, limit: int = 500) -> list[dict]:
        """Active dossiers whose current step falls due before `horizon`, soonest first, that may
        still raise an alert."""
        return self.dossiers.find_view(indexes.DUE, indexes.due_range(horizon), limit)


class RoutingStore(MongoStore):
    database = "routing"
    repositories = {"dossiers": indexes.VIEWS}
    counts = {"dossiers": COUNTS}
    settled = {"dossiers": domain.settled}

    def get_dependency(self, worker_ctx):
        return RoutingRecords(self.db, self.repository("dossiers"), self.tallies["dossiers"])
