"""The feedback service's database: evaluations (one per dossier, its code the id), feedback
(its own code the id), and the daily feedback numbers."""

from datetime import UTC, datetime

from services.common.keys import prefix_range, sort_key, until
from services.common.repository import NotFound
from services.common.store import Database, MongoStore, Sequences
from services.feedback import domain, indexes


class FeedbackRecords(Database):
    def __init__(self, db, evaluations, feedback, sequences: Sequences):
        super().__init__(db)
        self.evaluations, self.feedback, self.sequences = evaluations, feedback, sequences

    def evaluation(self, code: str) -> dict | None:
        try:
            return self.evaluations.get(code)
        except NotFound:
            return None

    def next_number(self, office_id: str, day: str) -> int:
        return self.sequences.next(f"PA-{office_id}-{day}")

    def of_offices(self, office_ids: list[str]) -> list[dict]:
        ids = [
            v["_id"]
            for office in office_ids
            for v in self.feedback.find_view(indexes.FEEDBACK_LIST, prefix_range(office))
        ]
        found = self.feedback.get_many(ids) if ids else {}
        return sorted(found.values(), key=lambda f: f["received_at"], reverse=True)

    def past_due(self, now: datetime, limit: int = 100) -> list[str]:
        found = self.feedback.find_view(indexes.DEADLINES, until("due", now), limit)
        return [v["_id"] for v in found]

    def evaluations_given(self, office_ids: list[str], start: datetime, end: datetime) -> list:
        """(when, level) of every evaluation the offices' counters took in [start, end)."""
        found = []
        for office_id in office_ids:
            bounds = {
                "$gte": f"{office_id}|{sort_key(start)}",
                "$lt": f"{office_id}|{sort_key(end)}",
            }
            found += [
                (instant_of(v["_key"]), v["level"])
                for v in self.evaluations.find_view(indexes.EVALUATED, bounds)
            ]
        return found

    def _period(self, view: str, office_id: str, start: datetime, end: datetime) -> list[dict]:
        bounds = {"$gte": f"{office_id}|{sort_key(start)}", "$lt": f"{office_id}|{sort_key(end)}"}
        return self.feedback.find_view(view, bounds)

    def figures(self, office_id: str, start: datetime, end: datetime, now: datetime) -> dict:
        bounds = {"$gte": f"{office_id}|{sort_key(start)}", "$lt": f"{office_id}|{sort_key(end)}"}
        levels = [v["level"] for v in self.evaluations.find_view(indexes.EVALUATED, bounds)]
        return domain.figures(
            levels,
            self._period(indexes.ANSWERED, office_id, start, end),
            len(self._period(indexes.RECEIVED, office_id, start, end)),
            self.feedback.find_view(indexes.OPEN, prefix_range(office_id)),
            now,
        )


def instant_of(key: str) -> datetime:
    """The instant in a view key `<office>|<sort_key>|<code>` (services/common/keys.py)."""
    return datetime.strptime(key.split("|")[1], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)


def settled_feedback(f: dict) -> datetime | None:
    """Answered feedback changes no more."""
    answered: datetime | None = f.get("answered_at")
    return answered


def settled_evaluation(ev: dict) -> datetime | None:
    at: datetime | None = ev.get("evaluated_at")
    return at


class FeedbackStore(MongoStore):
    database = "feedback"
    repositories = {
        "evaluations": indexes.EVALUATION_VIEWS,
        "feedback": indexes.FEEDBACK_VIEWS,
    }
    settled = {"evaluations": settled_evaluation, "feedback": settled_feedback}

    def setup(self):
        super().setup()
        self.sequences = Sequences(self.db.counters)  # one per process: it remembers numbers

    def get_dependency(self, worker_ctx):
        return FeedbackRecords(
            self.db,
            self.repository("evaluations"),
            self.repository("feedback"),
            self.sequences,
        )
