"""The envelope every message carries (message id, type, schema version, dossier code, sequence,
correlation id), and loading a message through it."""

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from contracts.feedback import SUBJECT_PATTERN

SCHEMA_VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024


class InvalidMessage(Exception):
    """A message no consumer can apply: it is parked with this reason, never retried."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class EnvelopeSchema(Schema):
    class Meta:
        unknown = INCLUDE  # a newer producer may add envelope fields; older consumers ignore them

    message_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]{3,64}$"))
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    dossier_code = fields.String(required=True, validate=validate.Regexp(f"^{SUBJECT_PATTERN}$"))
    sequence = fields.Integer(required=True, validate=validate.Range(min=0))
    correlation_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    payload = fields.Dict(required=True)


def make_envelope(
    type_: str,
    dossier_code: str,
    sequence: int,
    payload: dict[str, Any],
    occurred_at: datetime,
    correlation_id: str | None = None,
) -> dict[str, Any]:
    """A message body ready to publish: payload already dumped to JSON-safe values."""
    message_id = str(uuid.uuid4())
    return {
        "message_id": message_id,
        "type": type_,
        "schema_version": SCHEMA_VERSION,
        "occurred_at": occurred_at.astimezone(UTC).isoformat(),
        "dossier_code": dossier_code,
        "sequence": sequence,
        "correlation_id": correlation_id or message_id,
        "payload": payload,
    }


# built once per process: building a schema costs more than a load or dump with it
_ENVELOPE = EnvelopeSchema()


def load_message(
    body: object, payload_schemas: Mapping[str, Schema]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate an incoming body; return (envelope, loaded payload) or raise InvalidMessage."""
    if not isinstance(body, dict):
        raise InvalidMessage(f"body is {type(body).__name__}, not an object")
    try:
        envelope = _ENVELOPE.load(body)
    except ValidationError as exc:
        raise InvalidMessage(f"envelope: {exc.messages}") from exc
    schema = payload_schemas.get(envelope["type"])
    if schema is None:
        raise InvalidMessage(f"unknown message type {envelope['type']!r}")
    try:
        payload = schema.load(envelope["payload"])
    except ValidationError as exc:
        raise InvalidMessage(f"{envelope['type']} payload: {exc.messages}") from exc
    envelope["message_id"] = str(envelope["message_id"])
    return envelope, payload
