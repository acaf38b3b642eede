"""The intake nameko service: thin entrypoints over domain.py and the store."""

from datetime import datetime

from nameko.dependency_providers import Config
from nameko.timer import timer

from contracts.calendar import WorkingCalendar
from contracts.codes import parse_code
from contracts.errors import NotFoundError, Unavailable
from contracts.offices import load_offices
from contracts.procedures import load_procedures
from services.common import observability
from services.common.clock import Clock
from services.common.messaging import OutboxPublisher, event_entry
from services.common.repository import NotFound
from services.common.rpc import rpc
from services.intake import domain
from services.intake.store import IntakeStore


def _public(receipt: dict) -> dict:
    """A receipt as the API gives it: its code is `code`."""
    return {k: v for k, v in receipt.items() if k != "_id"}


class IntakeService(observability.Observed):
    name = "intake"

    store = IntakeStore()
    outbox = OutboxPublisher()
    clock = Clock()
    config = Config()

    @rpc
    def receive(self, body: dict, officer: dict, request_key: str | None = None) -> dict:
        """Receive a dossier at the officer's counter; returns the receipt. With a request key
        (the client's Idempotency-Key) a repeated request returns the first one's receipt, so a
        client that lost the answer may ask again without making a second dossier."""
        return self._receive(body, officer, request_key)

    @rpc
    def submit_online(self, submission: dict, phone: str, request_key: str | None = None) -> dict:
        """Register a dossier a citizen filed online (contracts.documents.OnlineSubmissionSchema,
        loaded by the gateway) at the counter it names, with the phone proved by SMS: its code
        at once, national status 1, to check at that counter."""
        body, desk = domain.online_request(submission, phone)
        return self._receive(body, desk, request_key)

    def _receive(self, body: dict, officer: dict, request_key: str | None) -> dict:
        calendar = WorkingCalendar()
        request, procedure, office, steps = domain.check_request(
            body, officer, load_offices(), load_procedures()
        )
        now = self.clock.now()
        request_id = f"{office.id}:{request_key}" if request_key else None
        code = self.store.requested_code(request_id) if request_id else None
        if code is None:
            day = now.astimezone(calendar.tz).strftime("%y%m%d")
            number = self.store.next_number(office.id, day)
            receipt, envelope = domain.build_receipt(
                request, procedure, office, steps, number, now, calendar, officer
            )
            if request_id is None:
                return self._store_receipt(receipt, envelope)
            code = self.store.claim_request(request_id, receipt["_id"])
            if code == receipt["_id"]:
                return self._store_receipt(receipt, envelope)
            # another attempt of this request won the key: answer with its dossier, store nothing
            # of ours (our number stays unused)
            if code is None:
                raise Unavailable("request_in_doubt", f"request {request_key}: try again")
        try:
            return _public(self.store.receipts.get(code))
        except NotFound:  # the first attempt died between claiming the code and storing it
            pass
        receipt, envelope = domain.build_receipt(
            request, procedure, office, steps, parse_code(code).number, now, calendar, officer
        )
        if receipt["_id"] != code:  # the day changed in between: the code cannot be rebuilt
            raise Unavailable("request_in_doubt", f"request {request_key} was given {code}")
        return self._store_receipt(receipt, envelope)

    def _store_receipt(self, receipt: dict, envelope: dict) -> dict:
        entry = event_entry(self.name, envelope)
        saved = self.store.receipts.create(receipt, [entry], publisher=self.outbox)
        if saved is None:  # a concurrent attempt of the same request stored it first
            return _public(self.store.receipts.get(receipt["_id"]))
        return _public(receipt)

    @rpc
    def get_receipt(self, code: str) -> dict:
        try:
            doc = self.store.receipts.get(code)
        except NotFound:
            raise NotFoundError("unknown_dossier", f"no dossier {code}") from None
        doc["code"] = doc.pop("_id")
        return doc

    @rpc
    def book(self, office_id: str, start: str, end: str, limit: int, after=None) -> dict:
        """A page of a counter's tracking book (form 07) for [start, end) (ISO instants):
        {entries, next}."""
        rows, following = self.store.book(
            office_id, datetime.fromisoformat(start), datetime.fromisoformat(end), limit, after
        )
        return {"entries": rows, "next": following}

    @timer(interval=5)
    def sweep(self):
        self.store.receipts.sweep(self.outbox)
