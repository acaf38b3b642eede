"""What every outside party's simulator (the carrier, the payment platform, the national portal)
does the same way: JSON answers and errors in the contracts' shape, a request body checked by a
schema, URL matching that answers 404/405 as JSON, signed callbacks retried a few times then
dropped, and serving until interrupted. Each simulator keeps its own state and rules."""

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from services.common.signing import sign

log = logging.getLogger("simulator")
CALLBACK_RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)  # seconds before each retry of a callback
CALLBACK_TIMEOUT = 5.0


class Invalid(Exception):
    """A request body that is not what the contract says (422 invalid_request)."""

    def __init__(self, message: Any):
        super().__init__(message)
        self.message = message


def json_response(body: dict[str, Any], status: int) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )


def error(status: int, code: str, message: Any, **more: Any) -> Response:
    return json_response({"error": {"code": code, "message": message, **more}}, status)


def load_body(request: Request, schema: Schema) -> dict[str, Any]:
    """The JSON object body checked by `schema`; raises Invalid."""
    try:
        data = json.loads(request.get_data() or b"null")
    except ValueError as exc:
        raise Invalid("body is not JSON") from exc
    if not isinstance(data, dict):
        raise Invalid("body must be a JSON object")
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ValidationError as exc:
        raise Invalid(exc.messages) from exc
    return loaded


def match(urls: Map, request: Request) -> tuple[str, dict[str, Any]] | Response:
    """(endpoint, arguments), or the JSON error answer for a path or method it does not have."""
    try:
        endpoint, args = urls.bind_to_environ(request.environ).match()
    except NotFound:
        return error(404, "not_found", "no such resource")
    except MethodNotAllowed:
        return error(405, "method_not_allowed", "method not allowed")
    except HTTPException as exc:
        return error(exc.code or 400, "bad_request", exc.description)
    return str(endpoint), dict(args)


def post_signed(
    url: str,
    payload: dict[str, Any],
    secret: str,
    header: str,
    stopping: threading.Event,
) -> bool:
    """POST a status callback signed in `header` (services/common/signing.py); a 2xx or a 409
    (applied before) is final; anything else is tried again after CALLBACK_RETRY_DELAYS, then
    the callback is dropped (the receiver polls). False when dropped or stopping."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    for delay in (0.0, *CALLBACK_RETRY_DELAYS):
        if delay and stopping.wait(delay):
            return False
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                header: sign(secret, body, int(time.time())),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=CALLBACK_TIMEOUT) as response:
                if 200 <= response.status < 300:
                    return True
        except urllib.error.HTTPError as exc:
            if exc.code == 409:  # the receiver had applied it already: final
                return True
            log.warning("callback %s refused: %s", payload.get("event_id"), exc)
        except (urllib.error.URLError, OSError) as exc:
            log.warning("callback %s failed: %s", payload.get("event_id"), exc)
    log.warning("callback %s dropped after retries", payload.get("event_id"))
    return False


def serve(
    app: Callable[..., Any],
    host: str,
    port: int,
    name: str,
    on_stop: Callable[[], None] | None = None,
) -> None:
    """Serve `app` until interrupted (threaded: one thread a request)."""
    server = make_server(host, port, app, threaded=True)
    log.info("%s listening on %s:%s", name, host, port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if on_stop:
            on_stop()
        server.server_close()
