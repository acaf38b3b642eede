"""The documents service's database: one record per dossier (its parts' files and digitisation,
its electronic result, the keyed hash of its applicant), and the files themselves in GridFS
beside it (services/documents/files.py)."""

from datetime import date, datetime

from services.common.keys import prefix_range
from services.common.repository import Change, NotFound
from services.common.store import Database, MongoStore
from services.documents import domain, files, indexes


class DocumentRecords(Database):
    def __init__(self, db, records):
        super().__init__(db)
        self.records = records

    def get(self, code: str) -> dict | None:
        try:
            return self.records.get(code)
        except NotFound:
            return None

    def change(self, code: str, decide, now: datetime, message_id=None, publisher=None) -> dict:
        """Change a dossier's record, made first if nothing was known of it yet (a file may
        come before the receipt's event does)."""
        try:
            return self.records.change(code, decide, message_id, publisher).doc
        except NotFound:
            self.records.create(domain.new_record(code, now))
            return self.records.change(code, decide, message_id, publisher).doc

    def take_receipt(self, code: str, fields: dict, now: datetime, message_id: str) -> None:
        """What the receipt tells (domain.from_receipt), on the record made with it: one create
        in the usual case. A record made first by a file is changed instead, unless the receipt
        has been taken already (a repeated event changes nothing)."""
        if self.records.create({**domain.new_record(code, now), **fields}, (), message_id):
            return
        self.records.change(
            code, lambda r: Change(fields) if r["office_id"] is None else None, message_id
        )

    def received_between(self, office_id: str, first: date, last: date) -> list[dict]:
        """The records of the dossiers a counter received from the local day `first` to `last`:
        their codes ({office}-{yyMMdd}-{NNNN}) sort by day, so one `_id` range of that office."""
        bounds = {"$gte": f"{office_id}-{first:%y%m%d}", "$lt": f"{office_id}-{last:%y%m%d}~"}
        ids = [d["_id"] for d in self.records.collection.find({"_id": bounds}, {"_id": 1})]
        found = self.records.get_many(ids) if ids else {}
        return [r for r in found.values() if r["office_id"] == office_id and r["documents"]]

    def of_applicant(self, key: str) -> list[dict]:
        ids = [v["_id"] for v in self.records.find_view(indexes.BY_APPLICANT, prefix_range(key))]
        return list(self.records.get_many(ids).values()) if ids else []


def settled(record: dict) -> datetime | None:
    """A record is never settled: a later dossier of the same applicant may re-use its files."""
    return None


class DocumentsStore(MongoStore):
    database = files.DATABASE
    repositories = {"records": indexes.VIEWS}
    settled = {"records": settled}

    def get_dependency(self, worker_ctx):
        return DocumentRecords(self.db, self.repository("records"))
