"""The portal simulator's pure rules: whether a pushed version of a dossier's record is accepted,
the token bucket of its rate limit, the bearer token of a request, what a Retry-After says.
No I/O, no clock of their own: the time is passed in."""

import enum
import hmac
import math
from typing import Any

from contracts.portal import AUTH_SCHEME


class Verdict(enum.Enum):
    CREATED = "created"  # first record of the dossier: 201
    ACCEPTED = "accepted"  # a higher version: 200, stored
    UNCHANGED = "unchanged"  # the stored version again, the same record: 200, nothing stored
    CONFLICT = "conflict"  # the stored version again, another record: 409 version_conflict
    STALE = "stale"  # a lower version: 409 stale_version, nothing stored


def verdict(
    stored_version: int | None, stored_record: dict[str, Any] | None, record: dict[str, Any]
) -> Verdict:
    """What the portal does with `record` (loaded by DossierRecordSchema) given what it holds.
    Records are compared as loaded, so key order and a time's offset do not matter."""
    if stored_version is None:
        return Verdict.CREATED
    if record["version"] > stored_version:
        return Verdict.ACCEPTED
    if record["version"] < stored_version:
        return Verdict.STALE
    return Verdict.UNCHANGED if record == stored_record else Verdict.CONFLICT


class TokenBucket:
    """A rate limit of `rate` requests per second with bursts of up to `rate` (at least one):
    the bucket holds that many tokens, refilled at `rate` per second; a request takes one.
    A rate of 0 lets everything through."""

    def __init__(self, rate: float, now: float):
        self.rate = 0.0
        self.tokens = 0.0
        self.updated = now
        self.set_rate(rate, now)

    @property
    def capacity(self) -> float:
        return max(1.0, self.rate)

    def set_rate(self, rate: float, now: float) -> None:
        """A new rate, starting with a full bucket."""
        if rate < 0:
            raise ValueError("a rate cannot be negative")
        self.rate, self.updated = rate, now
        self.tokens = self.capacity

    def take(self, now: float) -> float:
        """0.0 when the request may go (a token is taken), else the seconds until one will be
        there (nothing is taken)."""
        if self.rate == 0:
            return 0.0
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


def retry_after(seconds: float) -> str:
    """A Retry-After header's value: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds)))


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != AUTH_SCHEME.lower() or not token.strip():
        return None
    return token.strip()


def authorised(header: str | None, api_key: str) -> bool:
    """Does the header carry the province's API key (compared in constant time)?"""
    token = bearer_token(header)
    return token is not None and hmac.compare_digest(token.encode(), api_key.encode())


def outage_left(until: float, now: float) -> float:
    """Seconds left of an outage that ends at `until` (0 when there is none)."""
    return max(0.0, until - now)
