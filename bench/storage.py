"""Bytes stored per finished dossier, by collection, before and after compaction
(docs/retention.md): every document that belongs to each of a sample of finished dossiers —
routing's dossier and journal, intake's receipt, journal and tracking-book row, notification's
recipient, messages, their journals and views — measured as stored BSON, then the same after
`compact` has dropped the journals of those dossiers, their receipts and their SMS. Counter rows
are per office and day, not per dossier: their bytes are given for the whole collection."""

from datetime import UTC, datetime, timedelta

from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import MongoClient

from bench import stack
from services.common.keys import prefix_range
from services.common.repository import JournalRepository
from services.intake.store import BOOK, IntakeStore
from services.notification import indexes as messages
from services.notification.store import NotificationStore
from services.routing.store import RoutingStore

RAW = CodecOptions(document_class=RawBSONDocument)


def _journal(code: str) -> dict:
    return {"_id": {"$gte": f"{code}:", "$lt": f"{code};"}}


def _bytes(db, collection: str, query: dict) -> int:
    coll = db.get_collection(collection, codec_options=RAW)
    return sum(len(doc.raw) for doc in coll.find(query))


def measure(codes: list[str]) -> dict[str, int]:
    """{database.collection: bytes} of everything the dossiers `codes` hold."""
    client = MongoClient(stack.mongo_uri(), tz_aware=True)
    routing = client[stack.database("routing")]
    intake = client[stack.database("intake")]
    notification = client[stack.database("notification")]
    found: dict[str, int] = {}

    def add(name: str, n: int) -> None:
        found[name] = found.get(name, 0) + n

    for code in codes:
        add("routing.dossiers", _bytes(routing, "dossiers", {"_id": code}))
        add("routing.dossiers_journal", _bytes(routing, "dossiers_journal", _journal(code)))
        add("intake.receipts", _bytes(intake, "receipts", {"_id": code}))
        add("intake.receipts_journal", _bytes(intake, "receipts_journal", _journal(code)))
        office = code.split("-")[0]
        book = {"_id": {"$gte": f"{office}|", "$lt": f"{office}}}"}, "code": code}
        add(f"intake.{BOOK}", _bytes(intake, BOOK, book))
        add("notification.recipients", _bytes(notification, "recipients", {"_id": code}))
        views = prefix_range(code)
        add(
            f"notification.{messages.BY_DOSSIER}",
            _bytes(notification, messages.BY_DOSSIER, {"_id": views}),
        )
        ids = [
            e["_id"].rpartition("|")[2]
            for e in notification[messages.BY_DOSSIER].find({"_id": views})
        ]
        add("notification.messages", _bytes(notification, "messages", {"_id": {"$in": ids}}))
        for sms in ids:
            add(
                "notification.messages_journal",
                _bytes(notification, "messages_journal", _journal(sms)),
            )
    return found


def compact(codes: list[str]) -> int:
    """Compact the journals of the dossiers `codes`, their receipts and their SMS (as `make
    compact` would once they have settled); the journal entries removed."""
    client = MongoClient(stack.mongo_uri(), tz_aware=True)
    later = datetime.now(UTC) + timedelta(days=1)
    notification = client[stack.database("notification")]
    sms = [
        e["_id"].rpartition("|")[2]
        for code in codes
        for e in notification[messages.BY_DOSSIER].find({"_id": prefix_range(code)})
    ]
    removed = 0
    for store, ids in ((RoutingStore, codes), (IntakeStore, codes), (NotificationStore, sms)):
        db = client[stack.database(store.database)]
        for name, settled in store.settled.items():
            repository = JournalRepository(db, name, store.repositories[name])
            removed += sum(n for _, n in repository.compact(settled, later, ids=ids))
    return removed


def per_finished_dossier(codes: list[str]) -> dict:
    """Bytes per finished dossier by collection, before and after compaction."""
    before = measure(codes)
    removed = compact(codes)
    after = measure(codes)
    n = max(1, len(codes))
    counts = MongoClient(stack.mongo_uri())[stack.database("routing")].command(
        "collStats", "dossier_counts"
    )
    return {
        "dossiers": len(codes),
        "journal_entries_removed": removed,
        "before": {k: round(v / n) for k, v in sorted(before.items())},
        "after": {k: round(after.get(k, 0) / n) for k in sorted(before)},
        "total_before": round(sum(before.values()) / n),
        "total_after": round(sum(after.values()) / n),
        "counter_rows": {"rows": counts.get("count"), "bytes": counts.get("size")},
    }
