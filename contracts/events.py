"""Payload schemas of every domain event and liaison transfer, keyed by message type."""

from typing import Any

from marshmallow import Schema, fields, validate

from contracts.codes import OFFICE_ID_PATTERN
from contracts.lifecycle import CHANNELS as CHANNELS  # re-exported for contracts.api
from contracts.money import KINDS, METHODS, STATUSES, vnd_field
from contracts.offices import LEVELS

RETURN_METHODS = ("counter", "post")


def office_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(f"^{OFFICE_ID_PATTERN}$"), **kwargs)


class ApplicantSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = fields.String(required=True, validate=validate.Length(min=3, max=32))
    id_number = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9]{9,12}$"))
    address = fields.String(load_default=None, validate=validate.Length(max=300))


class PostalAddressSchema(Schema):
    line = fields.String(required=True, validate=validate.Length(min=1, max=300))
    commune_id = office_field(required=True)
    receiver_name = fields.String(load_default=None, validate=validate.Length(max=200))


class PostalHandoverSchema(Schema):
    """The record signed when a package changes hands between the post and an office."""

    postal_worker = fields.String(required=True, validate=validate.Length(min=1, max=200))
    officer = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    at = fields.AwareDateTime(load_default=None, allow_none=True)  # intake: now, if not given
    tracking_number = fields.String(load_default=None, allow_none=True)


class FeeSchema(Schema):
    """The procedure's fee at receipt (contracts/money.py): how it is paid, and the receipt
    number issued when it was paid there and then (None while an online payment is awaited)."""

    amount_vnd = vnd_field(required=True)
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    receipt_number = fields.String(load_default=None, allow_none=True)
    collected_by = fields.String(load_default=None, allow_none=True)  # officer or postal worker


class DocumentSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    form = fields.String(
        load_default="copy", validate=validate.OneOf(["original", "certified_copy", "copy"])
    )
    count = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100))


class PlannedStepSchema(Schema):
    index = fields.Integer(required=True, validate=validate.Range(min=0))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    office_id = office_field(required=True)
    duration_amount = fields.Integer(required=True, validate=validate.Range(min=0))
    duration_unit = fields.String(required=True, validate=validate.OneOf(["days", "hours"]))
    due_at = fields.AwareDateTime(required=True)


class DossierReceivedSchema(Schema):
    """The only message that carries the applicant's personal data (PII travels once)."""

    code = fields.String(required=True)
    procedure_code = fields.String(required=True)
    procedure_name = fields.String(required=True)
    office_id = office_field(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    applicant = fields.Nested(ApplicantSchema, required=True)
    documents = fields.List(fields.Nested(DocumentSchema), required=True)
    return_method = fields.String(required=True, validate=validate.OneOf(RETURN_METHODS))
    postal_address = fields.Nested(PostalAddressSchema, load_default=None, allow_none=True)
    received_at = fields.AwareDateTime(required=True)
    appointment_at = fields.AwareDateTime(required=True)
    route = fields.List(fields.Nested(PlannedStepSchema), required=True)
    received_by = fields.String(required=True)
    postal_handover = fields.Nested(PostalHandoverSchema, load_default=None, allow_none=True)
    status = fields.String(
        load_default="received",
        validate=validate.OneOf(["received", "not_accepted", "awaiting_fee", "submitted_online"]),
    )
    not_accepted_reason = fields.String(load_default=None, allow_none=True)
    fee = fields.Nested(FeeSchema, load_default=None, allow_none=True)  # None: no fee
    national_status = fields.Integer(load_default=None, allow_none=True)  # TrangThaiHoSo 1-3
    national_channel = fields.Integer(load_default=None, allow_none=True)  # KenhThucHien 1-3


class ActorSchema(Schema):
    name = fields.String(required=True)
    role = fields.String(required=True)
    office_id = fields.String(required=True)


class WorkflowEventSchema(Schema):
    """What routing tells the world after each transition; later events carry no PII."""

    state = fields.String(required=True)
    office_id = fields.String(required=True)
    step_index = fields.Integer(required=True)
    actor = fields.Nested(ActorSchema, load_default=None, allow_none=True)
    from_office_id = fields.String(load_default=None, allow_none=True)
    to_office_id = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)
    missing_documents = fields.List(fields.String(), load_default=list)
    due_at = fields.AwareDateTime(load_default=None, allow_none=True)
    appointment_at = fields.AwareDateTime(load_default=None, allow_none=True)
    timing = fields.String(load_default=None, allow_none=True)  # early | on_time | late
    return_method = fields.String(load_default=None, allow_none=True)
    tracking_number = fields.String(load_default=None, allow_none=True)  # result by post
    attempt = fields.Integer(load_default=None, allow_none=True)  # delivery attempts made
    original_appointment_at = fields.AwareDateTime(load_default=None, allow_none=True)  # form 04
    national_status = fields.Integer(load_default=None, allow_none=True)  # TrangThaiHoSo 1-10
    # a notice of financial obligation (form-free; status 6): what, why, until when
    amount_vnd = fields.Integer(load_default=None, allow_none=True)
    pay_by = fields.AwareDateTime(load_default=None, allow_none=True)
    payment_id = fields.String(load_default=None, allow_none=True)
    receiving_office_id = fields.String(load_default=None, allow_none=True)  # where it is paid


class HandoverSchema(Schema):
    """One row of the control sheet (form 06): who gave the dossier, who received it, and how
    the giver's step went against its own due. `by_system` / `received_by_system`: an automatic
    step of the system, the one exception to a person's name in either column."""

    from_office_id = fields.String(required=True)
    to_office_id = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    by = fields.String(required=True)
    by_system = fields.Boolean(load_default=False)
    received_by = fields.String(load_default=None, allow_none=True)  # None: receipt pending
    received_at = fields.AwareDateTime(load_default=None, allow_none=True)
    received_by_system = fields.Boolean(load_default=False)
    step_due_at = fields.AwareDateTime(load_default=None, allow_none=True)
    timing = fields.String(load_default=None, allow_none=True)  # the giver's step


class TransferSchema(Schema):
    """A dossier moving between levels on the `liaison` exchange."""

    code = fields.String(required=True)
    procedure_code = fields.String(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(["forward", "return"]))
    step_index = fields.Integer(required=True)
    to_office_id = fields.String(required=True)
    step_due_at = fields.AwareDateTime(load_default=None, allow_none=True)
    route = fields.List(fields.Nested(PlannedStepSchema), required=True)
    handover = fields.Nested(HandoverSchema, required=True)


WORKFLOW_EVENTS = (
    "dossier_forwarded",
    "dossier_arrived",
    "dossier_accepted",
    "supplement_requested",
    "dossier_supplemented",
    "dossier_resolved",
    "dossier_refused",
    "dossier_stopped",
    "dossier_withdrawn",
    "dossier_extended",
    "result_returned",
    "result_sent_by_post",
    "result_delivered_by_post",
    "result_returned_from_post",
    "result_handed_over",
    "dossier_due_soon",
    "dossier_overdue",
    "obligation_requested",
    "obligation_fulfilled",
    "obligation_overdue",
    "fee_confirmed",
    "online_dossier_accepted",  # the counter checked a dossier filed online (status 2)
    "online_dossier_supplemented",  # the citizen uploaded what the counter asked for
    "dossier_not_accepted",  # a dossier filed online refused at the check (form 03)
)


class PaymentEventSchema(Schema):
    """What the payment service tells the world about one payment; no personal data."""

    payment_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    office_id = office_field(required=True)
    amount_vnd = vnd_field(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    method = fields.String(load_default=None, allow_none=True)
    receipt_number = fields.String(load_default=None, allow_none=True)
    paid_at = fields.AwareDateTime(load_default=None, allow_none=True)
    pay_by = fields.AwareDateTime(load_default=None, allow_none=True)
    pay_url = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)
    refunded_vnd = fields.Integer(load_default=0)


PAYMENT_EVENT_TYPES = (
    "payment_requested",  # due: the citizen is told the amount and how to pay
    "payment_received",  # paid, with its receipt number
    "payment_refunded",
    "payment_overdue",  # a notice unpaid past its deadline (raised once)
    "payment_cancelled",
)


class ShipmentEventSchema(Schema):
    """What postal tells the world about a result travelling home; no personal data."""

    shipment_id = fields.String(required=True)
    tracking_number = fields.String(required=True)
    status = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    attempt = fields.Integer(load_default=0)
    detail = fields.String(load_default="")
    fee_vnd = fields.Integer(load_default=None, allow_none=True)
    handover = fields.Nested(PostalHandoverSchema, load_default=None, allow_none=True)


# Carrier status -> the postal event it causes ("requested" is announced once the tracking
# number is known, whichever of our request or the carrier's callback brings it first).
SHIPMENT_EVENT_OF = {
    "requested": "shipment_requested",
    "picked_up": "shipment_picked_up",
    "in_transit": "shipment_in_transit",
    "failed_attempt": "delivery_failed",
    "delivered": "shipment_delivered",
    "returned": "shipment_returned",
    "cancelled": "shipment_cancelled",
}

INTAKE_EVENTS = {"dossier_received": DossierReceivedSchema()}
ROUTING_EVENTS = {name: WorkflowEventSchema() for name in WORKFLOW_EVENTS}
TRANSFERS = {"dossier_transfer": TransferSchema()}
POSTAL_EVENTS = {name: ShipmentEventSchema() for name in SHIPMENT_EVENT_OF.values()}
PAYMENT_EVENTS = {name: PaymentEventSchema() for name in PAYMENT_EVENT_TYPES}
