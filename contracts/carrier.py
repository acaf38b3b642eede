"""Schemas of the postal carrier's JSON HTTP API (the carrier is external; the simulator in
services/carrier plays it in development and tests).

Endpoints (JSON bodies, UTF-8):

- ``POST /shipments`` with a ShipmentRequestSchema body → ``201`` with a ShipmentSchema body;
  ``200`` with the existing shipment when one with the same ``reference`` exists (a sender may
  repeat a request whose answer it lost without creating a second package).
- ``GET /shipments/{tracking_number}`` → ``200`` with a ShipmentSchema body.
- ``POST /shipments/{tracking_number}/cancel`` → ``200`` with a ShipmentSchema body (status
  ``cancelled``) while the shipment is still ``requested``; ``409`` once it has been picked up.

Errors: ``{"error": {"code": ..., "message": ...}}`` with ``422`` (``invalid_request``, invalid
JSON or body), ``404`` (``not_found``, unknown tracking number) or ``409`` (``conflict``).

Tracking numbers are S10 style: ``EL`` + 9 digits + ``VN``.

Each status change is POSTed to the subscriber's callback URL as a StatusCallbackSchema body,
signed in the ``X-Carrier-Signature`` header (services/common/signing.py). ``event_id`` is
unique per status change and also appears on that event in ``GET``, so a receiver can drop a
callback or a polled event it has already applied. The receiver answers 2xx (applied) or 409
(already applied): both are final. Other answers are retried a few times, then the callback is
dropped, so the receiver must also poll ``GET``.
"""

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from contracts.events import office_field

SHIPMENT_STATUSES = (
    "requested",
    "picked_up",
    "in_transit",
    "delivered",
    "failed_attempt",
    "returned",
    "cancelled",
)
FINAL_STATUSES = ("delivered", "returned", "cancelled")
TRACKING_PATTERN = r"^EL[0-9]{9}VN$"
SIGNATURE_HEADER = "X-Carrier-Signature"


def tracking_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(TRACKING_PATTERN), **kwargs)


class ShipmentRequestSchema(Schema):
    """POST /shipments: pick a package up at the sender office and deliver it."""

    class Meta:
        unknown = RAISE

    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))  # dossier
    sender_office_id = office_field(required=True)
    receiver_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = fields.String(required=True, validate=validate.Length(min=3, max=32))
    address_line = fields.String(required=True, validate=validate.Length(min=1, max=300))
    commune_id = office_field(required=True)
    contents = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        required=True,
        validate=validate.Length(min=1, max=100),
    )
    declared_weight_grams = fields.Integer(
        required=True, validate=validate.Range(min=1, max=30_000)
    )
    fee_vnd = fields.Integer(required=True, validate=validate.Range(min=0, max=100_000_000))
    max_attempts = fields.Integer(load_default=3, validate=validate.Range(min=1, max=10))


class ShipmentEventSchema(Schema):
    event_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    at = fields.AwareDateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(SHIPMENT_STATUSES))
    detail = fields.String(load_default="", validate=validate.Length(max=1000))
    by = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    attempt = fields.Integer(load_default=0, validate=validate.Range(min=0))
    receiver_name = fields.String(  # on "delivered": who signed for it
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )


class ShipmentSchema(Schema):
    tracking_number = tracking_field(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    status = fields.String(required=True, validate=validate.OneOf(SHIPMENT_STATUSES))
    attempts = fields.Integer(required=True, validate=validate.Range(min=0))
    events = fields.List(fields.Nested(ShipmentEventSchema), required=True)


class StatusCallbackSchema(Schema):
    """The body of a status callback; `attempt` counts delivery attempts made so far."""

    tracking_number = tracking_field(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    status = fields.String(required=True, validate=validate.OneOf(SHIPMENT_STATUSES))
    at = fields.AwareDateTime(required=True)
    attempt = fields.Integer(required=True, validate=validate.Range(min=0))
    detail = fields.String(load_default="", validate=validate.Length(max=1000))
    receiver_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )
    event_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    by = fields.String(  # the postal worker, on pick-up and delivery attempts
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)
