"""A national payment platform simulator: its own process serving the platform's JSON HTTP API
(contracts/payment_platform.py), the citizen's pay page, and sending signed status callbacks.

    python -m services.payment_platform.simulator --port 8091 \\
        --callback-url http://127.0.0.1:8000/api/callbacks/payment --secret S \\
        --pay-delay 1 --fail-rate 0.0 --callback-delay 0 --seed 1

A payment is created ``pending`` and waits for the citizen, who pays or cancels it on the pay
page (``GET /pay/{payment_ref}``); a payment still pending at its ``expires_at`` is expired by a
background thread. Tests script outcomes with tags in the description
(services/payment_platform/script.py): ``[autopay]`` or ``[autopay:CHANNEL]`` makes the
simulator attempt the payment by itself after the pay delay, failing when a random draw is below
the fail rate; ``[fail]`` makes that attempt fail; ``[expire]`` prevents any automatic attempt;
``[dup:N]`` sends every callback N+1 times; ``[nocallback]`` sends none. A request repeating an
earlier reference gets the earlier payment back; a refund repeating an earlier refund_reference
of the same payment gets the payment back without a second refund.

Every status change is POSTed to the callback URL (StatusCallbackSchema body, signed in the
X-Payment-Signature header by services.common.signing), in order, by one sender thread, after
the callback delay; a callback that fails is retried a few times and then dropped: the receiver
is expected to poll GET /payments/{payment_ref}.

State is kept in memory only, on purpose: this process IS the external payment platform, and a
restart loses its payments, which a real platform would not.
"""

import argparse
import logging
import queue
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from marshmallow import ValidationError
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from contracts.payment_platform import (
    CHANNELS,
    SIGNATURE_HEADER,
    PaymentListQuerySchema,
    PaymentRequestSchema,
    PaymentSchema,
    RefundRequestSchema,
    StatusCallbackSchema,
)
from services.common.simulation import (
    Invalid,
    error,
    json_response,
    load_body,
    match,
    post_signed,
    serve,
)
from services.payment_platform import pages
from services.payment_platform.script import (
    BadTag,
    Script,
    parse_tags,
    refund_problem,
    status_after_refund,
)

log = logging.getLogger("payment_platform.simulator")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Payment:
    payment_ref: str
    request: dict[str, Any]
    script: Script
    pay_url: str
    created_at: datetime
    expires_at: datetime
    due: float | None  # time.monotonic() of the automatic attempt, if there is one
    status: str = "pending"
    paid_at: datetime | None = None
    channel: str | None = None
    refunded_amount: int = 0
    refunds: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def amount(self) -> int:
        return int(self.request["amount"])


@dataclass
class Config:
    callback_url: str | None
    secret: str
    pay_delay: float = 1.0
    fail_rate: float = 0.0
    callback_delay: float = 0.0
    seed: int | None = None
    public_url: str | None = None  # the base of pay_url; by default the URL the request used


class Conflict(Exception):
    """The operation is not possible in the payment's current state (HTTP 409)."""


class PaymentPlatform:
    def __init__(self, config: Config):
        self.config = config
        self.rng = random.Random(config.seed)
        self.lock = threading.Lock()
        self.payments: dict[str, Payment] = {}
        self.outbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.stopping = threading.Event()

    # -- API operations ------------------------------------------------------------------

    def create(self, request: dict[str, Any], base_url: str) -> tuple[dict[str, Any], bool]:
        """(payment, created): a repeated reference gets the payment it already has. Raises
        BadTag for a description whose tags make no sense."""
        script = parse_tags(request["description"])
        with self.lock:
            for existing in self.payments.values():
                if existing.request["reference"] == request["reference"]:
                    return self._dump(existing), False
            ref = self._new_ref("PAY", self.payments)
            created = _now()
            base = (self.config.public_url or base_url).rstrip("/")
            due = time.monotonic() + self.config.pay_delay
            payment = Payment(
                payment_ref=ref,
                request=request,
                script=script,
                pay_url=f"{base}/pay/{ref}",
                created_at=created,
                expires_at=created + timedelta(seconds=request["expires_in_seconds"]),
                due=due if script.attempts_by_itself else None,
            )
            self.payments[ref] = payment
            return self._dump(payment), True

    def get(self, ref: str) -> dict[str, Any] | None:
        with self.lock:
            payment = self.payments.get(ref)
            return self._dump(payment) if payment else None

    def paid_or_refunded_on(self, day: date) -> list[dict[str, Any]]:
        """The payments paid, or refunded, on a UTC date, by the time they were paid."""
        with self.lock:
            found = [
                payment
                for payment in self.payments.values()
                if (payment.paid_at and payment.paid_at.date() == day)
                or any(refund["created_at"].date() == day for refund in payment.refunds)
            ]
            found.sort(key=lambda payment: payment.paid_at or payment.created_at)
            return [self._dump(payment) for payment in found]

    def refund(self, ref: str, request: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
        """(payment, refunded); (None, False) when unknown, (payment, False) when the refund
        reference was used already. Raises Conflict when the refund cannot be made."""
        with self.lock:
            payment = self.payments.get(ref)
            if payment is None:
                return None, False
            for earlier in payment.refunds:
                if earlier["refund_reference"] == request["refund_reference"]:
                    if earlier["amount"] != request["amount"]:
                        raise Conflict(
                            f"refund_reference {request['refund_reference']} was used for "
                            f"{earlier['amount']}, not {request['amount']}"
                        )
                    return self._dump(payment), False
            problem = refund_problem(
                payment.status, payment.amount, payment.refunded_amount, request["amount"]
            )
            if problem:
                raise Conflict(problem)
            refund_ref = self._new_ref("RFD", {r["refund_ref"] for r in self._all_refunds()})
            payment.refunds.append(
                {
                    "refund_ref": refund_ref,
                    "refund_reference": request["refund_reference"],
                    "amount": request["amount"],
                    "reason": request["reason"],
                    "created_at": _now(),
                }
            )
            payment.refunded_amount += request["amount"]
            status = status_after_refund(payment.amount, payment.refunded_amount)
            self._record(payment, status, refund_ref)
            return self._dump(payment), True

    def act(self, ref: str, action: str, channel: str | None) -> dict[str, Any] | None:
        """The citizen on the pay page: action "pay" or "cancel". None when unknown; raises
        Conflict when the payment is no longer pending."""
        with self.lock:
            payment = self.payments.get(ref)
            if payment is None:
                return None
            if payment.status != "pending":
                raise Conflict(f"payment is {payment.status}")
            if action == "pay":
                self._pay(payment, channel or CHANNELS[0])
            else:
                self._record(payment, "failed")
            return self._dump(payment)

    # -- lifecycle -----------------------------------------------------------------------

    def tick(self) -> None:
        mono, now = time.monotonic(), _now()
        with self.lock:
            for payment in self.payments.values():
                if payment.status != "pending":
                    continue
                if payment.due is not None and payment.due <= mono:
                    self._attempt(payment)
                elif payment.expires_at <= now:
                    self._record(payment, "expired")

    def _attempt(self, payment: Payment) -> None:
        payment.due = None
        channel = payment.script.channel or self.rng.choice(CHANNELS)
        fails = payment.script.fail or self.rng.random() < self.config.fail_rate
        if fails:
            self._record(payment, "failed")
        else:
            self._pay(payment, channel)

    def _pay(self, payment: Payment, channel: str) -> None:
        payment.paid_at, payment.channel = _now(), channel
        self._record(payment, "paid")

    def _record(self, payment: Payment, status: str, refund_ref: str | None = None) -> None:
        payment.status = status
        payment.due = None
        event = {
            "event_id": uuid.uuid4().hex,
            "payment_ref": payment.payment_ref,
            "reference": payment.request["reference"],
            "status": status,
            "amount": payment.amount,
            "refunded_amount": payment.refunded_amount,
            "channel": payment.channel,
            "occurred_at": _now(),
            "refund_ref": refund_ref,
        }
        payment.events.append(event)
        if payment.script.callbacks:
            body = StatusCallbackSchema().dump(event)
            for _ in range(1 + payment.script.duplicates):
                self.outbox.put(body)

    def _all_refunds(self) -> list[dict[str, Any]]:
        return [refund for payment in self.payments.values() for refund in payment.refunds]

    @staticmethod
    def _new_ref(prefix: str, taken: Any) -> str:
        while True:
            ref = f"{prefix}{random.randrange(10**12):012d}"
            if ref not in taken:
                return ref

    def _dump(self, payment: Payment) -> dict[str, Any]:
        request = payment.request
        dumped: dict[str, Any] = PaymentSchema().dump(
            {
                "payment_ref": payment.payment_ref,
                "reference": request["reference"],
                "amount": payment.amount,
                "description": request["description"],
                "payer_name": request.get("payer_name"),
                "status": payment.status,
                "pay_url": payment.pay_url,
                "return_url": request.get("return_url"),
                "created_at": payment.created_at,
                "expires_at": payment.expires_at,
                "paid_at": payment.paid_at,
                "channel": payment.channel,
                "refunded_amount": payment.refunded_amount,
                "refunds": payment.refunds,
                "events": payment.events,
            }
        )
        return dumped

    # -- threads -------------------------------------------------------------------------

    def run_clock(self, interval: float = 0.02) -> None:
        while not self.stopping.wait(interval):
            try:
                self.tick()
            except Exception:  # keep the simulator alive
                log.exception("tick failed")

    def run_sender(self) -> None:
        while not self.stopping.is_set():
            try:
                payload = self.outbox.get(timeout=0.2)
            except queue.Empty:
                continue
            if self.config.callback_delay and self.stopping.wait(self.config.callback_delay):
                return
            if self.config.callback_url:
                self.deliver(self.config.callback_url, payload)

    def deliver(self, url: str, payload: dict[str, Any]) -> bool:
        return post_signed(url, payload, self.config.secret, SIGNATURE_HEADER, self.stopping)


# -- HTTP ------------------------------------------------------------------------------------

URLS = Map(
    [
        Rule("/payments", endpoint="create", methods=["POST"]),
        Rule("/payments", endpoint="list", methods=["GET"]),
        Rule("/payments/<ref>", endpoint="get", methods=["GET"]),
        Rule("/payments/<ref>/refunds", endpoint="refund", methods=["POST"]),
        Rule("/pay/<ref>", endpoint="page", methods=["GET"]),
        Rule("/pay/<ref>", endpoint="act", methods=["POST"]),
        Rule("/health", endpoint="health", methods=["GET"]),
    ]
)


def _html(text: str, status: int) -> Response:
    return Response(text, status=status, mimetype="text/html")


def _not_found(ref: str) -> Response:
    return error(404, "not_found", f"unknown payment {ref}")


def _create(platform: PaymentPlatform, request: Request) -> Response:
    body = load_body(request, PaymentRequestSchema())
    try:
        payment, created = platform.create(body, request.host_url)
    except BadTag as exc:
        raise Invalid({"description": [str(exc)]}) from exc
    return json_response(payment, 201 if created else 200)


def _list(platform: PaymentPlatform, request: Request) -> Response:
    try:
        query = PaymentListQuerySchema().load(dict(request.args))
    except ValidationError as exc:
        raise Invalid(exc.messages) from exc
    return json_response({"payments": platform.paid_or_refunded_on(query["date"])}, 200)


def _refund(platform: PaymentPlatform, request: Request, ref: str) -> Response:
    body = load_body(request, RefundRequestSchema())
    try:
        payment, refunded = platform.refund(ref, body)
    except Conflict as exc:
        return error(409, "conflict", str(exc))
    if payment is None:
        return _not_found(ref)
    return json_response(payment, 201 if refunded else 200)


def _page(platform: PaymentPlatform, ref: str) -> Response:
    payment = platform.get(ref)
    if payment is None:
        return _html(pages.not_found_page(ref), 404)
    return _html(pages.pay_page(payment), 200)


def _act(platform: PaymentPlatform, request: Request, ref: str) -> Response:
    action, channel = request.form.get("action"), request.form.get("channel") or None
    if action not in ("pay", "cancel") or (channel is not None and channel not in CHANNELS):
        payment = platform.get(ref)
        if payment is None:
            return _html(pages.not_found_page(ref), 404)
        return _html(pages.result_page(payment, "Yêu cầu không hợp lệ."), 422)
    try:
        payment = platform.act(ref, action, channel)
    except Conflict:
        current = platform.get(ref)
        assert current is not None
        return _html(pages.result_page(current, "Giao dịch không còn chờ thanh toán."), 409)
    if payment is None:
        return _html(pages.not_found_page(ref), 404)
    return _html(pages.result_page(payment), 200)


def make_app(platform: PaymentPlatform) -> Any:
    def handle(request: Request) -> Response:
        matched = match(URLS, request)
        if isinstance(matched, Response):
            return matched
        endpoint, args = matched
        try:
            if endpoint == "health":
                return json_response({"status": "ok"}, 200)
            if endpoint == "create":
                return _create(platform, request)
            if endpoint == "list":
                return _list(platform, request)
            ref = args["ref"]
            if endpoint == "get":
                payment = platform.get(ref)
                return json_response(payment, 200) if payment else _not_found(ref)
            if endpoint == "refund":
                return _refund(platform, request, ref)
            if endpoint == "page":
                return _page(platform, ref)
            return _act(platform, request, ref)
        except Invalid as exc:
            return error(422, "invalid_request", exc.message)

    @Request.application
    def app(request: Request) -> Response:
        return handle(request)

    return app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="national payment platform simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--callback-url", default=None)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--pay-delay", type=float, default=1.0)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--callback-delay", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--public-url", default=None, help="base of pay_url (default: the URL a request used)"
    )
    args = parser.parse_args(argv)
    if not 0.0 <= args.fail_rate <= 1.0:
        parser.error("--fail-rate must be between 0 and 1")
    if args.pay_delay < 0 or args.callback_delay < 0:
        parser.error("delays must not be negative")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    platform = PaymentPlatform(
        Config(
            callback_url=args.callback_url,
            secret=args.secret,
            pay_delay=args.pay_delay,
            fail_rate=args.fail_rate,
            callback_delay=args.callback_delay,
            seed=args.seed,
            public_url=args.public_url,
        )
    )
    threading.Thread(target=platform.run_clock, name="clock", daemon=True).start()
    threading.Thread(target=platform.run_sender, name="callbacks", daemon=True).start()
    serve(
        make_app(platform),
        args.host,
        args.port,
        "payment platform simulator",
        platform.stopping.set,
    )


if __name__ == "__main__":
    main()
