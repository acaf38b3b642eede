"""The portal-sync nameko service: keeps each dossier's record as the national portal must see it
(from the receipts, workflow, postal and payment events on the bus) and pushes it, whole and
versioned, at most PORTAL_PUSH_RATE pushes a second; a push that fails is tried again with a
growing pause, and parked as failed after record.MAX_ATTEMPTS. Entrypoints are thin; what an
event changes and what an answer does are in record.py."""

import logging
import time
from collections.abc import Mapping

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
from services.common.messaging import event_handler
from services.common.repository import Change, NotFound
from services.common.rpc import rpc
from services.portal_sync import record
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
    portal = Portal()
    clock = Clock()
    config = Config()

    def _on_event(self, source: str, body) -> None:
        envelope, payload = load_message(body, SCHEMAS[source])
        now = self.clock.now()
        if envelope["type"] == "dossier_received":
            sync = record.new_sync(envelope, payload, load_offices(), now)
            self.store.syncs.create(sync, [], envelope["message_id"])
            return
        calendar = WorkingCalendar()

        def change(s: dict) -> Change | None:
            changes = record.apply(s, source, envelope, payload, calendar, now)
            return Change(changes) if changes else None

        # NotFound (its receipt not seen yet): retried, then parked (make dlq)
        self.store.syncs.change(envelope["dossier_code"], change, envelope["message_id"])

    def _push(self, code: str) -> None:
        now = self.clock.now()

        def claim(s: dict) -> Change | None:
            leased = record.lease(s, now)
            return Change(leased) if leased else None

        claimed = self.store.syncs.change(code, claim)
        if not claimed.changed:
            return  # not due any more, or another process is pushing it
        body = record.body(claimed.doc)
        self.portal.spend()
        answer = self.portal.client.push(body)
        now = self.clock.now()
        if answer.stored:
            decide = lambda s: record.pushed(s, answer.version, now)  # noqa: E731
        else:
            log.warning("portal push of %s v%s failed: %s", code, body["version"], answer.reason)
            decide = lambda s: record.push_failed(s, answer.reason, now, answer.retry_after)  # noqa: E731
        self.store.syncs.change(code, lambda s: Change(decide(s)), after=claimed)

    @timer(interval=1)
    def push_due(self):
        """Push the records due, within this second's budget."""
        budget = self.portal.budget()
        if budget < 1:
            return
        for code in self.store.due(self.clock.now(), budget):
            self._push(code)

    @rpc
    def status(self, code: str) -> dict:
        """A dossier's sync: pending, synced at version N, or failed with its reason."""
        try:
            return record.status_of(self.store.syncs.get(code))
        except NotFound:
            raise NotFoundError("unknown_dossier", f"portal sync has no dossier {code}") from None


def _handler(source: str, event: str):
    """The entrypoint for one event of record.CHANGES."""

    @event_handler(source, event)
    def handle(self, body):
        self._on_event(source, body)

    handle.__name__ = handle.__qualname__ = f"on_{source}_{event}"
    return handle


for _source, _events in record.CHANGES.items():
    for _event, _changes in _events.items():
        if _changes:
            setattr(PortalSyncService, f"on_{_source}_{_event}", _handler(_source, _event))
