"""Schemas of the national payment platform's JSON HTTP API (the platform is external; the
simulator in services/payment_platform plays it in development and tests).

Endpoints (JSON bodies, UTF-8; amounts are whole đồng, JSON integers: ``150000.0`` is refused):

- ``POST /payments`` with a PaymentRequestSchema body → ``201`` with a PaymentSchema body (status
  ``pending``); ``200`` with the existing payment when one with the same ``reference`` exists (a
  payer system may repeat a request whose answer it lost without asking the citizen twice).
  ``pay_url`` is the platform's page where the citizen pays: ``GET /pay/{payment_ref}``.
- ``GET /payments/{payment_ref}`` → ``200`` with a PaymentSchema body.
- ``GET /payments?date=YYYY-MM-DD`` → ``200`` with a PaymentListSchema body: every payment paid
  or refunded on that UTC date (what a reconciliation reads), by ``paid_at``.
- ``POST /payments/{payment_ref}/refunds`` with a RefundRequestSchema body → ``201`` with the
  PaymentSchema body after the refund; ``200`` with the payment as it is when the payment
  already has a refund with that ``refund_reference`` (the idempotency key) and the same
  amount; ``409`` when the payment is not ``paid`` or ``partially_refunded``, when the amount
  is more than what is left to refund, or when the ``refund_reference`` was used with another
  amount.
- ``GET /pay/{payment_ref}``: the citizen's page (HTML, Vietnamese) with the amount, the
  description and two buttons that POST ``action=pay`` or ``action=cancel`` (form-encoded,
  optionally ``channel``) to ``/pay/{payment_ref}``: pay → ``paid``, cancel → ``failed``. The
  answer page shows the outcome and, when the request had a ``return_url``, a link back to it
  with ``payment_ref`` and ``status`` added to its query string.

Statuses: ``pending`` → ``paid`` | ``failed`` (cancelled or declined) | ``expired`` (still
pending at ``expires_at``); ``paid`` → ``partially_refunded`` | ``refunded`` (the whole amount
refunded); ``partially_refunded`` → ``partially_refunded`` (another refund) | ``refunded``.
``failed``, ``expired`` and ``refunded`` are final. ``refunded_amount`` is the sum of the
refunds.

Errors: ``{"error": {"code": ..., "message": ...}}`` with ``422`` (``invalid_request``, invalid
JSON, body or query), ``404`` (``not_found``, unknown payment) or ``409`` (``conflict``).

Payment references are ``PAY`` + 12 digits, refund references ``RFD`` + 12 digits.

Each status change (including each refund, which records ``refund_ref``) is POSTed to the payer
system's callback URL as a StatusCallbackSchema body, signed in the ``X-Payment-Signature``
header (services/common/signing.py). ``event_id`` is unique per status change and also appears
on that event in the payment's ``events``, so a receiver can drop a callback or a polled event
it has already applied (the same callback may arrive more than once). The receiver answers 2xx
(applied) or 409 (already applied): both are final. Other answers are retried a few times, then
the callback is dropped, so the receiver must also poll ``GET /payments/{payment_ref}``.
"""

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

PAYMENT_STATUSES = (
    "pending",
    "paid",
    "failed",
    "expired",
    "partially_refunded",
    "refunded",
)
FINAL_STATUSES = ("failed", "expired", "refunded")
REFUNDABLE_STATUSES = ("paid", "partially_refunded")
CHANNELS = ("card", "bank_transfer", "e_wallet")
PAYMENT_REF_PATTERN = r"^PAY[0-9]{12}$"
REFUND_REF_PATTERN = r"^RFD[0-9]{12}$"
SIGNATURE_HEADER = "X-Payment-Signature"
MAX_AMOUNT_VND = 100_000_000_000
DEFAULT_EXPIRES_IN_SECONDS = 900


def payment_ref_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(PAYMENT_REF_PATTERN), **kwargs)


def refund_ref_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(REFUND_REF_PATTERN), **kwargs)


def amount_field(**kwargs: Any) -> fields.Integer:
    """Whole đồng, a JSON integer (a float or a boolean is refused), more than zero."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_AMOUNT_VND), **kwargs)


def refunded_amount_field(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_AMOUNT_VND), **kwargs)


def _status_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(PAYMENT_STATUSES), **kwargs)


def _channel_field(**kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, validate=validate.OneOf(CHANNELS), **kwargs)


class PaymentRequestSchema(Schema):
    """POST /payments: ask the citizen to pay an amount."""

    class Meta:
        unknown = RAISE

    reference = fields.String(  # the payer system's own payment id
        required=True, validate=validate.Length(min=1, max=64)
    )
    amount = amount_field(required=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=200))
    payer_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=200)
    )
    expires_in_seconds = fields.Integer(
        strict=True,
        load_default=DEFAULT_EXPIRES_IN_SECONDS,
        validate=validate.Range(min=1, max=7 * 24 * 3600),
    )
    return_url = fields.Url(  # where the pay page links back to, once the citizen has acted
        load_default=None,
        allow_none=True,
        require_tld=False,
        schemes={"http", "https"},
        validate=validate.Length(max=2000),
    )


class RefundRequestSchema(Schema):
    """POST /payments/{payment_ref}/refunds: give back part or all of a paid amount."""

    class Meta:
        unknown = RAISE

    refund_reference = fields.String(  # the payer system's refund id: the idempotency key
        required=True, validate=validate.Length(min=1, max=64)
    )
    amount = amount_field(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class PaymentListQuerySchema(Schema):
    """GET /payments?date=YYYY-MM-DD: the payments paid or refunded on a UTC date."""

    class Meta:
        unknown = RAISE

    date = fields.Date(required=True)


class RefundSchema(Schema):
    refund_ref = refund_ref_field(required=True)
    refund_reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount = amount_field(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=200))
    created_at = fields.AwareDateTime(required=True)


class StatusCallbackSchema(Schema):
    """The body of a status callback, and of each entry of a payment's `events`."""

    event_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    payment_ref = payment_ref_field(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    status = _status_field(required=True)
    amount = amount_field(required=True)
    refunded_amount = refunded_amount_field(required=True)  # after this change
    channel = _channel_field(required=True)  # how it was paid; None if it never was
    occurred_at = fields.AwareDateTime(required=True)
    refund_ref = refund_ref_field(  # the refund this change records, on refund changes only
        required=True, allow_none=True
    )


class PaymentSchema(Schema):
    payment_ref = payment_ref_field(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount = amount_field(required=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=200))
    payer_name = fields.String(load_default=None, allow_none=True)
    status = _status_field(required=True)
    pay_url = fields.String(required=True)
    return_url = fields.String(load_default=None, allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)
    paid_at = fields.AwareDateTime(required=True, allow_none=True)
    channel = _channel_field(required=True)
    refunded_amount = refunded_amount_field(required=True)
    refunds = fields.List(fields.Nested(RefundSchema), required=True)
    events = fields.List(fields.Nested(StatusCallbackSchema), required=True)


class PaymentListSchema(Schema):
    payments = fields.List(fields.Nested(PaymentSchema), required=True)


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.Raw(required=True)  # a text, or marshmallow's messages per field


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)
