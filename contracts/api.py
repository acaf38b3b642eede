"""Schemas of the HTTP API's request bodies and the officer identity passed over RPC."""

from marshmallow import RAISE, Schema, fields, validate

from contracts.lifecycle import ACTIONS, ROLES


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
