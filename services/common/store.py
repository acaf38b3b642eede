"""MongoDB storage behind a nameko DependencyProvider: one client per container, the repository
adapter the deployment chose (services/common/repository.py), numbered sequences."""

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from nameko.extensions import DependencyProvider
from pymongo import MongoClient, monitoring
from pymongo.errors import PyMongoError

from services.common.repository import ADAPTERS, Repository, Views, insert_grouped, remembered
from services.common.tally import Counts, Tally

log = logging.getLogger(__name__)


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
    """The database commands a process has sent, by command name (find, insert, update, …), and
    the seconds they took, by command name and collection: what each service costs the database,
    exposed at /metrics as lienthong_db_commands_total and lienthong_db_command_seconds_total. A
    command slower than SLOW_SECONDS is logged with its collection, as a database's slow-query
    log would."""

    SLOW_SECONDS = 1.0

    def __init__(self):
        self.counts: Counter[str] = Counter()
        self.seconds: Counter[tuple[str, str]] = Counter()
        self._running: dict[tuple, tuple[str, str]] = {}

    def started(self, event):
        self.counts[event.command_name] += 1
        key = (event.connection_id, event.request_id)
        self._running[key] = (event.command_name, _collection(event.command_name, event.command))

    def succeeded(self, event):
        self._finished(event)

    def failed(self, event):
        self._finished(event, event.failure)

    def _finished(self, event, failure: dict | None = None):
        command = self._running.pop((event.connection_id, event.request_id), None)
        if command is None:
            return
        seconds = event.duration_micros / 1e6
        self.seconds[command] += seconds
        if seconds >= self.SLOW_SECONDS:
            outcome = "" if failure is None else f" and failed: {failure.get('errmsg', '')[-120:]}"
            log.warning("slow database command: %s on %s took %.2f s%s", *command, seconds, outcome)


def _collection(name: str, command) -> str:
    """The collection a command reads or writes ("" for a command on none, such as ping)."""
    target = command.get("collection") if name == "getMore" else command.get(name)
    return target if isinstance(target, str) else ""


class MongoStore(DependencyProvider):
    """Holds one MongoClient per container, counting its commands, and the repository adapter
    (`STORE_ADAPTER`: `journal`, the FerretDB-safe default, or `document` for MongoDB);
    subclasses name their aggregates' repositories and views and say which wrapper a worker
    gets."""

    database: str = ""
    repositories: dict[str, Views | None] = {}  # aggregate collection -> its read views
    counts: dict[str, Counts] = {}  # aggregate collection -> its counters (tally.py)
    # aggregate collection -> when a document stopped changing (None while it may still change):
    # its bookkeeping is compacted some time after (docs/retention.md)
    settled: dict[str, Callable[[dict], datetime | None]] = {}

    def setup(self):
        adapter = self.container.config.get("STORE_ADAPTER") or "journal"
        if adapter not in ADAPTERS:
            raise ValueError(f"STORE_ADAPTER {adapter!r} is not one of {sorted(ADAPTERS)}")
        self.adapter = ADAPTERS[adapter]
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
        self.tallies = {name: Tally(self.db, c.name) for name, c in self.counts.items()}
        # per aggregate collection: what this process last wrote or read of its aggregates
        self.recent = {name: remembered() for name in self.repositories}

    def repository(self, name: str) -> Repository:
        views, counts = self.repositories[name], self.counts.get(name)
        return self.adapter(self.db, name, views, counts, self.recent[name])

    def start(self):
        try:
            for name in self.repositories:
                self.repository(name).create_indexes()
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
    The last number this process took is kept per key, so a claim is one insert (sent together
    with the claims of the process's concurrent callers: group commit); for a key seen for the
    first time the numbers taken are read as one _id range, never by a scan."""

    def __init__(self, collection):
        self.collection = collection
        self.last: dict[str, int] = {}

    def next(self, key: str, limit: int = 9999) -> int:
        n = self.last[key] if key in self.last else self._last_taken(key, limit)
        n += 1
        while n <= limit:
            if insert_grouped(self.collection, {"_id": f"{key}-{n:05d}", "key": key, "n": n}):
                self.last[key] = max(n, self.last.get(key, 0))
                return n
            n += 1
        raise RuntimeError(f"no number left for {key}")

    def _last_taken(self, key: str, limit: int) -> int:
        """The highest number taken: one read of the key's _id range (the _id index), in one
        batch (at most `limit` small documents)."""
        bounds = {"_id": {"$gte": f"{key}-", "$lt": f"{key}."}}
        cursor = self.collection.find(bounds, {"n": 1}, batch_size=limit + 1)
        return max((doc["n"] for doc in cursor), default=0)
