"""Errors the domain reports to callers, with a stable code and the HTTP status they map to.

They cross RPC intact: services.common.rpc registers them with nameko, so the gateway receives the
same exception and renders {"error": {"code", "message", ...details}}."""

import json
from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, details: dict[str, Any] | str | None = None):
        # the details cross RPC as JSON text: nameko would turn their numbers into strings
        if isinstance(details, str):
            details = json.loads(details)
        super().__init__(code, message, json.dumps(details or {}, default=str))
        self.code, self.message, self.details = code, message, details or {}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidInput(DomainError):
    status = 422


class NotFoundError(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class IllegalAction(DomainError):
    status = 409


class Gone(DomainError):
    """Something that existed and may no longer be used (an expired code)."""

    status = 410


class TooManyRequests(DomainError):
    """A limit on what one client or phone may do in a while was reached."""

    status = 429


class Unavailable(DomainError):
    """A service did not answer in time; the caller may try again."""

    status = 503


ALL = (
    DomainError,
    InvalidInput,
    NotFoundError,
    Forbidden,
    IllegalAction,
    Gone,
    TooManyRequests,
    Unavailable,
)
