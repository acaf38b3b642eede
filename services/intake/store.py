"""Intake's database: receipts (form 01 data, with their outbox) and the daily dossier counters."""

from services.common.store import Aggregates, Database, MongoStore, Sequences


class IntakeRecords(Database):
    def __init__(self, db, sequences: Sequences):
        super().__init__(db)
        self.receipts = Aggregates(db, "receipts")
        self.sequences = sequences

    def next_number(self, office_id: str, day: str) -> int:
        """The next dossier number of an office for a day (yyMMdd), unique across processes."""
        return self.sequences.next(f"{office_id}-{day}")


class IntakeStore(MongoStore):
    database = "intake"

    def setup(self):
        super().setup()
        self.sequences = Sequences(self.db.counters)  # one per process: it remembers numbers

    def create_indexes(self, db):
        db.receipts.create_index([("office_id", 1), ("received_at", 1)])

    def get_dependency(self, worker_ctx):
        return IntakeRecords(self.db, self.sequences)
