"""The routing nameko service: consumes receipts and liaison transfers, takes officer actions,
raises deadline alerts. Entrypoints are thin; decisions come from domain.py."""

from datetime import date, timedelta

from kombu import Queue
from marshmallow import ValidationError
from nameko.dependency_providers import Config
from nameko.timer import timer

from contracts.api import ActionRequestSchema, OfficerSchema
from contracts.calendar import WorkingCalendar, period
from contracts.documents import DOCUMENT_EVENTS
from contracts.envelope import load_message, make_envelope
from contracts.errors import InvalidInput, NotFoundError
from contracts.events import (
    INTAKE_EVENTS,
    PAYMENT_EVENTS,
    POSTAL_EVENTS,
    TRANSFERS,
    TransferSchema,
    WorkflowEventSchema,
)
from contracts.offices import load_offices
from services.common import metrics, observability
from services.common.clock import Clock
from services.common.messaging import (
    LIAISON_EXCHANGE,
    QUORUM,
    BatchQueue,
    OutboxPublisher,
    ReliableConsumer,
    event_entry,
    event_handler,
    service_counts_queue,
    transfer_entry,
)
from services.common.repository import Change, NotFound
from services.common.rpc import rpc
from services.common.tally import fold_from
from services.routing import domain, stats, views
from services.routing.store import COUNTS, RoutingStore

# built once per process: building a schema costs more than a load or dump with it
_WORKFLOW_EVENT, _TRANSFER = WorkflowEventSchema(), TransferSchema()


def liaison_queue(level: str, province: str | None = None) -> Queue:
    """One durable quorum queue per level, as declared in deploy/rabbitmq/definitions.json. Bound
    to every transfer of the level, or, when a province runs its own broker (LIAISON_PROVINCE),
    to the transfers to that province's offices only (routing keys <level>.<province>.…)."""
    return Queue(
        f"liaison.{level}",
        exchange=LIAISON_EXCHANGE,
        routing_key=f"{level}.{province}.#" if province else f"{level}.#",
        durable=True,
        queue_arguments=QUORUM,
    )


class LiaisonConsumer(ReliableConsumer):
    """Consumes one level's liaison queue, scoped to LIAISON_PROVINCE when that is set."""

    def __init__(self, level: str, **kwargs):
        self.level = level
        super().__init__(queue=liaison_queue(level), **kwargs)

    def setup(self):
        province = self.container.config.get("LIAISON_PROVINCE") or None
        self.queue = liaison_queue(self.level, province)
        super().setup()


consume_liaison = LiaisonConsumer.decorator


def outbox_entries(
    d: dict, decision: domain.Decision, now, sequence: int, correlation_id=None
) -> list[dict]:
    """The messages a decision causes, as outbox entries (events, then transfers), numbered with
    the dossier's version after the change (`sequence`)."""
    entries = []
    for type_, payload in decision.events:
        body = _WORKFLOW_EVENT.dump(payload)
        envelope = make_envelope(type_, d["_id"], sequence, body, now, correlation_id)
        entries.append(event_entry("routing", envelope))
    offices = load_offices()
    route = decision.changes.get("route", d["route"])
    for to_office, direction, step_index, handover in decision.transfers:
        body = _TRANSFER.dump(
            {
                "code": d["_id"],
                "procedure_code": d["procedure_code"],
                "direction": direction,
                "step_index": step_index,
                "to_office_id": to_office,
                "step_due_at": route[step_index]["due_at"],
                "route": route,
                "handover": handover,
            }
        )
        envelope = make_envelope("dossier_transfer", d["_id"], sequence, body, now, correlation_id)
        entries.append(transfer_entry(offices.routing_key(to_office), envelope))
    return entries


def dossier_gauges(store, now) -> list[metrics.Sample]:
    """Dossiers by state, and those past their current step's due: from the counters."""
    rows = {}
    for bounds in stats.gauge_ranges(now):
        rows.update(store.tallies["dossiers"].read(bounds))
    by_state, overdue = stats.gauges(rows, now)
    samples = [metrics.sample("dossiers", n, state=s) for s, n in by_state.items()]
    return [*samples, metrics.sample("dossiers_overdue", overdue)]


class RoutingService(observability.Observed):
    name = "routing"
    gauges = (dossier_gauges,)

    store = RoutingStore()
    outbox = OutboxPublisher()
    counts = BatchQueue(service_counts_queue(RoutingStore.database, COUNTS.name))
    clock = Clock()
    config = Config()

    def _decide(self, code: str, decide, message_id=None, correlation_id=None) -> dict:
        """Load, decide, commit and publish what the decision caused (the repository retries a
        decision that lost a race and ignores a message applied before)."""

        def change(d: dict) -> Change | None:
            now = self.clock.now()
            decision = decide(d, now)
            if decision.is_empty():
                return None
            return Change(
                set=decision.changes,
                push={"history": decision.history, "handovers": decision.handovers},
                messages=lambda seq: outbox_entries(d, decision, now, seq, correlation_id),
            )

        try:
            return self.store.dossiers.change(code, change, message_id, self.outbox).doc
        except NotFound:
            raise NotFoundError("unknown_dossier", f"no dossier {code}") from None

    @event_handler("intake", "dossier_received")
    def on_dossier_received(self, body):
        envelope, payload = load_message(body, INTAKE_EVENTS)
        now = self.clock.now()
        d = domain.new_dossier(payload)
        decision = domain.on_received(d, now, WorkingCalendar())
        entries = outbox_entries(d, decision, now, 1, envelope["correlation_id"])
        d.update(decision.changes)
        d["history"] += decision.history
        d["handovers"] += decision.handovers
        self.store.dossiers.create(d, entries, envelope["message_id"], self.outbox)

    def _arrive(self, body):
        envelope, transfer = load_message(body, TRANSFERS)
        self._decide(
            transfer["code"],
            lambda d, now: domain.on_arrived(d, transfer, now),
            message_id=envelope["message_id"],
            correlation_id=envelope["correlation_id"],
        )

    @consume_liaison("commune")
    def on_commune_transfer(self, body):
        self._arrive(body)

    @consume_liaison("district")
    def on_district_transfer(self, body):
        self._arrive(body)

    @consume_liaison("province")
    def on_province_transfer(self, body):
        self._arrive(body)

    def _on_shipment(self, body):
        envelope, shipment = load_message(body, POSTAL_EVENTS)
        self._decide(
            envelope["dossier_code"],
            lambda d, now: domain.on_shipment(d, envelope["type"], shipment, now),
            message_id=envelope["message_id"],
            correlation_id=envelope["correlation_id"],
        )

    @event_handler("postal", "shipment_picked_up")
    def on_shipment_picked_up(self, body):
        self._on_shipment(body)

    @event_handler("postal", "shipment_delivered")
    def on_shipment_delivered(self, body):
        self._on_shipment(body)

    @event_handler("postal", "shipment_returned")
    def on_shipment_returned(self, body):
        self._on_shipment(body)

    def _on_payment(self, body):
        envelope, payment = load_message(body, PAYMENT_EVENTS)
        if payment["kind"] == "fee" and payment["method"] != "online":
            return  # paid at the counter or to the post at receipt: nothing waits for it
        calendar = WorkingCalendar()
        self._decide(
            envelope["dossier_code"],
            lambda d, now: domain.on_payment(d, envelope["type"], payment, now, calendar),
            message_id=envelope["message_id"],
            correlation_id=envelope["correlation_id"],
        )

    @event_handler("payment", "payment_received")
    def on_payment_received(self, body):
        self._on_payment(body)

    @event_handler("payment", "payment_overdue")
    def on_payment_overdue(self, body):
        self._on_payment(body)

    @event_handler("documents", "document_digitised")
    def on_document_digitised(self, body):
        """A part the citizen uploaded on the tracking page puts a dossier waiting for its
        supplement before acceptance back in its counter's "to check"."""
        envelope, part = load_message(body, DOCUMENT_EVENTS)
        if part.get("uploaded_by") != "citizen":
            return
        self._decide(
            envelope["dossier_code"],
            lambda d, now: domain.on_online_supplemented(d, part["document_id"], now),
            message_id=envelope["message_id"],
            correlation_id=envelope["correlation_id"],
        )

    @rpc
    def act(self, code: str, body: dict, officer: dict, request_key: str | None = None) -> dict:
        """An officer's action on a dossier; returns the dossier's new summary. With a request
        key (the client's Idempotency-Key) the action is applied once however often it is
        asked: the key is the applied message id of the dossier's journal claim."""
        try:
            request = ActionRequestSchema().load(body)
            officer = OfficerSchema().load(officer)
        except ValidationError as exc:
            raise InvalidInput(
                "invalid_input", "the action is not valid", {"fields": exc.messages}
            ) from None
        calendar = WorkingCalendar()
        d = self._decide(
            code,
            lambda d, now: domain.act(d, request["action"], request, officer, now, calendar),
            message_id=f"request:{officer['office_id']}:{request_key}" if request_key else None,
        )
        return views.summary(d, self.clock.now(), calendar)

    @rpc
    def get_dossier(self, code: str, officer: dict | None = None) -> dict:
        """The whole dossier; with an officer, `actions` lists what they may do now."""
        try:
            d = self.store.dossiers.get(code)
        except NotFound:
            raise NotFoundError("unknown_dossier", f"no dossier {code}") from None
        now = self.clock.now()
        full = views.full(d, now, WorkingCalendar())
        full["actions"] = domain.actions_for(d, officer, now) if officer else []
        return full

    @rpc
    def summaries(self, codes: list[str]) -> dict[str, dict]:
        """The summaries of several dossiers by code (unknown codes left out), for reports."""
        now, calendar = self.clock.now(), WorkingCalendar()
        found = self.store.dossiers.get_many(codes)
        return {code: views.summary(d, now, calendar) for code, d in found.items()}

    @rpc
    def worklist(
        self, office_id: str, limit: int, after: str | None = None, part: str | None = None
    ) -> dict:
        """A page of an office's worklist (one part, `incoming` or `in_hand`, or both):
        {dossiers, next} (`next` is None on the last page)."""
        now, calendar = self.clock.now(), WorkingCalendar()
        rows, following = self.store.worklist(office_id, limit, after, part)
        return {"dossiers": [views.summary(d, now, calendar) for d in rows], "next": following}

    @rpc
    def stats(self, office_id: str, from_date: str, to_date: str) -> dict:
        """The statistics of an office for the local days from_date..to_date (YYYY-MM-DD)."""
        calendar = WorkingCalendar()
        try:
            start, end = period(
                date.fromisoformat(from_date), date.fromisoformat(to_date), calendar.tz
            )
        except (TypeError, ValueError) as exc:
            raise InvalidInput("invalid_period", f"from and to must be dates: {exc}") from None
        now = self.clock.now()
        rows = self.store.counter_rows(office_id, start, end, now)
        return stats.figures(rows, office_id, start, end, now)

    @rpc
    def stats_many(self, office_ids: list[str], from_date: str, to_date: str) -> list[dict]:
        """`stats` of several offices for the same days, in their order, in one call (the
        scorecard's office and the offices below it)."""
        return [self.stats(office_id, from_date, to_date) for office_id in office_ids]

    @timer(interval=1)
    def fold_counts(self):
        """Add the dossiers' changes to the counters (services/common/tally.py)."""
        fold_from(self.counts, self.store.tally)

    @timer(interval=5)
    def raise_due_alerts(self):
        """dossier_due_soon / dossier_overdue, once per dossier and step, whatever the instances."""
        now, calendar = self.clock.now(), WorkingCalendar()
        for d in self.store.due_candidates(now + timedelta(days=7)):
            for alert in domain.due_alerts(d, now, calendar):
                self._decide(
                    d["_id"],
                    lambda d, now, alert=alert: domain.raise_alert(d, alert, now, calendar),
                )

    @timer(interval=5)
    def sweep(self):
        self.store.dossiers.sweep(self.outbox)
