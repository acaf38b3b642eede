"""The portal-sync nameko service: keeps each dossier's record as the national portal must see it
(from the receipts, workflow, postal and payment events on the bus) and pushes it, whole and
versioned, at most PORTAL_PUSH_RATE pushes a second; a push that fails is tried again with a
growing pause, and parked as failed after record.MAX_ATTEMPTS. An event is held unacknowledged
in this process until it is folded with the dossier's other recent events into one version and
one push (inbox.py); one that cannot be folded yet (its receipt has not come) waits in the inbox
collection. Entrypoints are thin; what an event changes and what an answer does are in
record.py."""

import logging
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import eventlet
from marshmallow import Schema
from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from nameko.timer import timer

from contracts.calendar import WorkingCalendar
from contracts.envelope import load_message
from contracts.errors import NotFoundError
from contracts.events import INTAKE_EVENTS, PAYMENT_EVENTS, POSTAL_EVENTS, ROUTING_EVENTS
from contracts.feedback import FEEDBACK_EVENTS
from contracts.offices import load_offices
from services.common import observability
from services.common.clock import Clock
from services.common.messaging import Held, hold_handler
from services.common.repository import Change, Committed, NotFound
from services.common.rpc import rpc
from services.portal_sync import inbox, record
from services.portal_sync.portal import PortalClient
from services.portal_sync.store import SyncStore

log = logging.getLogger(__name__)
SCHEMAS: dict[str, Mapping[str, Schema]] = {
    "intake": INTAKE_EVENTS,
    "routing": ROUTING_EVENTS,
    "postal": POSTAL_EVENTS,
    "payment": PAYMENT_EVENTS,
    "feedback": FEEDBACK_EVENTS,
}
INBOX_BATCH = 2000  # inbox entries read at a time, the oldest first
FOLDS_AT_ONCE = 10  # dossiers folded and pushed side by side
HANDED_ON, WAITING, NO_RECEIPT = "handed on", "waiting", "no receipt"  # what a fold did


class HeldEvents(DependencyProvider):
    """The events this process holds unacknowledged until they are folded: inbox entries (made
    when they came), each with its message's `Held`."""

    def setup(self):
        # by the entry object, not its key: a message published twice (an outbox sent again)
        # can come twice within the same millisecond, and each delivery must be acknowledged
        self.held: dict[int, tuple[dict, Held]] = {}

    def add(self, entry: dict) -> Held:
        held = Held()
        self.held[id(entry)] = (entry, held)
        return held

    def entries(self) -> list[dict]:
        return [entry for entry, _ in self.held.values()]

    def release(self, entries: list[dict]) -> None:
        """The events of `entries` are handed on, or stored elsewhere: acknowledge them."""
        for entry in entries:
            found = self.held.pop(id(entry), None)
            if found is not None:
                found[1].release()

    def get_dependency(self, worker_ctx):
        return self


class Portal(DependencyProvider):
    """The portal's client, and this process's budget of pushes (a token bucket)."""

    def setup(self):
        config = self.container.config
        self.client = PortalClient(
            config["PORTAL_URL"],
            config["PORTAL_API_KEY"],
            float(config.get("PORTAL_TIMEOUT", 10)),
        )
        self.rate = float(config.get("PORTAL_PUSH_RATE", 20))
        self.tokens, self.refilled = self.rate, time.monotonic()

    def budget(self) -> int:
        """How many pushes this process may make now (never more than a second's worth)."""
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.refilled) * self.rate)
        self.refilled = now
        return int(self.tokens)

    def spend(self) -> None:
        self.tokens -= 1

    def get_dependency(self, worker_ctx):
        return self


class PortalSyncService(observability.Observed):
    name = "portal_sync"

    store = SyncStore()
    held = HeldEvents()
    portal = Portal()
    clock = Clock()
    config = Config()

    def _on_event(self, source: str, body) -> Held:
        load_message(body, SCHEMAS[source])  # a body that does not load is parked now, not later
        return self.held.add(inbox.entry(datetime.now(UTC), source, body))

    @timer(interval=1)
    def push_due(self):
        """Fold the events that have waited long enough into their records and push those, then
        the pushes due again after a failure or a resync: within this second's budget."""
        self._fold_held()
        self._fold_stored()
        budget = self.portal.budget()
        if budget >= 1:
            for code in self.store.due(self.clock.now(), budget):
                self._push(code)

    def _fold_held(self) -> None:
        """The events held in this process. Those whose receipt has not come, or whose fold
        failed, go to the inbox collection and are acknowledged."""
        for entries, outcome in self._folded(self.held.entries()):
            if outcome in (None, NO_RECEIPT):
                self.store.put(entries)
            if outcome != WAITING:
                self.held.release(entries)

    def _fold_stored(self) -> None:
        """The events in the inbox collection: deleted once handed on, parked once orphaned."""
        done = []
        try:
            for entries, outcome in self._folded(self.store.waiting(INBOX_BATCH)):
                if outcome == HANDED_ON:
                    done.extend(entries)
                elif outcome == NO_RECEIPT and inbox.orphaned(entries, datetime.now(UTC)):
                    log.error("portal sync: %d events of %s came without its receipt: parked "
                              "(make portal-status)", len(entries), entries[0]["code"])  # fmt: skip
                    self.store.park(entries)
        finally:
            self.store.drop(done)  # one delete for all (one left behind is folded again)

    def _folded(self, entries: list[dict]) -> Iterator[tuple[list[dict], str | None]]:
        """Fold the dossiers of `entries` that are ready, as many as this second's budget of
        pushes allows, FOLDS_AT_ONCE at a time (their commands then go to the database
        together: services/common/coalesce.py): each one's entries, and what its fold did
        (None: it failed, logged)."""
        ready = list(inbox.ready(entries, datetime.now(UTC)).items())[: self.portal.budget()]
        folds = eventlet.GreenPool(FOLDS_AT_ONCE).imap(self._try_fold, ready)
        for (_, mine), outcome in zip(ready, folds, strict=True):
            yield mine, outcome

    def _try_fold(self, ready: tuple[str, list[dict]]) -> str | None:
        code, entries = ready
        try:
            return self._fold(code, entries)
        except Exception:  # one dossier's trouble (logged) must not hold up the others
            log.exception("portal sync: could not fold the events of %s", code)
            return None

    def _fold(self, code: str, entries: list[dict]) -> str:
        """One dossier's waiting events into its record (made by its receipt), one version; its
        push at once if that version took the lease. HANDED_ON if what they changed is pushed,
        parked or queued for a retry; WAITING if another process is pushing the record; or
        NO_RECEIPT."""
        events = [(e["source"], *load_message(e["body"], SCHEMAS[e["source"]])) for e in entries]
        now, calendar = self.clock.now(), WorkingCalendar()
        leased = False
        committed = None
        receipt = next((e for e in events if e[1]["type"] == "dossier_received"), None)
        if receipt is not None:
            sync = record.new_sync(receipt[1], receipt[2], load_offices(), now)
            sync.update(record.fold(sync, events, calendar, now))
            committed = self.store.syncs.create(sync)
            leased = committed is not None
        if committed is None:

            def decide(s: dict) -> Change | None:
                nonlocal leased
                changes = record.fold(s, events, calendar, now)
                leased = "lease_until" in changes
                return Change(changes) if changes else None

            try:
                committed = self.store.syncs.change(code, decide)
            except NotFound:
                return NO_RECEIPT  # still on its way
            leased = leased and committed.changed
        if leased:
            committed = self._send(code, committed)
        return HANDED_ON if record.handed_on(committed.doc) else WAITING

    def _push(self, code: str) -> None:
        """A push due in the queue view (a try after a failure, or a resync)."""
        now = self.clock.now()

        def claim(s: dict) -> Change | None:
            leased = record.lease(s, now)
            return Change(leased) if leased else None

        claimed = self.store.syncs.change(code, claim)
        if claimed.changed:  # else not due any more, or another process is pushing it
            self._send(code, claimed)

    def _send(self, code: str, claimed: Committed) -> Committed:
        """Push the record this process has just leased, and write down the portal's answer."""
        body = record.body(claimed.doc)
        self.portal.spend()
        answer = self.portal.client.push(body)
        now = self.clock.now()
        if answer.stored:
            decide = lambda s: record.pushed(s, answer.version, now)  # noqa: E731
        else:
            log.warning("portal push of %s v%s failed: %s", code, body["version"], answer.reason)
            decide = lambda s: record.push_failed(s, answer.reason, now, answer.retry_after)  # noqa: E731
        return self.store.syncs.change(code, lambda s: Change(decide(s)))

    @rpc
    def status(self, code: str) -> dict:
        """A dossier's sync: pending, synced at version N, or failed with its reason."""
        try:
            return record.status_of(self.store.syncs.get(code))
        except NotFound:
            raise NotFoundError("unknown_dossier", f"portal sync has no dossier {code}") from None


def _handler(source: str, event: str):
    """The entrypoint for one event of record.CHANGES."""

    @hold_handler(source, event)
    def handle(self, body):
        return self._on_event(source, body)

    handle.__name__ = handle.__qualname__ = f"on_{source}_{event}"
    return handle


for _source, _events in record.CHANGES.items():
    for _event, _changes in _events.items():
        if _changes:
            setattr(PortalSyncService, f"on_{_source}_{_event}", _handler(_source, _event))
