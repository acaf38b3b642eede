"""MongoDB storage behind a nameko DependencyProvider, and the aggregate pattern every service uses:
a versioned document whose state change, applied message id and outbox are written in one update."""

import logging

from nameko.extensions import DependencyProvider
from pymongo import MongoClient
from pymongo.errors import DuplicateKeyError, PyMongoError

log = logging.getLogger(__name__)


class NotFound(KeyError):
    pass


class Conflict(Exception):
    """Somebody else changed the aggregate first: reload and decide again."""


class Aggregates:
    """Versioned documents with an outbox and the ids of the messages already applied."""

    def __init__(self, collection):
        self.collection = collection

    def get(self, _id: str) -> dict:
        doc = self.collection.find_one({"_id": _id}, {"applied": 0})
        if doc is None:
            raise NotFound(_id)
        return doc

    def create(self, doc: dict, outbox: list[dict]) -> bool:
        """Insert a new aggregate; False if it exists already (a repeated create is a no-op)."""
        try:
            self.collection.insert_one({**doc, "version": 1, "outbox": outbox, "applied": []})
        except DuplicateKeyError:
            return False
        return True

    def save(
        self,
        _id: str,
        version: int,
        changes: dict,
        outbox: list[dict],
        message_id: str | None = None,
        push: dict | None = None,
    ) -> bool:
        """Apply `changes` if the document is still at `version` and `message_id` is new.

        Returns False when the message was applied before; raises Conflict on a version clash.
        """
        query = {"_id": _id, "version": version}
        pushes = {"outbox": {"$each": outbox}, **{k: {"$each": v} for k, v in (push or {}).items()}}
        if message_id:
            query["applied"] = {"$ne": message_id}
            pushes["applied"] = {"$each": [message_id]}
        result = self.collection.update_one(
            query, {"$set": changes, "$inc": {"version": 1}, "$push": pushes}
        )
        if result.modified_count == 1:
            return True
        if message_id and self.collection.count_documents({"_id": _id, "applied": message_id}):
            return False
        raise Conflict(_id)

    def was_applied(self, _id: str, message_id: str) -> bool:
        return bool(self.collection.count_documents({"_id": _id, "applied": message_id}))

    def remove_from_outbox(self, _id: str, entries: list[dict]) -> None:
        # $pull of each whole entry: FerretDB (v1.24) ignores $pull with a partial or operator
        # condition such as {"id": …} or {"id": {"$in": …}}, but matches an equal document.
        for entry in entries:
            self.collection.update_one({"_id": _id}, {"$pull": {"outbox": entry}})

    def with_pending_outbox(self, limit: int = 100):
        return self.collection.find({"outbox.0": {"$exists": True}}, {"outbox": 1}, limit=limit)


def flush_outbox(aggregates: Aggregates, publisher, _id: str, entries: list[dict]) -> int:
    """Publish an aggregate's outbox entries, then remove those the broker confirmed."""
    done = set(publisher.publish(entries))
    aggregates.remove_from_outbox(_id, [e for e in entries if e["id"] in done])
    return len(done)


def sweep_outbox(aggregates: Aggregates, publisher) -> int:
    """Publish whatever a crashed or failed worker left in outboxes."""
    sent = 0
    for doc in aggregates.with_pending_outbox():
        sent += flush_outbox(aggregates, publisher, doc["_id"], doc["outbox"])
    return sent


class Database:
    """Base of each service's worker-side store wrapper."""

    def __init__(self, db):
        self.db = db

    def ping(self) -> bool:
        try:
            self.db.client.admin.command("ping")
            return True
        except PyMongoError:
            return False


class MongoStore(DependencyProvider):
    """Holds one MongoClient per container; subclasses say which wrapper a worker gets."""

    database: str = ""

    def setup(self):
        self.client = MongoClient(
            self.container.config["MONGO_URI"],
            tz_aware=True,
            connect=False,
            serverSelectionTimeoutMS=5000,
        )
        self.db = self.client[
            self.container.config.get("MONGO_DATABASE_PREFIX", "lienthong_") + self.database
        ]

    def start(self):
        try:
            self.create_indexes(self.db)
        except PyMongoError:
            log.exception(
                "could not create indexes for %s (will retry at next start)", self.database
            )

    def stop(self):
        self.client.close()

    def create_indexes(self, db):
        """Subclasses declare their indexes here."""


def next_in_sequence(collection, key: str, limit: int = 9999) -> int:
    """The next number of a sequence (the daily dossier number), unique under concurrent callers.

    Each number is claimed by inserting a document whose _id is key + number, so uniqueness rests
    on the primary key alone: FerretDB's findAndModify with $inc is not atomic across clients."""
    last = collection.find_one({"key": key}, sort=[("n", -1)])
    n = (last["n"] if last else 0) + 1
    while n <= limit:
        try:
            collection.insert_one({"_id": f"{key}-{n:05d}", "key": key, "n": n})
            return n
        except DuplicateKeyError:
            n += 1
    raise RuntimeError(f"no number left for {key}")
