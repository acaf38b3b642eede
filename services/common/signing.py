"""HMAC-SHA256 signatures of webhook bodies (the carrier's and the payment platform's status
callbacks), and the tokens of callback URLs (Kannel's delivery reports).

The signed message is ``str(timestamp) + "." + raw body`` with a shared secret; the header value
is ``t=<unix seconds>,v1=<hex digest>``. `verify` checks the signature and that the timestamp is
within `tolerance` seconds of `now`, which bounds how long a captured request can be replayed.

Replay protection inside that window (the same ``event_id`` delivered twice) is the receiver's
job, not this module's: it must remember the event ids it has applied.
"""

import hashlib
import hmac


class BadSignature(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _digest(secret: str | bytes, body: bytes, timestamp: int) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    message = str(timestamp).encode() + b"." + body
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def url_token(secret: str, value: str) -> str:
    """A token that proves a URL carrying `value` was made by whoever holds `secret` (the
    delivery-report URL of one SMS): 32 hex characters of its HMAC-SHA256."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def url_token_matches(secret: str, value: str, token: str | None) -> bool:
    # as bytes: compare_digest refuses str with non-ASCII characters (a forged token may have any)
    expected = url_token(secret, value).encode()
    return bool(token) and hmac.compare_digest(expected, str(token).encode())


def sign(secret: str | bytes, body: bytes, timestamp: int) -> str:
    return f"t={int(timestamp)},v1={_digest(secret, body, int(timestamp))}"


def _parse(header: str | None) -> tuple[int, str]:
    if not header:
        raise BadSignature("missing signature header")
    parts = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep or not value or key in parts:
            raise BadSignature("malformed signature header")
        parts[key] = value
    if "t" not in parts or "v1" not in parts:
        raise BadSignature("malformed signature header")
    t, v1 = parts["t"], parts["v1"]
    if not t.isascii() or not t.isdigit() or len(t) > 12:
        raise BadSignature("malformed signature timestamp")
    if len(v1) != 64 or any(c not in "0123456789abcdef" for c in v1):
        raise BadSignature("malformed signature")
    return int(t), v1


def verify(
    secret: str | bytes, body: bytes, header: str | None, now: float, tolerance: int = 300
) -> int:
    """Return the signed timestamp, or raise BadSignature."""
    timestamp, given = _parse(header)
    if not hmac.compare_digest(_digest(secret, body, timestamp), given):
        raise BadSignature("signature mismatch")
    if abs(now - timestamp) > tolerance:
        raise BadSignature("timestamp outside tolerance")
    return timestamp
