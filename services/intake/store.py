"""Intake's database: receipts (form 01 data, with their outbox) and the daily dossier counters."""

from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from services.common.keys import sort_key
from services.common.repository import Views
from services.common.store import Database, MongoStore, Sequences

BOOK = "book"  # the tracking book (form 07): `<office>|<received_at>|<code>`, one range a period
BOOK_FIELDS = (
    "procedure_code",
    "procedure_name",
    "channel",
    "received_at",
    "appointment_at",
    "return_method",
    "status",
)


def book_views(receipt: dict) -> dict[str, dict]:
    """A receipt's row of its counter's tracking book (a read view of the receipts repository)."""
    received_at = datetime.fromisoformat(receipt["received_at"])  # receipts keep the JSON form
    key = f"{receipt['office_id']}|{sort_key(received_at)}|{receipt['_id']}"
    row = {k: receipt.get(k) for k in BOOK_FIELDS}
    row.update(code=receipt["_id"], applicant_name=receipt["applicant"]["name"])
    return {BOOK: {key: row}}


VIEWS = Views((BOOK,), book_views)


class IntakeRecords(Database):
    def __init__(self, db, receipts, sequences: Sequences):
        super().__init__(db)
        self.receipts = receipts
        self.sequences = sequences
        self.requests = db.requests

    def requested_code(self, request_id: str) -> str | None:
        """The dossier code an earlier request with this id (office:Idempotency-Key) was given."""
        found = self.requests.find_one({"_id": request_id}, {"code": 1})
        return found["code"] if found else None

    def claim_request(self, request_id: str, code: str) -> str | None:
        """Give this request id `code` unless another attempt got a code first; return the code
        it has (None if that claim vanished meanwhile). A unique-key insert, the one atomic step
        FerretDB has."""
        try:
            self.requests.insert_one({"_id": request_id, "code": code, "at": datetime.now(UTC)})
            return code
        except DuplicateKeyError:
            return self.requested_code(request_id)

    def book(self, office_id: str, start, end, limit: int, after: str | None = None):
        """The tracking book of a counter for [start, end), in order of receipt, a page at a time
        after the row `after` (`<received_at>|<code>`): (rows, `after` of the next page or None).
        One index range."""
        low = f"{office_id}|{after}#" if after else f"{office_id}|{sort_key(start)}"
        keys = {"$gte": low, "$lt": f"{office_id}|{sort_key(end)}"}
        rows = self.receipts.find_view(BOOK, keys, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        following = rows[-1]["_key"].split("|", 1)[1] if more else None
        return [
            {k: v for k, v in row.items() if k not in ("_id", "_key")} for row in rows
        ], following

    def next_number(self, office_id: str, day: str) -> int:
        """The next dossier number of an office for a day (yyMMdd), unique across processes."""
        return self.sequences.next(f"{office_id}-{day}")


class IntakeStore(MongoStore):
    database = "intake"
    repositories = {"receipts": VIEWS}
    settled = {"receipts": lambda r: datetime.fromisoformat(r["received_at"])}  # never changes

    def setup(self):
        super().setup()
        self.sequences = Sequences(self.db.counters)  # one per process: it remembers numbers

    def get_dependency(self, worker_ctx):
        return IntakeRecords(self.db, self.repository("receipts"), self.sequences)
