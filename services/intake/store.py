"""Intake's database: receipts (form 01 data, with their outbox) and the daily dossier counters."""

from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from services.common.store import Aggregates, Database, MongoStore, Sequences


class IntakeRecords(Database):
    def __init__(self, db, sequences: Sequences):
        super().__init__(db)
        self.receipts = Aggregates(db, "receipts")
        self.sequences = sequences
        self.requests = db.requests

    def requested_code(self, request_id: str) -> str | None:
        """The dossier code an earlier request with this id (office:Idempotency-Key) was given."""
        found = self.requests.find_one({"_id": request_id}, {"code": 1})
        return found["code"] if found else None

    def claim_request(self, request_id: str, code: str) -> str:
        """Give this request id `code` unless another attempt got a code first; return the code
        it has. A unique-key insert, the one atomic step FerretDB has."""
        try:
            self.requests.insert_one({"_id": request_id, "code": code, "at": datetime.now(UTC)})
            return code
        except DuplicateKeyError:
            return self.requested_code(request_id)

    def next_number(self, office_id: str, day: str) -> int:
        """The next dossier number of an office for a day (yyMMdd), unique across processes."""
        return self.sequences.next(f"{office_id}-{day}")


class IntakeStore(MongoStore):
    database = "intake"

    def setup(self):
        super().setup()
        self.sequences = Sequences(self.db.counters)  # one per process: it remembers numbers

    def get_dependency(self, worker_ctx):
        return IntakeRecords(self.db, self.sequences)
