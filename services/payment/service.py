"""The payment nameko service: fees at receipt, notices of financial obligation, online payment
through the payment platform (pay links, signed status callbacks via the gateway, polling when
they stop), payment at the counter, refunds of refused dossiers' fees, the overdue notice,
and what each office collected (services/ops/reconcile.py checks it against the platform).
Entrypoints are thin; decisions come from domain.py, the rules from contracts/money.py."""

import logging
import time
from datetime import date, timedelta

from marshmallow import ValidationError
from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from nameko.timer import timer

from contracts import money
from contracts.api import CounterPaymentSchema, OfficerSchema
from contracts.calendar import WorkingCalendar, period
from contracts.envelope import load_message, make_envelope
from contracts.errors import Forbidden, IllegalAction, InvalidInput, NotFoundError
from contracts.events import INTAKE_EVENTS, ROUTING_EVENTS, PaymentEventSchema
from contracts.lifecycle import LEADER, RECEIVER
from contracts.payment_platform import StatusCallbackSchema
from services.common import observability
from services.common.clock import Clock
from services.common.messaging import OutboxPublisher, event_entry, event_handler
from services.common.repository import Change, NotFound
from services.common.rpc import rpc
from services.payment import domain
from services.payment.platform import PlatformClient, PlatformError
from services.payment.store import PaymentStore

log = logging.getLogger(__name__)


class Platform(DependencyProvider):
    """The payment platform's API client, and when each payment was last polled here."""

    def setup(self):
        config = self.container.config
        self.client = PlatformClient(
            config["PAYMENT_PLATFORM_URL"], float(config.get("PAYMENT_PLATFORM_TIMEOUT", 5))
        )
        self.polled: dict[str, float] = {}

    def get_dependency(self, worker_ctx):
        return self


class PaymentService(observability.Observed):
    name = "payment"

    store = PaymentStore()
    outbox = OutboxPublisher()
    platform = Platform()
    clock = Clock()
    config = Config()

    def _entries(self, p: dict, events: domain.Events, sequence: int) -> list[dict]:
        now = self.clock.now()
        return [
            event_entry(
                self.name,
                make_envelope(
                    type_,
                    p["dossier_code"],
                    sequence,
                    PaymentEventSchema().dump(body),
                    now,
                    p.get("correlation_id"),
                ),
            )
            for type_, body in events
        ]

    def _create(self, payment: dict, message_id: str) -> None:
        entries = self._entries(payment, domain.created_events(payment), 1)
        self.store.payments.create(payment, entries, message_id, self.outbox)
        if domain.needs_attempt(payment, self.clock.now()):
            self._request(payment["_id"])

    def _change(self, payment_id: str, decide, message_id: str | None = None):
        """Decide on the payment as stored: `decide(p)` -> (changes, events[, record])."""

        def change(p: dict) -> Change | None:
            changes, events, *record = decide(p)  # record: a platform event to keep
            if not changes and not record:
                return None
            push = {"events": record} if record else {}
            return Change(changes, push, lambda seq: self._entries({**p, **changes}, events, seq))

        return self.store.payments.change(payment_id, change, message_id, self.outbox)

    # ---- what starts a payment, or ends one
    @event_handler("intake", "dossier_received")
    def on_dossier_received(self, body):
        envelope, received = load_message(body, INTAKE_EVENTS)
        payment = domain.fee_payment(received, self.clock.now(), envelope["correlation_id"])
        if payment:
            self._create(payment, envelope["message_id"])

    @event_handler("routing", "obligation_requested")
    def on_obligation_requested(self, body):
        envelope, notice = load_message(body, ROUTING_EVENTS)
        office = notice["receiving_office_id"] or notice["office_id"]
        self._create(domain.obligation_payment(envelope, notice, office), envelope["message_id"])

    @event_handler("routing", "dossier_refused")
    def on_dossier_refused(self, body):
        envelope, refused = load_message(body, ROUTING_EVENTS)
        reason = f"Hồ sơ bị từ chối: {refused.get('reason') or ''}".strip()
        for p in self.store.for_dossier(envelope["dossier_code"]):
            self._change(p["_id"], lambda p: domain.refund_on_refusal(p, reason, self.clock.now()))

    @event_handler("routing", "dossier_not_accepted")
    def on_dossier_not_accepted(self, body):
        """A dossier filed online refused at the counter's check (form 03): a fee it paid is
        refunded, one still due is cancelled."""
        envelope, refused = load_message(body, ROUTING_EVENTS)
        reason = f"Hồ sơ không được tiếp nhận: {refused.get('reason') or ''}".strip()

        def decide(p: dict):
            if p["status"] == money.PAID:
                return domain.refund_on_refusal(p, reason, self.clock.now())
            return domain.cancel(p)

        for p in self.store.for_dossier(envelope["dossier_code"]):
            self._change(p["_id"], decide)

    def _cancel_due(self, body) -> None:
        envelope, _ = load_message(body, ROUTING_EVENTS)
        for p in self.store.for_dossier(envelope["dossier_code"]):
            self._change(p["_id"], domain.cancel)

    @event_handler("routing", "dossier_withdrawn")
    def on_dossier_withdrawn(self, body):
        self._cancel_due(body)

    @event_handler("routing", "dossier_stopped")
    def on_dossier_stopped(self, body):
        self._cancel_due(body)

    # ---- the platform
    def _request(self, payment_id: str) -> None:
        """Ask the platform for the payment's next pay link (safe to repeat: the reference names
        the attempt, and the platform answers a repeated reference with the same payment)."""
        p = self.store.payments.get(payment_id)
        now = self.clock.now()
        if not domain.needs_attempt(p, now):
            return
        request = domain.attempt_request(p, self.config.get("PUBLIC_URL", ""), now)
        try:
            answer = self.platform.client.create(request)
        except PlatformError as exc:
            log.warning("payment %s: no pay link yet: %s", payment_id, exc)
            return
        self._change(payment_id, lambda p: (domain.attempt_started(p, answer), []))
        self._apply_all(payment_id, answer)

    def _apply(self, payment_id: str, event: dict) -> str:
        """Apply one platform event once: "applied", or "duplicate" if its id was seen before."""
        committed = self._change(
            payment_id,
            lambda p: domain.apply_platform(p, event, self.clock.now()),
            message_id=event["event_id"],
        )
        return "duplicate" if committed.duplicate else "applied"

    def _apply_all(self, payment_id: str, answer: dict) -> None:
        for event in answer.get("events") or []:
            self._apply(payment_id, event)

    @rpc
    def platform_callback(self, body: dict) -> str:
        """A status callback whose signature the gateway checked: "applied" or "duplicate"."""
        try:
            event = StatusCallbackSchema().load(body)
        except ValidationError as exc:
            raise InvalidInput(
                "invalid_callback", "not a payment status callback", {"fields": exc.messages}
            ) from None
        try:
            self.store.payments.get(domain.payment_id_of(event["reference"]))
        except NotFound:
            raise NotFoundError("unknown_payment", "no payment with that reference") from None
        return self._apply(domain.payment_id_of(event["reference"]), event)

    @timer(interval=5)
    def request_pending(self):
        """Pay links not asked for yet (the platform was down, or a failed attempt)."""
        for payment_id in self.store.work("to_request"):
            self._request(payment_id)

    @timer(interval=5)
    def send_refunds(self):
        """Refunds of online payments to ask of the platform (once: the refund reference)."""
        for payment_id in self.store.work("refund"):
            p = self.store.payments.get(payment_id)
            if not p.get("refund") or not p.get("online"):
                continue
            try:
                answer = self.platform.client.refund(
                    p["online"]["payment_ref"], domain.refund_request(p)
                )
            except PlatformError as exc:
                log.warning("refund of %s not requested yet: %s", payment_id, exc)
                continue
            self._change(
                payment_id, lambda p: ({"refund": {**p["refund"], "status": "requested"}}, [])
            )
            self._apply_all(payment_id, answer)

    @timer(interval=5)
    def poll(self):
        """No news for PAYMENT_POLL_AFTER seconds: ask the platform, at most that often."""
        quiet = float(self.config.get("PAYMENT_POLL_AFTER", 30))
        now, clock = self.clock.now(), time.monotonic()
        last = self.platform.polled
        waiting = self.store.unheard_since(now - timedelta(seconds=quiet))
        self.platform.polled = {w["_id"]: last[w["_id"]] for w in waiting if w["_id"] in last}
        for w in waiting:
            if not w["payment_ref"] or clock - self.platform.polled.get(w["_id"], 0) < quiet:
                continue
            self.platform.polled[w["_id"]] = clock
            try:
                answer = self.platform.client.get(w["payment_ref"])
            except PlatformError as exc:
                log.warning("polling %s: %s", w["payment_ref"], exc)
                continue
            self._apply_all(w["_id"], answer)

    @timer(interval=5)
    def raise_overdue(self):
        """Notices unpaid past their deadline: raised to the office once."""
        for payment_id in self.store.past_deadline(self.clock.now()):
            self._change(payment_id, lambda p: domain.overdue(p, self.clock.now()))

    @timer(interval=5)
    def sweep(self):
        self.store.payments.sweep(self.outbox)

    # ---- officers and reports
    @rpc
    def for_dossier(self, code: str) -> list[dict]:
        """A dossier's payments (for the officers' and the citizen's views)."""
        return [domain.view(p) for p in self.store.for_dossier(code)]

    @rpc
    def pay_at_counter(self, code: str, body: dict, officer: dict) -> dict:
        """The citizen pays what is due at the dossier's counter: the payment with its receipt."""
        try:
            request = CounterPaymentSchema().load(body)
            officer = OfficerSchema().load(officer)
        except ValidationError as exc:
            raise InvalidInput(
                "invalid_input", "the payment is not valid", {"fields": exc.messages}
            ) from None
        due = [p for p in self.store.for_dossier(code) if p["status"] == money.DUE]
        if request["payment_id"]:
            due = [p for p in due if p["_id"] == request["payment_id"]]
        if not due:
            raise IllegalAction("nothing_due", f"dossier {code} has no payment due")
        if len(due) > 1:
            raise InvalidInput("payment_id_required", "more than one payment is due: name one")
        payment = due[0]
        if (
            officer["role"] not in (RECEIVER, LEADER)
            or officer["office_id"] != payment["office_id"]
        ):
            raise Forbidden("not_your_counter", "payments are taken at the dossier's counter")
        now = self.clock.now()
        committed = self._change(
            payment["_id"], lambda p: domain.pay_at_counter(p, request["method"], officer, now)
        )
        return domain.view(committed.doc)

    @rpc
    def collected(self, office_id: str, from_date: str, to_date: str) -> dict:
        """What an office collected on the local days from..to: payments and their figures."""
        payments = self._paid(office_id, from_date, to_date)
        return {
            "office_id": office_id,
            "from": from_date,
            "to": to_date,
            "payments": [domain.view(p) for p in payments],
            **domain.figures(payments),
        }

    @rpc
    def collected_figures(self, office_ids: list[str], from_date: str, to_date: str) -> list[dict]:
        """`collected` of several offices for the same days, in one call and without the list
        of payments (the scorecard's): only the figures cross the broker, but each office's
        payments of the period are still read to add them up."""
        return [
            {
                "office_id": office_id,
                "from": from_date,
                "to": to_date,
                **domain.figures(self._paid(office_id, from_date, to_date)),
            }
            for office_id in office_ids
        ]

    def _paid(self, office_id: str, from_date: str, to_date: str) -> list[dict]:
        try:
            start, end = period(
                date.fromisoformat(from_date), date.fromisoformat(to_date), WorkingCalendar().tz
            )
        except (TypeError, ValueError) as exc:
            raise InvalidInput("invalid_period", f"from and to must be dates: {exc}") from None
        return self.store.collected(office_id, start, end)
