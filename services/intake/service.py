"""The intake nameko service: thin entrypoints over domain.py and the store."""

from nameko.dependency_providers import Config
from nameko.timer import timer

from contracts.calendar import WorkingCalendar
from contracts.errors import NotFoundError
from contracts.offices import load_offices
from contracts.procedures import load_procedures
from services.common import observability
from services.common.clock import Clock
from services.common.messaging import OutboxPublisher, event_entry
from services.common.rpc import rpc
from services.common.store import NotFound, flush_outbox, sweep_outbox
from services.intake import domain
from services.intake.store import IntakeStore


class IntakeService(observability.Observed):
    name = "intake"

    store = IntakeStore()
    outbox = OutboxPublisher()
    clock = Clock()
    config = Config()

    @rpc
    def receive(self, body: dict, officer: dict) -> dict:
        """Receive a dossier at the officer's counter; returns the receipt."""
        calendar = WorkingCalendar()
        request, procedure, office, steps = domain.check_request(
            body, officer, load_offices(), load_procedures()
        )
        now = self.clock.now()
        day = now.astimezone(calendar.tz).strftime("%y%m%d")
        number = self.store.next_number(office.id, day)
        receipt, envelope = domain.build_receipt(
            request, procedure, office, steps, number, now, calendar, officer
        )
        entries = [event_entry(self.name, envelope)]
        saved = self.store.receipts.create(receipt, entries)
        flush_outbox(self.store.receipts, self.outbox, saved.outbox)
        return {k: v for k, v in receipt.items() if k != "_id"}

    @rpc
    def get_receipt(self, code: str) -> dict:
        try:
            doc = self.store.receipts.get(code)
        except NotFound:
            raise NotFoundError("unknown_dossier", f"no dossier {code}") from None
        doc.pop("applied", None)
        doc["code"] = doc.pop("_id")
        return doc

    @timer(interval=5)
    def sweep(self):
        sweep_outbox(self.store.receipts, self.outbox)
