"""Intake's database: receipts (form 01 data, with their outbox) and the daily dossier counters."""

from services.common.store import Aggregates, Database, MongoStore, next_in_sequence


class IntakeRecords(Database):
    def __init__(self, db):
        super().__init__(db)
        self.receipts = Aggregates(db, "receipts")
        self.counters = db.counters

    def next_number(self, office_id: str, day: str) -> int:
        """The next dossier number of an office for a day (yyMMdd), unique across processes."""
        return next_in_sequence(self.counters, f"{office_id}-{day}")


class IntakeStore(MongoStore):
    database = "intake"

    def create_indexes(self, db):
        db.receipts.create_index([("office_id", 1), ("received_at", 1)])
        db.counters.create_index([("key", 1), ("n", -1)])

    def get_dependency(self, worker_ctx):
        return IntakeRecords(self.db)
