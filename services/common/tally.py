"""Counters kept as the aggregates change, so that reports cost the same in a service's fifth
year as in its first week (docs/counters.md).

An aggregate's repository may declare `Counts`: a pure function giving what one document adds to
the counter rows (`{row key: {measure: n}}`). On each commit the repository puts the difference
between the document's contributions after and before the change in its outbox, as a count
message named by the change's claim (`<collection>:<aggregate id>:<version>`, unique). One folder
per service takes these messages from a single-active-consumer queue in batches and adds them to
the rows with `Tally.fold`.

`Tally.fold` is safe when killed between any two commands, and exact when a message is delivered
twice: each batch is first written as one fold entry (its claims and the absolute values of the
rows it changes, numbered; the insert of the number is the claim on it), then the rows are
replaced with those values. A folder that starts writes the last fold's values again (it may
have been cut off half way), and skips a message whose claim is in one of the last `KEEP` folds.
Rows whose measures are all zero are deleted, so a range of rows is never longer than what is
counted in it. `recount` compares the rows with the sum of every aggregate's contributions.
"""

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from services.common.writes import drop_many, put_many

log = logging.getLogger(__name__)

KEEP = 2000  # fold entries kept: a message delivered again is recognised within this many folds
FORGET_EVERY = 100  # folds between two clean-ups of the fold log
# The most row values one delete of old fold values removes. A bulk load's folds carry thousands
# of rows each (hundreds of KB): removed a hundred at a time, they held the database's write
# lock for 10-30 s after a 1,000,000-dossier load, and every other write of the service waited.
FORGET_ROWS = 2000
Rows = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Counts:
    """An aggregate's counters: the rows collection they live in (`<name>`, with its fold log
    `<name>_folds`) and `contributions(doc)`, what one document adds to them."""

    name: str
    contributions: Callable[[dict], Rows]


def add(total: Rows, rows: Rows, sign: int = 1) -> Rows:
    """`total` with `rows` added (or taken away), in place; zero measures and empty rows dropped."""
    for key, measures in rows.items():
        row = total.setdefault(key, {})
        for measure, n in measures.items():
            row[measure] = row.get(measure, 0) + sign * n
            if row[measure] == 0:
                del row[measure]
        if not row:
            del total[key]
    return total


def difference(before: Rows, after: Rows) -> Rows:
    """What changes in the rows when a document's contributions go from `before` to `after`."""
    return add(add({}, after), before, -1)


def total(docs: Iterable[dict], contributions: Callable[[dict], Rows]) -> Rows:
    """The rows as the sum of every document's contributions."""
    rows: Rows = {}
    for doc in docs:
        add(rows, contributions(doc))
    return rows


def fold_id(n: int) -> str:
    return f"{n:012d}"


class Conflict(Exception):
    """Another folder claimed the fold number first: take state again and retry."""


class Tally:
    """The counter rows of one aggregate in one database, and their fold log."""

    def __init__(self, db, name: str):
        self.rows = db[name]
        self.folds = db[f"{name}_folds"]  # the fold entries: number, claims, where the values are
        self.values = db[f"{name}_fold_values"]  # each fold's row values, by a token of its own
        self.hint = db[f"{name}_head"]  # the last fold number known (a hint: folds may follow)
        self.head: int | None = None  # the last fold number, once recovered
        self.seen: dict[str, int] = {}  # claim -> fold number, for the last KEEP folds
        # (values id, rows) of the folds whose values may still be stored, oldest first: only the
        # last fold's are ever read again (by `recover`)
        self.stored_values: list[tuple[str, int]] = []

    # reading
    def read(self, bounds: dict) -> dict[str, dict[str, int]]:
        """The rows whose keys lie in `bounds` (an `_id` range or `$in`), {key: measures}."""
        return {row["_id"]: row.get("m", {}) for row in self.rows.find({"_id": bounds})}

    def all(self) -> Rows:
        return {row["_id"]: row.get("m", {}) for row in self.rows.find({})}

    # writing (one folder at a time; see the module docstring)
    def recover(self) -> int:
        """Find the last fold, write its rows again (its folder may have died half way) and
        remember the claims of the last KEEP folds; the last fold's number."""
        hint = self.hint.find_one({"_id": "head"})
        n, last = (hint["n"], None) if hint else (0, None)
        while entry := self.folds.find_one({"_id": fold_id(n + 1)}):
            n, last = n + 1, entry
        if last is None and n:
            last = self.folds.find_one({"_id": fold_id(n)})
        self.head, self.seen, self.stored_values = n, {}, []
        if last is not None:
            values = self.values.find_one({"_id": last["values_id"]})
            self._write(values["rows"] if values else {})
            first = fold_id(max(0, n - KEEP))
            fields = {"claims": 1, "n": 1, "values_id": 1, "rows": 1}
            for entry in self.folds.find({"_id": {"$gt": first}}, fields).sort("_id", 1):
                self.seen.update(dict.fromkeys(entry["claims"], entry["n"]))
                # a fold written before the entries said their size: taken as a big one
                self.stored_values.append((entry["values_id"], entry.get("rows", FORGET_ROWS)))
        return self.head

    def fold(self, messages: Iterable[tuple[str, Rows]], now: datetime | None = None) -> int:
        """Add each (claim, rows difference) not folded before; how many were new. Conflict if
        another folder took the next fold number (call `recover`, then fold again)."""
        if self.head is None:
            self.recover()
        assert self.head is not None
        claims: list[str] = []
        change: Rows = {}
        for claim, rows in messages:
            if claim in self.seen or claim in claims:
                continue
            claims.append(claim)
            add(change, rows)
        if not claims:
            return 0
        current = self.read({"$in": sorted(change)}) if change else {}
        values = {
            key: add({key: dict(current.get(key, {}))}, {key: delta}).get(key, {})
            for key, delta in change.items()
        }
        n = self.head + 1
        values_id = f"{fold_id(n)}:{uuid.uuid4().hex[:12]}"
        self.values.insert_one({"_id": values_id, "rows": values})
        entry = {
            "_id": fold_id(n),
            "n": n,
            "claims": claims,
            "values_id": values_id,
            "rows": len(values),
            "at": now or datetime.now(UTC),
        }
        try:
            self.folds.insert_one(entry)
        except DuplicateKeyError:
            self.values.delete_one({"_id": values_id})
            self.head = None
            raise Conflict(n) from None
        self._write(values)
        self.hint.replace_one({"_id": "head"}, {"_id": "head", "n": n}, upsert=True)
        self.head = n
        self.seen.update(dict.fromkeys(claims, n))
        self.stored_values.append((values_id, len(values)))
        if n % FORGET_EVERY == 0:
            self._forget(n - KEEP)
        return len(claims)

    def _write(self, values: Rows) -> None:
        """Make the rows `values` say (a row with no measure is deleted): one delete, and one
        update command that replaces or inserts the others."""
        drop_many(self.rows, [key for key, m in values.items() if not m])
        put_many(self.rows, [{"_id": key, "m": m} for key, m in values.items() if m])

    def fold_rows(self, rows: Rows, claim: str, chunk: int = 2000) -> int:
        """Add a bulk load's rows (`claim`: the load's name, once per load), `chunk` rows per
        fold, taking turns with the service's folder; the folds made."""
        keys, folds = sorted(rows), 0
        for i in range(0, len(keys), chunk):
            part = [(f"{claim}:{i // chunk}", {k: rows[k] for k in keys[i : i + chunk]})]
            while True:
                try:
                    self.fold(part)
                    break
                except Conflict:
                    self.recover()
            folds += 1
        return folds

    def _forget(self, before: int) -> None:
        """Drop the values of every fold but the last, a range of them at a time of at most
        FORGET_ROWS rows (one fold's values if it has more), so that no delete holds the database
        long; and the fold entries older than `before` with their claims (kept: KEEP folds)."""
        old, self.stored_values = self.stored_values[:-1], self.stored_values[-1:]
        for first, last in _ranges(old, FORGET_ROWS):
            # a range of _id: the values of these folds, and any a lost race left between them
            self.values.delete_many({"_id": {"$gte": first, "$lte": last}})
        if before > 0:
            self.folds.delete_many({"_id": {"$lt": fold_id(before)}})
            self.seen = {claim: n for claim, n in self.seen.items() if n >= before}

    def reset(self) -> None:
        """Forget every fold (a repair rewrote the rows from the aggregates)."""
        for collection in (self.folds, self.values, self.hint):
            collection.drop()
        self.head, self.seen = None, {}

    def replace(self, rows: Rows) -> None:
        """Make the stored rows exactly `rows` (a repair by `make recount --repair`, with the
        services stopped): changed rows rewritten, missing ones written, others deleted."""
        stored = self.all()
        values = {
            key: rows.get(key, {})
            for key in stored.keys() | rows.keys()
            if rows.get(key, {}) != stored.get(key, {})
        }
        self._write(values)


def _ranges(values: list[tuple[str, int]], most: int) -> list[tuple[str, str]]:
    """The (first id, last id) of consecutive runs of `values` ((id, rows), in id order) that
    hold at most `most` rows together; a single one that holds more is a run of its own."""
    runs: list[tuple[str, str, int]] = []  # first id, last id, rows
    for values_id, n in values:
        if runs and runs[-1][2] + n <= most:
            first, _, rows = runs[-1]
            runs[-1] = (first, values_id, rows + n)
        else:
            runs.append((values_id, values_id, n))
    return [(first, last) for first, last, _ in runs]


def compare(stored: Rows, expected: Rows) -> dict[str, dict[str, tuple[int, int]]]:
    """The rows that differ: {key: {measure: (stored, expected)}}; empty when they agree."""
    found = {}
    for key in stored.keys() | expected.keys():
        a, b = stored.get(key, {}), expected.get(key, {})
        diff = {
            m: (a.get(m, 0), b.get(m, 0)) for m in a.keys() | b.keys() if a.get(m, 0) != b.get(m, 0)
        }
        if diff:
            found[key] = diff
    return found


def fold_from(queue, tally: Tally, limit: int = 1000, wait: float = 0.5) -> int:
    """One round of a service's folder: take up to `limit` count messages from `queue` (a
    messaging.BatchQueue), fold them into `tally`, then ack them; the number newly counted.
    On any failure the queue's connection is dropped, so the broker delivers them again (their
    claims keep them from counting twice)."""
    if tally.head is None:
        tally.recover()
    messages = queue.take(limit, wait)
    if not messages:
        return 0
    items = [(m.payload["claim"], m.payload["rows"]) for m in messages]
    try:
        try:
            new = tally.fold(items)
        except Conflict:  # another folder got ahead (a failover): take its state and fold again
            tally.recover()
            new = tally.fold(items)
    except Exception:
        # The batch must come again, and must not be acked by a later batch's ack (one ack
        # covers every delivery before it: found in a chaos run, counts lost across a database
        # restart). The next fold starts from what is stored, a half-written fold included.
        queue.abandon()
        tally.head = None
        raise
    queue.ack(messages)
    return new
