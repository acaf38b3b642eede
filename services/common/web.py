"""HTTP helpers for nameko's werkzeug entrypoints: JSON bodies, JSON errors."""

import functools
import json
import logging
import math
from datetime import date, datetime

from marshmallow import ValidationError
from werkzeug.wrappers import Response

from contracts.errors import DomainError
from contracts.input_rules import UnsafeInput, check_document, check_query

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
MAX_JSON_DEPTH = 20


class ApiError(Exception):
    """An error the client caused or may act on; becomes {"error": {code, message, …}}."""

    def __init__(self, status: int, code: str, message: str, **details):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def _default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_response(data, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, default=_default)
    return Response(body, status=status, headers=headers, mimetype="application/json")


def error_response(status: int, code: str, message: str, **details) -> Response:
    return json_response({"error": {"code": code, "message": message, **details}}, status)


def _depth(value, level=0) -> int:
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max([_depth(v, level + 1) for v in value.values()] or [level])
    if isinstance(value, list):
        return max([_depth(v, level + 1) for v in value] or [level])
    return level


def read_raw(request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body as bytes, or ApiError 413 when it is over `limit` (MAX_BODY_BYTES)."""
    length = request.content_length
    if length is not None and length > limit:
        raise ApiError(413, "body_too_large", f"body over {limit} bytes")
    stream = request.stream
    if length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        # werkzeug reads a body without Content-Length as empty; the server decodes the chunks
        stream = request.environ["wsgi.input"]
    raw = stream.read(limit + 1)  # never more than the limit, whatever the length said
    if len(raw) > limit:
        raise ApiError(413, "body_too_large", f"body over {limit} bytes")
    return raw


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as inf
        raise ValueError(f"{text} is out of range")
    return value


def parse_json(raw: bytes) -> dict:
    """A JSON object within MAX_JSON_DEPTH that passes contracts.input_rules, or ApiError 400."""
    try:
        data = json.loads(raw or b"null", parse_constant=_no_constant, parse_float=_finite)
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object")
    if _depth(data) > MAX_JSON_DEPTH:
        raise ApiError(400, "too_deep", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    check_document(data)
    return data


def read_json(request) -> dict:
    """The request body as a JSON object, or ApiError 400/413; 415 when it does not say it is
    JSON (Content-Type: application/json): a form or text post is never taken for one."""
    raw = read_raw(request)
    if request.mimetype != "application/json":
        raise ApiError(
            415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)"
        )
    return parse_json(raw)


def api(handler):
    """Wrap an http entrypoint: the query passes contracts.input_rules first; ApiError, refused
    input and schema errors become JSON errors, never a 500."""

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        try:
            check_query(dict(request.args.lists()))
            return handler(self, request, *args, **kwargs)
        except UnsafeInput as exc:
            return error_response(400, exc.code, exc.message, at=exc.where)
        except (ApiError, DomainError) as exc:
            return error_response(exc.status, exc.code, exc.message, **exc.details)
        except ValidationError as exc:
            return error_response(
                422, "invalid_input", "the input is not valid", fields=exc.messages
            )
        except Exception:
            log.exception("unexpected error in %s", handler.__name__)
            return error_response(500, "internal", "an internal error occurred")

    return wrapper
