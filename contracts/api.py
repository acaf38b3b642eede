"""Schemas of the HTTP API's request bodies and the officer identity passed over RPC."""

from marshmallow import RAISE, Schema, fields, validate

from contracts.events import (
    CHANNELS,
    RETURN_METHODS,
    ApplicantSchema,
    PostalAddressSchema,
    PostalHandoverSchema,
)
from contracts.lifecycle import ACTIONS, ROLES


class ProvidedDocumentSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    count = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100))


class ReceiveRequestSchema(Schema):
    """POST /api/dossiers: a dossier handed in at the caller's counter. With
    `not_accepted_reason` the counter refuses to accept it (form 03): it gets a code and a
    record, and goes no further."""

    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    channel = fields.String(load_default="counter", validate=validate.OneOf(CHANNELS))
    applicant = fields.Nested(ApplicantSchema, required=True)
    documents = fields.List(
        fields.Nested(ProvidedDocumentSchema), load_default=list, validate=validate.Length(max=100)
    )
    return_method = fields.String(load_default="counter", validate=validate.OneOf(RETURN_METHODS))
    postal_address = fields.Nested(PostalAddressSchema, load_default=None, allow_none=True)
    # channel "post": the dossier came by post; who brought it, signed for by the receiver
    postal_handover = fields.Nested(PostalHandoverSchema, load_default=None, allow_none=True)
    not_accepted_reason = fields.String(
        load_default=None, validate=validate.Length(min=1, max=1000)
    )


class ActionRequestSchema(Schema):
    """POST /api/dossiers/{code}/actions."""

    class Meta:
        unknown = RAISE

    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    reason = fields.String(load_default=None, validate=validate.Length(max=1000))
    missing_documents = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        validate=validate.Length(max=50),
    )
    new_due_at = fields.AwareDateTime(load_default=None)
    note = fields.String(load_default=None, validate=validate.Length(max=1000))


class OfficerSchema(Schema):
    """Who is acting: resolved by the gateway from a bearer token."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(
        required=True, validate=validate.OneOf([r for r in ROLES if r != "system"])
    )
    office_id = fields.String(required=True)
