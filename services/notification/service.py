"""The notification nameko service: one SMS per (event, recipient), sent through Kannel, retried
with backoff, held during quiet hours, updated by delivery reports; and phone verification by
SMS one-time code (verification.py)."""

import hmac
import logging
import re
from collections import deque
from datetime import timedelta

from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from nameko.timer import timer
from pymongo.errors import PyMongoError

from contracts import verification as rules
from contracts.calendar import WorkingCalendar
from contracts.documents import DOCUMENT_EVENTS
from contracts.envelope import load_message
from contracts.errors import IllegalAction, InvalidInput, NotFoundError, TooManyRequests
from contracts.events import INTAKE_EVENTS, PAYMENT_EVENTS, POSTAL_EVENTS, ROUTING_EVENTS
from contracts.feedback import FEEDBACK_EVENTS
from contracts.offices import load_offices
from services.common import metrics, observability
from services.common.clock import Clock
from services.common.httpserver import http
from services.common.messaging import BatchQueue, event_handler, service_counts_queue
from services.common.repository import NotFound
from services.common.rpc import TimedRpcProxy, rpc
from services.common.tally import fold_from
from services.common.web import ApiError, api, json_response
from services.notification import domain, failover, inbound, indexes, providers, verification
from services.notification.gateways import make_gateway
from services.notification.kannel import (
    DLR_STATUS,
    GatewayError,
    GatewayTimeout,
    RateLimited,
    dlr_url,
)
from services.notification.phones import InvalidNumber, mask_msisdn, normalise_msisdn
from services.notification.smpp import SmppGateway
from services.notification.store import NotificationStore
from services.notification.templates import render

log = logging.getLogger(__name__)
ID = re.compile(rules.ID_PATTERN)


class SmsGateway(DependencyProvider):
    """The configured gateway (Kannel by default, or SMPP), rate-limited, and the quiet hours
    (SMS_QUIET_HOURS) it keeps. SMPP delivery receipts arrive on the gateway's link; they are
    queued here and applied by a timer. With two SMS providers or more (SMS_PROVIDERS, Kannel
    smsc-ids) it holds this process's copy of the route (failover.py): which provider the
    database says notification sends through, read again every two seconds."""

    def setup(self):
        config = self.container.config
        self.gateway = make_gateway(config)
        self.quiet_hours = domain.quiet_hours(config.get("SMS_QUIET_HOURS", "21:00-07:00"))
        self.receipts: deque[tuple[str, str]] = deque()
        inner = self.gateway.gateway
        if isinstance(inner, SmppGateway):
            inner.on_receipt = lambda ref, status: self.receipts.append((ref, status))
        self.failover = failover.settings_from(config)
        if self.failover.providers and isinstance(inner, SmppGateway):
            raise ValueError("SMS_PROVIDERS names Kannel smsc-ids: it needs SMS_GATEWAY kannel")
        self.probe_url = str(config.get("SMS_PROBE_URL") or "")
        self.kind = config.get("SMS_GATEWAY") or "kannel"
        self.route: failover.Route | None = None  # read from the database on first use
        self.unsaved = failover.Unsaved()  # samples and reports not yet written

    def label(self, provider: str | None) -> str:
        """The provider's name in metrics and the message log: its smsc-id, or the gateway's
        kind when Kannel picks the route (no SMS_PROVIDERS)."""
        return provider or self.kind

    def get_dependency(self, worker_ctx):
        return self


def sms_gauges(store, now) -> list[metrics.Sample]:
    """The messages by status, from the counters."""
    row = store.tallies["messages"].read({"$in": [indexes.STATUS_ROW]}).get(indexes.STATUS_ROW, {})
    return [
        metrics.sample("sms_messages", row.get(f"status:{s}", 0), status=s)
        for s in indexes.SMS_STATUSES
    ]


class NotificationService(observability.Observed):
    name = "notification"
    gauges = (sms_gauges,)

    store = NotificationStore()
    counts = BatchQueue(service_counts_queue(NotificationStore.database, indexes.COUNTS.name))
    sms = SmsGateway()
    feedback = TimedRpcProxy("feedback")
    clock = Clock()
    config = Config()

    def _notify(self, body, schemas):
        envelope, payload = load_message(body, schemas)
        code = envelope["dossier_code"]
        if envelope["type"] == "dossier_received":  # the one message with the phone: keep it
            recipient = domain.recipient_from(payload)
            self.store.save_recipient(recipient)
        elif envelope["type"] == "feedback_submitted":  # likewise for a feedback's answer
            recipient = domain.feedback_recipient(payload, code)
            self.store.save_recipient(recipient)
        else:
            recipient = self.store.recipient(code)
        rendered = domain.compose(
            envelope["type"],
            code,
            payload,
            recipient,
            load_offices(),
            WorkingCalendar(),
            self.config["PUBLIC_URL"],
            domain.template_choices(self.config.get("SMS_TEMPLATES")),
        )
        if rendered is None:
            return
        msisdn, rejection = domain.number_of(recipient)
        self._queue(envelope, msisdn, rejection, rendered)
        if envelope["type"] == "evaluation_invited" and msisdn:
            self.store.save_invitation(msisdn, code, recipient["office_id"], self.clock.now())

    def _queue(self, envelope, msisdn, rejection, rendered, at_once=False) -> None:
        """Log one SMS (at most one per event and number) and send it if it is due: after the
        quiet hours, or `at_once` (the answer to a citizen who has just written)."""
        calendar, now = WorkingCalendar(), self.clock.now()
        send_at = (
            now if at_once else domain.outside_quiet_hours(now, calendar, self.sms.quiet_hours)
        )
        message = domain.new_message(envelope, msisdn, rejection, rendered, now, send_at)
        stored = self.store.add_message(message, now)
        if stored and stored.doc["status"] == "sending":  # created claimed: this worker sends it
            self._deliver(stored, now)

    @http("GET", "/sms/inbound")
    @api
    def sms_inbound(self, request):
        """Kannel's smsbox sms-service get-url (README: inbound SMS): ?secret=&from=%p&to=%P
        &id=%I&text=%a. 401 without the shared secret (SMS_INBOUND_SECRET); every citizen's
        text gets an SMS answer."""
        secret = str(self.config.get("SMS_INBOUND_SECRET") or "")
        given = request.args.get("secret", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            raise ApiError(401, "bad_secret", "not the SMS gateway's shared secret")
        sender, inbound_id = request.args.get("from", ""), request.args.get("id", "")
        if not sender or not inbound_id or len(inbound_id) > 64:
            raise ApiError(400, "bad_message", "from and id (at most 64 characters) are required")
        return json_response(self._answer_sms(sender, request.args.get("text", ""), inbound_id))

    def _answer_sms(self, sender: str, text: str, inbound_id: str) -> dict:
        """A citizen's SMS that Kannel's smsbox passed on (an MO message): a reply to an
        evaluation invitation evaluates that dossier (the feedback service decides); anything
        else gets a polite answer. Never an error for the citizen's text: the answer says."""
        msisdn, rejection = domain.number_of({"phone": sender})
        if rejection:
            raise ApiError(422, "invalid_sender", "the sender is not a Vietnamese mobile number")
        now = self.clock.now()
        invitation = self.store.invitation(msisdn, now - inbound.invitation_open())
        outcome = None
        level = inbound.level_of(text)
        if invitation and level is not None:
            try:
                self.feedback.evaluate(invitation["dossier_code"], {"level": level}, "sms")
                outcome = "recorded"
            except IllegalAction as exc:
                outcome = exc.code
        rendered = inbound.reply(
            invitation, level, outcome, self.config["PUBLIC_URL"], load_offices()
        )
        envelope = {
            "message_id": f"mo-{inbound_id}",
            "type": "sms_reply",
            "dossier_code": invitation["dossier_code"] if invitation else None,
        }
        self._queue(envelope, msisdn, None, rendered, at_once=True)
        return {"matched": bool(invitation), "outcome": outcome or rendered.template_id}

    def _send(self, message_id: str) -> None:
        """Claim the message and send it."""
        now = self.clock.now()
        claimed = self.store.claim(message_id, now)
        if claimed is not None:
            self._deliver(claimed, now)

    def _deliver(self, claimed, now) -> None:
        """Send a message this worker has claimed ("sending") and record how it went."""
        message = claimed.doc
        message_id = message["_id"]
        url = dlr_url(self.config["PUBLIC_URL"], message_id, self.config["SMS_DLR_SECRET"])
        provider = failover.provider_for(message, self._active_provider())
        try:
            ref = self.sms.gateway.send(
                message["to"],
                message["text"],
                message["encoding"],
                self.config["SMS_SENDER"],
                url,
                provider=provider,
            )
        except GatewayError as exc:
            self._sampled(provider, message_id, now, None, exc)
            # Kannel may hold it for that provider: it goes out through that one or not at all
            held = {"held_by": provider} if isinstance(exc, GatewayTimeout) and provider else {}
            rate_limited = isinstance(exc, RateLimited)
            status, fields = domain.after_failed_send(message["attempts"], now, rate_limited)
            self.store.update(message_id, now, status, str(exc), **fields, **held)
            if status == "failed":
                log.error(
                    "sms %s to %s failed for good: %s", message_id, mask_msisdn(message["to"]), exc
                )
            return
        except Exception as exc:  # noqa: BLE001 — rejected by the gateway: no retry loop
            self.store.update(message_id, now, "rejected", str(exc), reason=str(exc))
            return
        self._sampled(provider, message_id, now, ref, None)
        # a delivery report may have come first: never take "delivered" or "failed" back
        self.store.update(
            message_id,
            now,
            "sent",
            ref,
            attempts=message["attempts"] + 1,
            sent_at=now,
            gateway_refs=self.sms.gateway.refs(ref),
            provider=self.sms.label(provider),
            **domain.sent_fields(message),
        )

    # --- SMS provider failover (failover.py; README: SMS provider failover) -----------------
    def _active_provider(self) -> str | None:
        """The provider to send through: this process's copy of the route (None: Kannel's own
        default route, when SMS_PROVIDERS names none)."""
        settings = self.sms.failover
        if not settings.enabled:
            return settings.providers[0] if settings.providers else None
        if self.sms.route is None:
            self.sms.route = self.store.route(settings)
        return self.sms.route.active

    def _sampled(self, provider, message_id, now, answer, error) -> None:
        """Count a send for its provider, and keep it as a sample when failing over is on."""
        outcome = failover.outcome_of(answer, error)
        if outcome is None:
            return
        label = self.sms.label(provider)
        if outcome in failover.TAKEN:
            self.observer.metrics.inc("sms_sent", provider=label)
        if outcome in failover.ERRORS:
            self.observer.metrics.inc("sms_send_errors", provider=label, outcome=outcome)
        if self.sms.failover.enabled and provider:
            self.sms.unsaved.send(provider, message_id, now, outcome)
            if self.sms.unsaved.full:
                self._save_samples()

    def _save_samples(self) -> None:
        """Write the samples and reports this process holds (failover.Unsaved); what could not
        be written is held again for the next time, and the SMS's own work goes on."""
        sends, reports = self.sms.unsaved.take()
        try:
            self.store.save_samples(sends, reports)
        except PyMongoError as exc:
            self.sms.unsaved.give_back(sends, reports)
            log.warning("SMS failover samples not written yet: %s", exc)

    @timer(interval=2, eager=True)
    def route_sms(self):
        """Judge the active provider on its recent sends, probe the providers (Kannel's status),
        and switch when failover.decide says so; every process decides, the database's route
        is the one they all follow (a switch is claimed once)."""
        settings = self.sms.failover
        if not settings.enabled:
            return
        now = self.clock.now()
        self._save_samples()
        route = self.store.route(settings)
        probes = providers.probe(self.sms.probe_url, settings.providers)
        samples = self.store.samples(route.active, failover.judged_since(route, now, settings))
        switched = failover.decide(route, samples, probes, now, settings)
        if switched is not None:
            if self.store.switch(switched):
                log.warning(
                    "SMS provider %s -> %s: %s", route.active, switched.active, switched.reason
                )
            route = self.store.route(settings)
        self.sms.route = route
        for provider in settings.providers:
            self.observer.metrics.set(
                "sms_active_provider", float(provider == route.active), provider=provider
            )
            self.observer.metrics.set(
                "sms_provider_connected", float(probes.get(provider) is True), provider=provider
            )

    @timer(interval=60)
    def forget_sms_samples(self):
        """Drop the failover's samples older than twice its window."""
        settings = self.sms.failover
        if settings.enabled:
            before = self.clock.now() - 2 * timedelta(seconds=settings.window)
            self.store.forget_samples(settings.providers, before)

    @timer(interval=2)
    def send_due(self):
        """Retries after backoff and messages held through the quiet hours."""
        now = self.clock.now()
        for message_id in self.store.due(now):
            self._send(message_id)
        # A sender that died between claiming and recording leaves "sending": whether the SMS
        # went out is unknown, and sending again could send it twice. An operator decides.
        for message_id in self.store.stuck_sending(now - domain.SENDING_TIMEOUT):
            self.store.update(
                message_id,
                now,
                "failed",
                "the sender stopped while sending: not sent again (at most one SMS)",
            )

    @timer(interval=1)
    def fold_counts(self):
        """Add the messages' changes to the counters (services/common/tally.py)."""
        fold_from(self.counts, self.store.tally)

    @timer(interval=5)
    def sweep(self):
        """Publish what a writer that died left in the outbox (the counters' messages)."""
        self.store.messages.sweep(self.store.publisher)

    @timer(interval=2)
    def smpp_receipts(self):
        """SMPP only: read the link, then apply the receipts it brought."""
        inner = self.sms.gateway.gateway
        if not isinstance(inner, SmppGateway):
            return
        try:
            inner.poll()
        except GatewayError as exc:
            log.warning("smpp link: %s", exc)
        now = self.clock.now()
        while self.sms.receipts:
            ref, status = self.sms.receipts.popleft()
            for message_id in self.store.by_gateway_ref(ref):
                message = self.store.get(message_id)
                parts = {**message.get("part_receipts", {}), ref: status}
                status = domain.status_of_parts(parts, message["gateway_refs"])
                self.store.update(
                    message_id,
                    now,
                    status,
                    f"smpp receipt {ref}",
                    part_receipts=parts,
                )

    @rpc
    def delivery_report(self, message_id: str, dlr_type: int) -> bool:
        """Kannel's report: delivered and failed are final; a late "sent" never overrides them."""
        status = DLR_STATUS.get(int(dlr_type))
        if status is None:
            return False
        now = self.clock.now()
        try:
            applied = self.store.update(message_id, now, status, f"kannel dlr type {dlr_type}")
        except NotFound:
            raise NotFoundError("unknown_message", f"no SMS {message_id}") from None
        if self.sms.failover.enabled:  # the provider's latency and failures (failover.py)
            self.sms.unsaved.report(message_id, now, status == "failed")
            if self.sms.unsaved.full:
                self._save_samples()
        return applied

    @rpc
    def request_code(self, phone: str, purpose: str, client: str) -> dict:
        """Send a one-time code to `phone` for `purpose` (contracts/verification.py), within the
        limits per phone and per client address: the verification's id, where the SMS went
        (masked), until when the code holds."""
        now, secret = self.clock.now(), self.config["VERIFICATION_SECRET"]
        if purpose not in rules.PURPOSES:
            raise InvalidInput("invalid_purpose", f"purpose is one of {', '.join(rules.PURPOSES)}")
        try:
            msisdn = normalise_msisdn(phone)
        except InvalidNumber as exc:
            raise InvalidInput("invalid_phone", str(exc), {"reason": exc.reason}) from None
        for limit, key in (
            (self.store.codes_per_client, client),
            (self.store.codes_per_phone, verification.keyed(secret, msisdn)),
        ):
            if not limit.take(key, now):
                raise TooManyRequests(
                    "too_many_codes",
                    f"too many codes asked for; try again in {limit.minutes} minutes",
                )
        verification_id, code = verification.new_id(), verification.new_code()
        digest = verification.keyed(secret, verification_id, code)
        v = verification.new_verification(verification_id, msisdn, purpose, digest, now)
        self.store.verifications.create(v)
        rendered = render(
            "verification_code",
            {
                "otp": code,
                "purpose": rules.PURPOSE_LABELS_VI[purpose],
                "minutes": int(rules.CODE_TTL.total_seconds() // 60),
            },
        )
        envelope = {
            "message_id": verification_id,
            "type": "verification_code",
            "dossier_code": None,
        }
        # asked for now, by someone waiting for it: never held for the quiet hours
        stored = self.store.add_message(
            domain.new_message(envelope, msisdn, None, rendered, now, now), now
        )
        if stored and stored.doc["status"] == "sending":
            self._deliver(stored, now)
        return {
            "verification_id": verification_id,
            "to": mask_msisdn(msisdn),
            "expires_at": v["expires_at"],
        }

    @rpc
    def check_code(self, verification_id: str, code: str) -> dict:
        """A code the citizen typed: {"verified": true, …}, or InvalidInput wrong_code (with
        tries_left), Gone code_expired, TooManyRequests too_many_tries, NotFoundError."""
        now = self.clock.now()
        digest = verification.keyed(self.config["VERIFICATION_SECRET"], verification_id, code)
        try:
            committed = self.store.verifications.change(
                verification_id, lambda v: verification.tried(v, digest, now)
            )
        except NotFound:
            raise verification.unknown(verification_id) from None
        return verification.answer(committed.doc, digest, now)

    @rpc
    def verified_phone(self, verification_id: str, purpose: str) -> str | None:
        """The phone ("84…") a confirmed verification proves for `purpose`, or None."""
        if not isinstance(verification_id, str) or not ID.match(verification_id):
            return None
        try:
            v = self.store.verifications.get(verification_id)
        except NotFound:
            v = None
        return verification.proven_phone(v, purpose, self.clock.now())

    @timer(interval=60)
    def forget_codes_asked(self):
        """Drop the limits' records of codes asked for longer ago than their windows."""
        now = self.clock.now()
        for limit in (self.store.codes_per_phone, self.store.codes_per_client):
            limit.forget_before(now - limit.window)

    @rpc
    def messages(self, code: str) -> list[dict]:
        """The message log of a dossier, numbers masked."""
        out = []
        for m in self.store.for_dossier(code):
            m["to"] = mask_msisdn(m["to"]) if m.get("to") else None
            m["id"] = m.pop("_id")
            out.append(m)
        return out


SCHEMAS = {
    "intake": INTAKE_EVENTS,
    "routing": ROUTING_EVENTS,
    "postal": POSTAL_EVENTS,
    "payment": PAYMENT_EVENTS,
    "documents": DOCUMENT_EVENTS,
    "feedback": FEEDBACK_EVENTS,
}


def _sms_handler(source: str, event: str):
    """The entrypoint for one event of domain.SMS_OF: it renders and sends that event's SMS."""

    @event_handler(source, event)
    def handle(self, body):
        self._notify(body, SCHEMAS[source])

    handle.__name__ = handle.__qualname__ = f"on_{event}"
    return handle


# One handler per event that sends an SMS, from the table (their queues keep the names the
# handlers written one by one had: evt-<source>-<event>--notification.on_<event>).
for _source, _event in domain.SMS_OF:
    setattr(NotificationService, f"on_{_event}", _sms_handler(_source, _event))
