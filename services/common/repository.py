"""Repositories: one per aggregate (dossier, receipt, SMS, shipment). The one seam between the
services and the database.

A service loads an aggregate, asks a pure domain function what to do, and hands the answer (a
`Change`: fields to set, list entries to append, the messages it causes) to `change()`, which
commits the change, its outbox messages and its read views in one call, retries it on a
concurrent writer, and ignores a message applied before. Claims, versions, applied message ids,
roll-forward, the outbox and the views never leave this module; documents come out without
their bookkeeping fields.

Two adapters behind the same interface, chosen by `STORE_ADAPTER` (`ADAPTERS`):
- `journal` (FerretDB 1.x, the local stack without a mongod): unpatched FerretDB applies a
  version-filtered update as read-then-write, so two writers can both "win"; a unique-key insert
  is atomic everywhere. Each change is claimed by inserting its journal entry
  `<id>:<version>`; the projection and the views (one collection for all of an aggregate's
  views, `<name>_views`, keyed `<view>|<key>` so that each query is one `_id` range, the one
  index FerretDB reads) are written after, and rolled forward by whoever finds them behind;
  the outbox entry is written with the claim, in the journal collection under its own key
  prefix, in the same insert command. The projection write is an update filtered on the
  version, atomic with the local stack's FerretDB patch (deploy/ferretdb). The reads, claims
  and writes by `_id` of a process's concurrent workers go to the server together while one is
  in flight (`_grouped`: group commit, services/common/coalesce.py).
- `document` (MongoDB: compose, Kubernetes, a local mongod): `find_one_and_update` filtered on
  the version is atomic; the change, its outbox (inside the document) and its view keys (an
  array per view, each with a secondary index) are one update.
Both answer `find_view(name, range)` with the same entries, built by the same `views` function.
"""

import logging
import uuid
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cachetools import TTLCache
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.common.coalesce import Coalescer
from services.common.keys import last_part, prefix_range
from services.common.messaging import count_entry, counts_name, is_count
from services.common.tally import Counts, Rows, add, difference, total
from services.common.writes import drop_many, insert_new, put_if_newer, put_many

log = logging.getLogger(__name__)

BOOKKEEPING = ("version", "applied", "_views", "_outbox")
MAX_TRIES = 20  # writers racing for one aggregate: each try reloads and decides again
SETTLE = timedelta(seconds=5)  # outbox entries younger than this are left to their writer
FORGET_BATCH = 50  # published journal-outbox entries deleted together
_PUBLISHED: dict[str, list[str]] = {}  # per outbox collection: published, not yet deleted
# per client: the process's coalesced reads and writes by `_id`, per collection (`_grouped`)
_GROUPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
RECENT_SIZE = 4096  # aggregates remembered per collection and process
# seconds an aggregate is remembered: far less than the shortest age at which its journal may
# be compacted (docs/retention.md), so that a change decided on it still conflicts if stale
RECENT_FOR = 30.0


class NotFound(KeyError):
    pass


class Conflict(Exception):
    """Another writer changed the aggregate first (or kept winning): decide again later."""


@dataclass
class Change:
    """What a decision does to an aggregate: fields to set, entries to append to list fields, and
    the outbox messages it causes, built from the sequence (the aggregate's version) the change
    will have."""

    set: dict = field(default_factory=dict)
    push: dict = field(default_factory=dict)
    messages: Callable[[int], list[dict]] | None = None


class Keep:
    """A decision to change nothing that no later version of the aggregate could turn into a
    change (say, a report of a status the aggregate has left for good): `change()` believes it
    on the version it read, without looking for a later one. Decide `KEEP`."""


KEEP = Keep()


@dataclass
class Committed:
    """The aggregate after `change()`: `changed` if this call committed something; `duplicate`
    if its message had been applied before; `outbox` the adapter's handle on messages still to
    publish (None once published, or when there were none); `stored` the version as stored,
    which the repository remembers (`remembered`)."""

    doc: dict
    changed: bool = False
    duplicate: bool = False
    outbox: dict | None = None
    stored: dict | None = field(default=None, repr=False)  # as stored, bookkeeping included


@dataclass(frozen=True)
class Views:
    """An aggregate's read views: their names, and `entries(doc)`, the entries of one document
    ({view: {key: entry}}). Every key ends with `|<aggregate id>`; keys use only the characters
    the FerretDB id-range patch reads from its index ([#-~], services/common/keys.py)."""

    names: tuple[str, ...]
    entries: Callable[[dict], dict[str, dict[str, dict]]]


def public(doc: dict) -> dict:
    """An aggregate as the services see it: no bookkeeping fields."""
    return {k: v for k, v in doc.items() if k not in BOOKKEEPING}


def merged(change: Change) -> tuple[dict, dict]:
    """(set, push) with no field in both: a field set and appended to in one change is set to
    the appended list (MongoDB refuses an update that names a path twice)."""
    sets, pushes = dict(change.set), {}
    for key, values in change.push.items():
        if not values:
            continue
        if key in sets:
            sets[key] = list(sets[key]) + list(values)
        else:
            pushes[key] = list(values)
    return sets, pushes


def apply_change(doc: dict, sets: dict, pushes: dict, version: int, applied=()) -> dict:
    """The aggregate after a change (fields set, lists appended, version taken)."""
    new = {**doc, **sets}
    for key, values in pushes.items():
        new[key] = list(new.get(key, [])) + values
    if applied:
        new["applied"] = list(new.get("applied", [])) + list(applied)
    new["version"] = version
    return new


def in_range(key: str, bounds: dict) -> bool:
    """Whether `key` lies in a `{"$gte": a, "$lt": b}` range (either bound may be missing)."""
    return ("$gte" not in bounds or key >= bounds["$gte"]) and (
        "$lt" not in bounds or key < bounds["$lt"]
    )


class Repository(ABC):
    """The interface every adapter implements; `change` is written once, here."""

    def __init__(
        self,
        db,
        name: str,
        views: Views | None = None,
        counts: Counts | None = None,
        recent: TTLCache | None = None,
    ):
        """`recent`: the aggregates the process last wrote or read (`remembered()`), shared by
        its repositories of the collection; by default this repository's own."""
        self.db, self.name, self.views, self.counts = db, name, views, counts
        self.collection = db[name]
        self.recent = remembered() if recent is None else recent

    def get(self, _id: str) -> dict:
        """The aggregate, or NotFound."""
        return public(self._load(_id))

    @abstractmethod
    def get_many(self, ids: list[str]) -> dict[str, dict]:
        """Several aggregates by id ({id: doc}; unknown ids left out)."""

    @abstractmethod
    def create(
        self,
        doc: dict,
        messages: Sequence[dict] = (),
        message_id: str | None = None,
        publisher=None,
    ) -> Committed | None:
        """Insert a new aggregate with its outbox messages (sequence 1); None if it exists
        already (a repeated create is a no-op)."""

    def change(
        self,
        _id: str,
        decide: Callable[[dict], Change | Keep | None],
        message_id: str | None = None,
        publisher=None,
    ) -> Committed:
        """Load the aggregate, `decide` (a pure function of the document) what to change, commit
        it with its messages and views, then publish them with `publisher`. Decided again on a
        concurrent writer's change; a `message_id` applied before changes nothing. NotFound if
        there is no such aggregate."""
        # The first decision is taken on what this process last wrote or read of the aggregate
        # (`recent`, see `remembered`), else on `_peek`; either may be behind: a change decided
        # on a version that is not the latest fails its commit (the claim of the next version
        # is taken), and a decision to change nothing, or one that raises, is checked against
        # the latest version before it is believed (unless it is KEEP).
        recent = self.recent
        raw = recent.get(_id)
        latest = False
        if raw is None:
            raw = recent[_id] = self._peek(_id)
            latest = self.peek_is_latest
        for _ in range(MAX_TRIES):
            if message_id and message_id in raw.get("applied", []):
                return Committed(public(raw), duplicate=True)
            try:
                change = decide(public(raw))
            except Exception:
                # refused on a version that may be behind (an action another process's
                # change has made possible): refused only if the latest refuses it too
                if latest or (newer := self._latest(raw))["version"] == raw["version"]:
                    raise
                raw = recent[_id] = newer
                latest = True
                continue
            if isinstance(change, Keep):
                return Committed(public(raw))
            if change is None:
                newer = raw if latest else self._latest(raw)
                if newer["version"] == raw["version"]:
                    return Committed(public(raw))
                raw = recent[_id] = newer
                latest = True
                continue
            try:
                committed = self._commit(raw, change, message_id)
            except Conflict:
                raw = recent[_id] = self._load(_id)
                latest = True
                continue
            recent[_id] = committed.stored
            self.publish(committed, publisher)
            return committed
        raise Conflict(_id)

    def import_many(self, docs: list[dict], counted: Rows | None = None) -> int:
        """Bulk-load new aggregates (each at version 1, with its views, no messages): for loads
        such as the benchmark's. One that exists already is left as it is; returns how many
        were new. With counters, what the new ones count for is added to `counted`, for the
        loader to fold once it is done (`Tally.fold_rows`)."""
        new = self._import(docs)
        if self.counts is not None and counted is not None:
            add(counted, total((public(d) for d in new), self.counts.contributions))
        return len(new)

    @abstractmethod
    def _import(self, docs: list[dict]) -> list[dict]:
        """Insert the aggregates not there yet; the ones inserted."""

    def compact(
        self,
        settled: Callable[[dict], datetime | None],
        before: datetime,
        batch: int = 500,
        ids: list[str] | None = None,
    ) -> Iterator[tuple[int, int]]:
        """Drop the bookkeeping that aggregates which changed for the last time before `before`
        no longer need (`settled(doc)`: when the aggregate stopped changing, None while it may
        still change): all of them, or those of `ids`. Yields (aggregates read, entries removed)
        batch by batch. The documents themselves, with their history, are kept whole."""
        for done, _ in _batches(self.collection, batch, ids):
            yield done, 0

    @abstractmethod
    def forget_counts(self) -> int:
        """Take the count messages out of the outbox (after `make recount --repair` wrote the
        rows they would add); the outbox entries changed. Services stopped."""

    def scan(self, batch: int = 500) -> Iterator[list[dict]]:
        """Every aggregate as it is now (bookkeeping removed), `batch` at a time, in one pass."""
        for _, docs in _batches(self.collection, batch):
            yield list(self.get_many([doc["_id"] for doc in docs]).values())

    @abstractmethod
    def rebuild_views(self, batch: int = 200) -> Iterator[int]:
        """Write every aggregate's read views anew from its document (after an upgrade that
        changed what a view holds or how it is keyed); yields the aggregates done so far, batch
        by batch. Run it with the services stopped."""

    @abstractmethod
    def find_view(self, name: str, bounds: dict, limit: int | None = None) -> list[dict]:
        """The entries of view `name` whose keys lie in `bounds` (`$gte`/`$lt`), in key order,
        each with its `_key` and the aggregate's `_id`."""

    def publish(self, committed: Committed | None, publisher) -> int:
        """Publish a committed change's messages; forget them once the broker confirmed all."""
        if committed is None or not committed.outbox or publisher is None:
            return 0
        pending = committed.outbox
        done = publisher.publish(pending["entries"])
        if len(done) == len(pending["entries"]):
            self._forget(pending)
            committed.outbox = None
        return len(done)

    @abstractmethod
    def _forget(self, pending: dict) -> None:
        """Drop published outbox messages."""

    @abstractmethod
    def sweep(self, publisher, settle: timedelta = SETTLE) -> int:
        """Publish what a crashed or failed writer left behind (and repair what it left half
        done); returns the messages sent."""

    @abstractmethod
    def create_indexes(self) -> None:
        """The indexes this adapter's queries need."""

    @abstractmethod
    def _load(self, _id: str) -> dict:
        """The stored aggregate, bookkeeping included, or NotFound."""

    peek_is_latest = True  # whether `_peek` reads the latest version (else `_latest` is asked)

    def _peek(self, _id: str) -> dict:
        """The stored aggregate as the cheapest read has it (change() decides on it first; it
        may be behind the latest version where `_latest` says so), or NotFound."""
        return self._load(_id)

    def _latest(self, raw: dict) -> dict:
        """`raw` (as read or remembered) if it is the latest version, else the latest."""
        return self._load(raw["_id"])

    @abstractmethod
    def _commit(self, raw: dict, change: Change, message_id: str | None) -> Committed:
        """Commit `change` on top of `raw` (as loaded), or Conflict."""

    def _messages(
        self, change: Change | None, version: int, before: dict | None, after: dict
    ) -> list[dict]:
        """The change's outbox messages, and what it adds to the counters (services/common/
        tally.py), named by its claim: `<collection>:<aggregate id>:<version>`."""
        messages = change.messages(version) if change and change.messages else []
        if self.counts is not None:
            old = self.counts.contributions(public(before)) if before else {}
            rows = difference(old, self.counts.contributions(public(after)))
            if rows:
                claim = f"{self.name}:{after['_id']}:{version}"
                name = counts_name(self.db.name, self.counts.name)
                messages = [*messages, count_entry(name, claim, rows)]
        return messages


def views_of(name: str) -> str:
    """The collection of every view of the aggregate `name` (journal adapter)."""
    return f"{name}_views"


def view_id(view: str, key: str) -> str:
    """A view entry's `_id` in that collection: its view's name, then its key."""
    return f"{view}|{key}"


def journal_id(_id: str, version: int) -> str:
    return f"{_id}:{version:08d}"


OUTBOX = "~outbox"  # the key prefix of outbox entries in a journal collection (no id starts so)


def outbox_range() -> dict:
    """The `_id` range of the outbox entries in a journal collection."""
    return prefix_range(OUTBOX)


class JournalRepository(Repository):
    """Versioned documents that stay correct on a server whose conditional updates are not atomic
    (FerretDB 1.x; see the module docstring). Measured before this design: 825 "modified"
    answers for 258 applied changes with 4 processes and a version-filtered update_one.

    The document that queries read (the projection) is rewritten after the claim; whoever finds
    it behind the journal rolls it forward. Outbox entries are written just before the claim, in
    the same insert command, in the journal collection under the `~outbox|` prefix (so the
    sweeper reads them as one `_id` range), tied to the claim by their id, and deleted once the
    broker confirmed them.
    The views are one collection, `<name>_views`, whose `_id`s are `<view>|<key>`: rewritten
    after each claim, just before the projection, and again by whoever finds a newer journal
    entry after its writes."""

    def __init__(self, db, name, views=None, counts=None, recent=None):
        super().__init__(db, name, views, counts, recent)
        self.journal = db[f"{name}_journal"]
        self.legacy_outbox = db[f"{name}_outbox"]  # where outbox entries were kept before
        # every view's entries, keyed `<view>|<key>`: one command writes a version's views
        self.view_entries = db[views_of(name)]

    def _load(self, _id: str) -> dict:
        return self._caught_up(_id, find_grouped(self.collection, _id))

    peek_is_latest = False

    def _peek(self, _id: str) -> dict:
        """The projection alone (one read): behind its journal only while a writer is between
        its claim and its projection write, or died there."""
        doc = find_grouped(self.collection, _id)
        return doc if doc is not None else self._caught_up(_id, None)

    def _latest(self, raw: dict) -> dict:
        return self._caught_up(raw["_id"], raw)

    def _caught_up(self, _id: str, doc: dict | None) -> dict:
        """`doc` (the projection as read) rolled forward to the journal's last entry, projected
        again if it was behind; NotFound if there is neither."""
        rolled = self._roll_forward(_id, doc)
        if rolled is None:
            raise NotFound(_id)
        if doc is None or rolled["version"] != doc["version"]:
            rolled = self._project(rolled, doc)
        return rolled

    def get_many(self, ids: list[str]) -> dict[str, dict]:
        """Two reads: the projections, and whether any has a journal entry past it (those are
        rolled forward one by one, as get does)."""
        docs = {doc["_id"]: doc for doc in self.collection.find({"_id": {"$in": list(ids)}})}
        nexts = [journal_id(_id, doc["version"] + 1) for _id, doc in docs.items()]
        ahead = self.journal.find({"_id": {"$in": nexts}}, {"aggregate": 1}) if nexts else []
        for entry in ahead:
            docs[entry["aggregate"]] = self._load(entry["aggregate"])
        return {_id: public(doc) for _id, doc in docs.items()}

    def create(self, doc, messages=(), message_id=None, publisher=None):
        entry = {"set": {**doc, "applied": [message_id] if message_id else []}}
        messages = [*messages, *self._messages(None, 1, None, doc)]
        try:
            committed = self._claim(doc["_id"], None, entry, messages)
        except Conflict:
            # It exists — or an earlier attempt claimed it and lost the database before writing
            # its projection (found in a chaos run: the dossier was in no worklist): roll it now.
            self._load(doc["_id"])
            return None
        self.recent[doc["_id"]] = committed.stored
        self.publish(committed, publisher)
        return committed

    def _commit(self, raw, change, message_id):
        sets, pushes = merged(change)
        if message_id:
            pushes["applied"] = [message_id]
        entry = {"set": sets, "push": pushes}
        version = raw["version"] + 1
        after = apply_change(raw, sets, pushes, version)
        return self._claim(raw["_id"], raw, entry, self._messages(change, version, raw, after))

    def entries(self, _id: str) -> list[dict]:
        """The journal of one aggregate, oldest first (its audit trail)."""
        found, version = [], 1
        while entry := self.journal.find_one({"_id": journal_id(_id, version)}):
            found.append(entry)
            version += 1
        return found

    def _import(self, docs: list[dict]) -> list[dict]:
        ids = [journal_id(doc["_id"], 1) for doc in docs]
        there = {e["_id"] for e in self.journal.find({"_id": {"$in": ids}}, {"_id": 1})}
        docs = [doc for doc, _id in zip(docs, ids, strict=True) if _id not in there]
        stored = [apply_change(doc, {}, {}, 1, ()) for doc in docs]
        entries = [
            {"_id": journal_id(d["_id"], 1), "aggregate": d["_id"], "version": 1, "set": doc}
            for d, doc in zip(stored, docs, strict=True)
        ]
        new = set(insert_new(self.journal, entries))
        insert_new(self.collection, stored)
        insert_new(self.view_entries, [row for doc in docs for row in self._rows(doc)])
        return [doc for doc in stored if journal_id(doc["_id"], 1) in new]

    def rebuild_views(self, batch: int = 200) -> Iterator[int]:
        self.view_entries.drop()  # (FerretDB cannot delete_many a large collection)
        for name in self.views.names if self.views else ():
            self.db[name].drop()  # where a view was kept before (create_indexes)
        for done, docs in _batches(self.collection, batch):
            # rolled forward first: a projection may be behind its journal
            rows = [row for doc in docs for row in self._rows(self._load(doc["_id"]))]
            insert_new(self.view_entries, rows)
            yield done

    def _rows(self, doc: dict) -> list[dict]:
        """A document's view entries as stored: every view's, each keyed `<view>|<key>`."""
        if self.views is None:
            return []
        return [
            {**entry, "_id": view_id(name, key)}
            for name, found in self.views.entries(public(doc)).items()
            for key, entry in found.items()
        ]

    def compact(self, settled, before, batch=500, ids=None):
        """The journal of a settled aggregate is a second copy of its document, version by
        version; no writer can still be deciding on one of its versions. Its entries past the
        first are deleted and the first becomes a stub that still holds the claim on version 1
        (so a create delivered again stays a no-op). Projections behind their journal are left
        for their next load."""
        for done, docs in _batches(self.collection, batch, ids):
            due = [d for d in docs if (t := settled(public(d))) is not None and t < before]
            firsts = [journal_id(d["_id"], 1) for d in due]
            stubs = {e["_id"] for e in self.journal.find({"_id": {"$in": firsts}, "stub": True})}
            nexts = [journal_id(d["_id"], d["version"] + 1) for d in due]
            ahead = {
                e["aggregate"] for e in self.journal.find({"_id": {"$in": nexts}}, {"aggregate": 1})
            }
            removed = 0
            for d in due:
                if journal_id(d["_id"], 1) in stubs or d["_id"] in ahead:
                    continue
                later = [journal_id(d["_id"], v) for v in range(2, d["version"] + 1)]
                if later:
                    removed += self.journal.delete_many({"_id": {"$in": later}}).deleted_count
                stub = {"aggregate": d["_id"], "version": 1, "set": {}, "stub": True}
                self.journal.replace_one({"_id": journal_id(d["_id"], 1)}, stub)
            yield done, removed

    def find_view(self, name, bounds, limit=None):
        stored = {"$gte": f"{name}|", "$lt": f"{name}}}"}  # the whole view ('}' follows '|')
        stored.update({op: view_id(name, key) for op, key in bounds.items()})
        cursor = self.view_entries.find({"_id": stored}, limit=limit or 0)
        skip = len(name) + 1
        return [{**e, "_key": e["_id"][skip:], "_id": last_part(e["_id"])} for e in cursor]

    def _forget(self, pending: dict) -> None:
        """Published entries are deleted FORGET_BATCH at a time, and by the next sweep (which
        runs more often than an entry takes to be swept again): one delete for many changes.
        Those of a process that dies first are published again by a sweep, as an entry whose
        writer died before its publish is; every consumer ignores a message it applied."""
        published = _PUBLISHED.setdefault(f"{self.db.name}.{self.journal.name}", [])
        published.append(pending["_id"])
        if len(published) >= FORGET_BATCH:
            self._flush(published)

    def _flush(self, published: list[str]) -> None:
        ids, published[:] = list(published), []
        if ids:
            self.journal.delete_many({"_id": {"$in": ids}})

    def sweep(self, publisher, settle=SETTLE) -> int:
        """Outbox entries of changes that lost their claim (or whose writer died before claiming)
        are dropped; those of claimed changes are published and their aggregate rolled forward
        (its writer may have died before projecting)."""
        self._flush(_PUBLISHED.setdefault(f"{self.db.name}.{self.journal.name}", []))
        sent, now = 0, datetime.now(UTC)
        for pending in self.journal.find({"_id": outbox_range()}, limit=200):
            if now - pending["created_at"] < settle:
                continue
            claim = self.journal.find_one({"_id": pending["journal_id"]}, {"outbox_id": 1})
            if claim and claim.get("outbox_id") == pending["_id"]:
                sent += self.publish(Committed({}, outbox=pending), publisher)
                self._load(pending["aggregate"])
            elif claim or now - pending["created_at"] > 12 * settle:
                self.journal.delete_one({"_id": pending["_id"]})
        return sent

    def forget_counts(self) -> int:
        changed = 0
        for pending in self.journal.find({"_id": outbox_range()}):
            kept = [e for e in pending["entries"] if not is_count(e)]
            if len(kept) != len(pending["entries"]):
                self.journal.update_one({"_id": pending["_id"]}, {"$set": {"entries": kept}})
                changed += 1
        return changed

    def create_indexes(self) -> None:
        """Every query reads `_id` ranges: the primary key is the only index needed. What an
        older version kept elsewhere moves in (start the upgraded services with the old ones
        stopped): the entries of a view kept in a collection of its own, into `<name>_views`;
        outbox entries left in `<name>_outbox`, into the journal, for the sweeper (a message
        published twice is ignored by its consumers)."""
        there = set(self.db.list_collection_names())
        for name in self.views.names if self.views else ():
            if name in there:
                for _, rows in _batches(self.db[name], 1000):
                    moved = [{**e, "_id": view_id(name, e["_id"])} for e in rows]
                    insert_new(self.view_entries, moved)
                self.db[name].drop()
        if self.legacy_outbox.name not in there:
            return
        left = list(self.legacy_outbox.find({}))
        for e in left:  # the claims first: one killed half-way moves the rest at its next start
            self.journal.update_one(
                {"_id": e["journal_id"], "outbox_id": e["_id"]},
                {"$set": {"outbox_id": f"{OUTBOX}|{e['_id']}"}},
            )
        insert_new(self.journal, [{**e, "_id": f"{OUTBOX}|{e['_id']}"} for e in left])
        self.legacy_outbox.drop()

    def _claim(self, _id: str, doc: dict | None, entry: dict, outbox: list[dict]) -> Committed:
        version = (doc["version"] if doc else 0) + 1
        entry.update(_id=journal_id(_id, version), aggregate=_id, version=version)
        pending = None
        if outbox:
            pending = {
                "_id": f"{OUTBOX}|{entry['_id']}:{uuid.uuid4().hex[:12]}",
                "journal_id": entry["_id"],
                "aggregate": _id,
                "entries": outbox,
                "created_at": datetime.now(UTC),
            }
            entry["outbox_id"] = pending["_id"]
        # the outbox entry first: a claim is never there without it (the sweeper drops an
        # entry whose claim never came, or went to another writer)
        docs = [pending, entry] if pending else [entry]
        taken = _grouped(self.journal, _insert)(docs)
        if taken:
            if taken != [len(docs) - 1]:
                raise DuplicateKeyError(f"outbox entry {docs[0]['_id']} exists already")
            if pending:
                self.journal.delete_one({"_id": pending["_id"]})
            raise Conflict(_id)
        doc = self._project(self._apply(doc, entry), doc)
        return Committed(public(doc), changed=True, outbox=pending, stored=doc)

    @staticmethod
    def _apply(doc: dict | None, entry: dict) -> dict:
        return apply_change(doc or {}, entry["set"], entry.get("push", {}), entry["version"])

    def _roll_forward(self, _id: str, doc: dict | None) -> dict | None:
        version = doc["version"] if doc else 0
        while entry := find_grouped(self.journal, journal_id(_id, version + 1)):
            doc, version = self._apply(doc, entry), version + 1
        return doc

    def _project(self, doc: dict, previous: dict | None) -> dict:
        """Write `doc` (which follows `previous`) as its views, then as the projection unless the
        projection is at its version or later already. Views first: a writer that dies between
        the two leaves the projection behind its journal, which the next load rolls forward
        (views included); the other way round it would leave the views behind, and nothing finds
        those.

        The projection write is an update filtered on the version, atomic (on FerretDB with the
        local stack's atomic-update patch). If it applied, no later version was claimed before
        it: a writer claims version n + 1 only once the projection is at n or later (it decides
        on the projection, or rolls the journal forward and projects first). So no newer
        version's views were written before ours, and we are done. If it did not apply, a newer
        writer may have written its views before ours landed: look for the journal's next entry
        and write that again, views included."""
        while True:
            self._write_views(previous, doc)
            if _grouped(self.collection, put_if_newer)(doc):
                return doc
            newer = self._roll_forward(doc["_id"], doc)
            assert newer is not None  # it rolls forward from `doc`
            if newer["version"] == doc["version"]:
                return doc
            previous, doc = doc, newer

    def _write_views(self, previous: dict | None, doc: dict) -> None:
        """Make the views of `previous` those of `doc`: changed entries rewritten, gone ones
        deleted, every view's in one `update` and one `delete` command."""
        if self.views is None:
            return
        before = {row["_id"]: row for row in self._rows(previous)} if previous else {}
        after = {row["_id"]: row for row in self._rows(doc)}
        writes: list[tuple[str, dict | None]] = [
            (key, row) for key, row in after.items() if before.get(key) != row
        ]
        writes += [(key, None) for key in before.keys() - after.keys()]
        if writes:
            _grouped(self.view_entries, _write)(writes)


def _batches(collection, size: int, ids=None) -> Iterator[tuple[int, list[dict]]]:
    """Every document of a collection (or those of `ids`), `size` at a time, from one cursor
    (one pass, whatever the collection's size), with the count read so far."""
    done, docs = 0, []
    for doc in collection.find(
        {"_id": {"$in": list(ids)}} if ids is not None else {}, batch_size=size
    ):
        docs.append(doc)
        if len(docs) == size:
            done += len(docs)
            yield done, docs
            docs = []
    if docs:
        yield done + len(docs), docs


def _grouped(collection, run: Callable) -> Coalescer:
    """This process's coalesced calls of `run` on `collection`: those of concurrent workers
    that come while one is in flight are sent together as one command (group commit,
    services/common/coalesce.py)."""
    groups = _GROUPS.setdefault(collection.database.client, {})
    key = (collection.database.name, collection.name, run.__name__)
    if key not in groups:
        groups[key] = Coalescer(lambda items: run(collection, items))
    return groups[key]


def remembered() -> TTLCache:
    """Where a process keeps, for RECENT_FOR seconds, the aggregates of one collection it last
    wrote or read in `change()` (or created), as stored. `change()` decides on one first: if
    another process has moved the aggregate on since, the commit fails (its claim is taken) and
    the decision is taken again on the latest; a KEEP, or a message id found
    applied, holds for every later version too. So a message that follows its aggregate's last
    change within seconds (a delivery report, a dossier's next step) is decided without a read."""
    return TTLCache(RECENT_SIZE, RECENT_FOR)


def find_grouped(collection, _id: str) -> dict | None:
    """`collection.find_one({"_id": _id})`, sent together with the concurrent workers' reads
    of the same collection (group commit)."""
    return _grouped(collection, _find)(_id)


def insert_grouped(collection, doc: dict) -> bool:
    """Insert `doc`, False if its `_id` is taken already, sent together with the concurrent
    workers' inserts into the same collection (group commit)."""
    return not _grouped(collection, _insert)([doc])


def put_grouped(collection, doc: dict) -> None:
    """Replace or insert `doc` by its `_id`, sent together with the concurrent workers' writes
    to the same collection (group commit)."""
    _grouped(collection, _write)([(doc["_id"], doc)])


def _find(collection, ids: list[str]) -> list[dict | None]:
    """The documents of `ids` (None where there is none), read with one `find`."""
    if len(ids) == 1:
        return [collection.find_one({"_id": ids[0]})]
    found = {doc["_id"]: doc for doc in collection.find({"_id": {"$in": list(set(ids))}})}
    return [found.get(_id) for _id in ids]


def _insert(collection, items: list[list[dict]]) -> list[list[int]]:
    """Each item's documents inserted in order, all items' in one `insert` command; for each
    item, the positions in it of the documents whose `_id` was taken already. (FerretDB inserts
    a command's documents in one transaction or, when one is refused, one by one in order.)"""
    docs = [doc for item in items for doc in item]
    taken: set[int] = set()
    try:
        collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != 11000 for e in errors):
            raise
        taken = {e["index"] for e in errors}
    found, start = [], 0
    for item in items:
        found.append([i for i in range(len(item)) if start + i in taken])
        start += len(item)
    return found


def _write(collection, items: list[list[tuple[str, dict | None]]]) -> list[None]:
    """Each item's documents replaced or inserted, and the `_id`s given None deleted: one
    `update` and one `delete` command for all the items."""
    writes = [write for item in items for write in item]
    put_many(collection, [doc for _, doc in writes if doc is not None])
    drop_many(collection, [_id for _id, doc in writes if doc is None])
    return [None] * len(items)


class DocumentRepository(Repository):
    """Versioned documents on a server whose conditional update is atomic (MongoDB): each change
    is one `find_one_and_update` filtered on the version it was decided on, carrying its outbox
    messages (`_outbox`, removed once published) and its view keys (`_views.<name>`: the keys
    `views` gives the document, each view with a secondary index). Nothing is written after the
    update, so nothing can be left behind but unpublished messages, which `sweep` sends."""

    def _load(self, _id: str) -> dict:
        doc = self.collection.find_one({"_id": _id})
        if doc is None:
            raise NotFound(_id)
        return doc

    def get_many(self, ids: list[str]) -> dict[str, dict]:
        found = self.collection.find({"_id": {"$in": list(ids)}})
        return {doc["_id"]: public(doc) for doc in found}

    def _keys(self, doc: dict) -> dict[str, list[str]]:
        if self.views is None:
            return {}
        return {name: sorted(entries) for name, entries in self.views.entries(public(doc)).items()}

    @staticmethod
    def _pending(_id: str, messages: list[dict]) -> dict | None:
        if not messages:
            return None
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as stored: milliseconds
        return {"id": uuid.uuid4().hex, "of": _id, "entries": messages, "created_at": now}

    def create(self, doc, messages=(), message_id=None, publisher=None):
        pending = self._pending(doc["_id"], [*messages, *self._messages(None, 1, None, doc)])
        stored = apply_change(doc, {}, {}, 1, [message_id] if message_id else [])
        stored.update(_views=self._keys(stored), _outbox=[pending] if pending else [])
        try:
            self.collection.insert_one(stored)
        except DuplicateKeyError:
            return None
        committed = Committed(public(stored), changed=True, outbox=pending, stored=stored)
        self.recent[doc["_id"]] = stored
        self.publish(committed, publisher)
        return committed

    def _commit(self, raw, change, message_id):
        version = raw["version"] + 1
        sets, pushes = merged(change)
        applied = [message_id] if message_id else []
        new = apply_change(raw, sets, pushes, version, applied)
        pending = self._pending(raw["_id"], self._messages(change, version, raw, new))
        update: dict = {"$set": {**sets, "version": version, "_views": self._keys(new)}}
        appended = {**pushes, "applied": applied, "_outbox": [pending] if pending else []}
        appended = {k: {"$each": v} for k, v in appended.items() if v}
        if appended:
            update["$push"] = appended
        stored = self.collection.find_one_and_update(
            {"_id": raw["_id"], "version": raw["version"]},
            update,
            return_document=ReturnDocument.AFTER,
        )
        if stored is None:
            raise Conflict(raw["_id"])
        return Committed(public(stored), changed=True, outbox=pending, stored=stored)

    def _import(self, docs: list[dict]) -> list[dict]:
        stored = [apply_change(doc, {}, {}, 1, ()) for doc in docs]
        for doc in stored:
            doc.update(_views=self._keys(doc), _outbox=[])
        new = set(insert_new(self.collection, stored))
        return [doc for doc in stored if doc["_id"] in new]

    def rebuild_views(self, batch: int = 200) -> Iterator[int]:
        for done, docs in _batches(self.collection, batch):
            for doc in docs:
                keys = self._keys(doc)
                self.collection.update_one({"_id": doc["_id"]}, {"$set": {"_views": keys}})
            yield done

    def find_view(self, name, bounds, limit=None):
        path = f"_views.{name}"
        cursor = self.collection.find({path: bounds}).sort(path, ASCENDING).limit(limit or 0)
        found = []
        for doc in cursor:
            entries = self.views.entries(public(doc))[name]
            for key in sorted(k for k in entries if in_range(k, bounds)):
                found.append({**entries[key], "_key": key, "_id": doc["_id"]})
        found.sort(key=lambda e: e["_key"])
        return found[:limit] if limit else found

    def _forget(self, pending: dict) -> None:
        # the element itself, not a condition: FerretDB 1.x's $pull matches whole values only
        self.collection.update_one({"_id": pending["of"]}, {"$pull": {"_outbox": pending}})

    def sweep(self, publisher, settle=SETTLE) -> int:
        sent, now = 0, datetime.now(UTC)
        for doc in self.collection.find({"_outbox.id": {"$exists": True}}, limit=200):
            for pending in doc["_outbox"]:
                if now - pending["created_at"] >= settle:
                    sent += self.publish(Committed({}, outbox=pending), publisher)
        return sent

    def forget_counts(self) -> int:
        changed = 0
        for doc in self.collection.find({"_outbox.id": {"$exists": True}}):
            outbox = [
                {**p, "entries": [e for e in p["entries"] if not is_count(e)]}
                for p in doc["_outbox"]
            ]
            if outbox != doc["_outbox"]:
                self.collection.update_one({"_id": doc["_id"]}, {"$set": {"_outbox": outbox}})
                changed += 1
        return changed

    def create_indexes(self) -> None:
        self.collection.create_index("_outbox.id", sparse=True)
        for name in self.views.names if self.views else ():
            self.collection.create_index(f"_views.{name}")


ADAPTERS: dict[str, type[Repository]] = {
    "journal": JournalRepository,
    "document": DocumentRepository,
}
