"""MongoDB storage behind a nameko DependencyProvider, and the aggregate pattern every service uses:
versioned documents whose every change is claimed in a journal, with a transactional outbox."""

import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nameko.extensions import DependencyProvider
from pymongo import MongoClient, monitoring
from pymongo.errors import DuplicateKeyError, PyMongoError

log = logging.getLogger(__name__)


class NotFound(KeyError):
    pass


class Conflict(Exception):
    """Somebody else changed the aggregate first: reload and decide again."""


@dataclass
class Saved:
    """A committed change: the aggregate as it now is, and its outbox entries awaiting publish."""

    doc: dict
    outbox: dict | None


def journal_id(_id: str, version: int) -> str:
    return f"{_id}:{version:08d}"


def apply_entry(doc: dict | None, entry: dict) -> dict:
    """The aggregate after one journal entry (fields set, lists appended, version taken)."""
    new = {**(doc or {}), **entry["set"]}
    for key, values in entry.get("push", {}).items():
        new[key] = list(new.get(key, [])) + values
    new["version"] = entry["version"]
    return new


class Aggregates:
    """Versioned documents that stay correct on a server whose conditional updates are not atomic.

    FerretDB 1.x (SQLite) applies update_one({"_id": …, "version": 5}, …) as a read, then a write
    by _id: two writers can both match version 5 and one change is lost. Only a unique-key insert is
    atomic there. So every change is claimed by inserting its journal entry "<id>:<version>": one
    writer wins each version, the others get Conflict, reload and decide again. The message ids a
    change applied travel in the same entry, so a redelivered message is recognised as applied.

    The document that queries read (the projection) is rewritten after the claim; whoever finds it
    behind the journal rolls it forward. Outbox entries are written before the claim in their own
    collection, tied to the claim by a token, and deleted once the broker confirmed them.

    `views`, if given, maps a document to its read-view documents ({collection: {_id: doc}}):
    they are rewritten after each projection write, and again by whoever finds the projection
    newer than the views it just wrote, so the last writer leaves them matching the projection."""

    def __init__(self, db, name: str, views=None):
        self.db = db
        self.collection = db[name]
        self.journal = db[f"{name}_journal"]
        self.outbox = db[f"{name}_outbox"]
        self.views = views

    def get(self, _id: str) -> dict:
        doc = self.collection.find_one({"_id": _id})
        rolled = self._roll_forward(_id, doc)
        if rolled is None:
            raise NotFound(_id)
        if doc is None or rolled["version"] != doc["version"]:
            rolled = self._project(rolled, doc)
        return rolled

    def get_many(self, ids: list[str]) -> dict[str, dict]:
        """Several aggregates by id ({id: doc}, unknown ids left out) in two reads: the
        projections, and whether any has a journal entry past it (those are rolled forward one
        by one, as get does)."""
        docs = {doc["_id"]: doc for doc in self.collection.find({"_id": {"$in": list(ids)}})}
        nexts = [journal_id(_id, doc["version"] + 1) for _id, doc in docs.items()]
        behind = {
            e["aggregate"] for e in self.journal.find({"_id": {"$in": nexts}}, {"aggregate": 1})
        }
        for _id in behind:
            docs[_id] = self.get(_id)
        return docs

    def create(self, doc: dict, outbox: list[dict], message_id: str | None = None) -> Saved | None:
        """Insert a new aggregate; None if it exists already (a repeated create is a no-op)."""
        entry = {"set": {**doc, "applied": [message_id] if message_id else []}}
        try:
            return self._commit(doc["_id"], None, entry, outbox)
        except Conflict:
            # It exists — or an earlier attempt claimed it and lost the database before writing
            # its projection (found in a chaos run: the dossier was in no worklist): roll it now.
            self.get(doc["_id"])
            return None

    def save(
        self,
        doc: dict,
        changes: dict,
        outbox: list[dict],
        message_id: str | None = None,
        push: dict | None = None,
    ) -> Saved | None:
        """Apply `changes` to `doc` (as read by get) unless `message_id` was applied before.

        Returns None for an applied message; raises Conflict if another writer got this version."""
        if message_id and message_id in doc.get("applied", []):
            return None
        push = {k: v for k, v in (push or {}).items() if v}
        if message_id:
            push["applied"] = [message_id]
        return self._commit(doc["_id"], doc, {"set": changes, "push": push}, outbox)

    def entries(self, _id: str) -> list[dict]:
        """The journal of one aggregate, oldest first (its audit trail)."""
        found, version = [], 1
        while entry := self.journal.find_one({"_id": journal_id(_id, version)}):
            found.append(entry)
            version += 1
        return found

    def _commit(self, _id: str, doc: dict | None, entry: dict, outbox: list[dict]) -> Saved:
        version = (doc["version"] if doc else 0) + 1
        entry.update(_id=journal_id(_id, version), aggregate=_id, version=version)
        pending = None
        if outbox:
            pending = {
                "_id": f"{entry['_id']}:{uuid.uuid4().hex[:12]}",
                "journal_id": entry["_id"],
                "aggregate": _id,
                "entries": outbox,
                "created_at": datetime.now(UTC),
            }
            self.outbox.insert_one(pending)
            entry["outbox_id"] = pending["_id"]
        try:
            self.journal.insert_one(entry)
        except DuplicateKeyError:
            if pending:
                self.outbox.delete_one({"_id": pending["_id"]})
            raise Conflict(_id) from None
        return Saved(self._project(apply_entry(doc, entry), doc), pending)

    def _roll_forward(self, _id: str, doc: dict | None) -> dict | None:
        version = doc["version"] if doc else 0
        while entry := self.journal.find_one({"_id": journal_id(_id, version + 1)}):
            doc, version = apply_entry(doc, entry), version + 1
        return doc

    def _project(self, doc: dict, previous: dict | None) -> dict:
        """Write `doc` (which follows `previous`) as the projection and its views.

        With views, one read of the projection after both settles it: a newer version (another
        writer's) gets its views written too; an older one (a slower writer of an earlier version
        landed after ours) gets ours written again, views included."""
        if self.views is None:
            return self._write_projection(doc)
        doc = written = self._write_projection(doc, check=False)
        while True:
            self._write_views(previous, written)
            current = self.collection.find_one({"_id": doc["_id"]})
            if current is not None and current["version"] == written["version"]:
                return doc
            if current is None or current["version"] < written["version"]:
                self._write_projection(written, check=False)
                previous = current
            else:
                previous, written = written, current

    def _write_views(self, previous: dict | None, doc: dict) -> None:
        """Make the views of `previous` those of `doc`: changed documents rewritten, gone ones
        deleted."""
        old = self.views(previous) if previous else {}
        for name, entries in self.views(doc).items():
            before = old.get(name, {})
            for key, entry in entries.items():
                if before.get(key) != entry:
                    _upsert(self.db[name], {**entry, "_id": key})
            for key in before.keys() - entries.keys():
                self.db[name].delete_one({"_id": key})

    def _write_projection(self, doc: dict, check: bool = True) -> dict:
        """Write `doc` as the projection, then make sure no newer version was overwritten by it:
        the last writer to land always checks the journal after its own write. `check`: also
        read the projection back, to rewrite it if an older version landed after ours (_project
        does that read itself, after the views)."""
        _id = doc["_id"]
        while True:
            try:
                self.collection.replace_one({"_id": _id}, doc, upsert=True)
            except DuplicateKeyError:  # a concurrent upsert created it first
                continue
            newer = self._roll_forward(_id, doc)
            if newer["version"] != doc["version"]:
                doc = newer
                continue
            if not check:
                return doc
            current = self.collection.find_one({"_id": _id}, {"version": 1})
            if current and current["version"] >= doc["version"]:
                return doc


def _upsert(collection, doc: dict) -> None:
    while True:
        try:
            collection.replace_one({"_id": doc["_id"]}, doc, upsert=True)
            return
        except DuplicateKeyError:  # a concurrent upsert created it first: replace it now
            continue


def flush_outbox(aggregates: Aggregates, publisher, pending: dict | None) -> int:
    """Publish one change's outbox entries; forget them once the broker confirmed all."""
    if not pending:
        return 0
    done = publisher.publish(pending["entries"])
    if len(done) == len(pending["entries"]):
        aggregates.outbox.delete_one({"_id": pending["_id"]})
    return len(done)


def sweep_outbox(aggregates: Aggregates, publisher, settle=timedelta(seconds=5)) -> int:
    """Publish what a crashed or failed worker left behind; drop entries of changes that lost their
    claim (or whose writer died before claiming). Entries younger than `settle` are left to their
    writer."""
    sent, now = 0, datetime.now(UTC)
    for pending in aggregates.outbox.find({}, limit=200):
        if now - pending["created_at"] < settle:
            continue
        claim = aggregates.journal.find_one({"_id": pending["journal_id"]}, {"outbox_id": 1})
        if claim and claim.get("outbox_id") == pending["_id"]:
            sent += flush_outbox(aggregates, publisher, pending)
            aggregates.get(pending["aggregate"])  # its writer may have died before projecting
        elif claim or now - pending["created_at"] > 12 * settle:
            aggregates.outbox.delete_one({"_id": pending["_id"]})
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


class CommandCounts(monitoring.CommandListener):
    """The database commands a process has sent, by command name (find, insert, update, …):
    what each service costs the database, exposed at /metrics as lienthong_db_commands_total."""

    def __init__(self):
        self.counts: Counter[str] = Counter()

    def started(self, event):
        self.counts[event.command_name] += 1

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


class MongoStore(DependencyProvider):
    """Holds one MongoClient per container, counting its commands; subclasses say which wrapper
    a worker gets."""

    database: str = ""

    def setup(self):
        self.commands = CommandCounts()
        self.client = MongoClient(
            self.container.config["MONGO_URI"],
            tz_aware=True,
            connect=False,
            serverSelectionTimeoutMS=5000,
            event_listeners=[self.commands],
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


class Sequences:
    """Numbered sequences (the daily dossier numbers), unique under concurrent callers.

    Each number is claimed by inserting a document whose _id is key + number, so uniqueness rests
    on the primary key alone: FerretDB's findAndModify with $inc is not atomic across clients.
    The last number this process took is kept per key, so a claim is one insert; for a key seen
    for the first time the numbers taken are read as one _id range, never by a scan."""

    def __init__(self, collection):
        self.collection = collection
        self.last: dict[str, int] = {}

    def next(self, key: str, limit: int = 9999) -> int:
        n = self.last[key] if key in self.last else self._last_taken(key, limit)
        n += 1
        while n <= limit:
            try:
                self.collection.insert_one({"_id": f"{key}-{n:05d}", "key": key, "n": n})
                self.last[key] = n
                return n
            except DuplicateKeyError:
                n += 1
        raise RuntimeError(f"no number left for {key}")

    def _last_taken(self, key: str, limit: int) -> int:
        """The highest number taken: one read of the key's _id range (the _id index)."""
        cursor = self.collection.find({"_id": {"$gte": f"{key}-", "$lt": f"{key}."}}, {"n": 1})
        return max((doc["n"] for doc in cursor), default=0)
