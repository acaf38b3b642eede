"""Phone verification by SMS one-time code, as decisions (no I/O): a new verification, what a
code tried does to it, what the citizen is told, and whether it proves a phone for a purpose.
The rules (lengths, lifetimes, tries) are in contracts/verification.py.

Only a keyed hash of the code is stored, bound to its verification: a database reader cannot
recover a code, nor use one for another verification."""

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from contracts import verification as rules
from contracts.errors import Gone, InvalidInput, NotFoundError, TooManyRequests
from services.common.repository import Change


def new_id() -> str:
    """A verification id: random, unguessable (it names the proof), 24 URL-safe characters."""
    return secrets.token_urlsafe(18)


def new_code() -> str:
    return f"{secrets.randbelow(10**rules.CODE_LENGTH):0{rules.CODE_LENGTH}d}"


def keyed(secret: str, *parts: str) -> str:
    """An HMAC-SHA256 of the parts: how codes are stored, and phones named in limit keys."""
    message = "\x1f".join(parts).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def new_verification(
    verification_id: str, msisdn: str, purpose: str, code_hash: str, now: datetime
) -> dict[str, Any]:
    return {
        "_id": verification_id,
        "msisdn": msisdn,
        "purpose": purpose,
        "code_hash": code_hash,
        "status": "pending",
        "tries": 0,
        "created_at": now,
        "expires_at": now + rules.CODE_TTL,
        "verified_at": None,
    }


def tried(v: dict[str, Any], code_hash: str, now: datetime) -> Change | None:
    """What a code tried does: the right code in time confirms a pending verification; a wrong
    one counts a try, and the last allowed try locks it. Nothing changes otherwise (confirmed,
    locked or expired already)."""
    if v["status"] != "pending" or now > v["expires_at"]:
        return None
    if hmac.compare_digest(v["code_hash"], code_hash):
        return Change({"status": "verified", "verified_at": now})
    tries = v["tries"] + 1
    return Change({"tries": tries, "status": "locked" if tries >= rules.MAX_TRIES else "pending"})


def answer(v: dict[str, Any], code_hash: str, now: datetime) -> dict[str, Any]:
    """The citizen's answer after `tried`: confirmed, or why not (a DomainError raised)."""
    tries_left = max(0, rules.MAX_TRIES - v["tries"])
    if v["status"] == "locked":
        raise TooManyRequests(
            "too_many_tries", "too many wrong codes: ask for a new code", {"tries_left": 0}
        )
    right = hmac.compare_digest(v["code_hash"], code_hash)
    if v["status"] == "verified" and right:
        return {"verified": True, "tries_left": tries_left}
    if v["status"] == "pending" and now > v["expires_at"]:
        raise Gone("code_expired", "the code has expired: ask for a new code")
    raise InvalidInput("wrong_code", "that is not the code we sent", {"tries_left": tries_left})


def proven_phone(v: dict[str, Any] | None, purpose: str, now: datetime) -> str | None:
    """The phone a verification proves for `purpose` at `now`, or None."""
    if v is None or v["status"] != "verified" or v["purpose"] != purpose:
        return None
    if now > v["verified_at"] + rules.PROOF_TTL:
        return None
    phone: str = v["msisdn"]
    return phone


def settled(v: dict[str, Any]) -> datetime | None:
    """When a verification stopped changing: a pending one may take codes until it expires."""
    if v["status"] == "pending":
        expires_at: datetime = v["expires_at"]
        return expires_at
    at: datetime = v["verified_at"] or v["created_at"]
    return at


def unknown(verification_id: str) -> NotFoundError:
    return NotFoundError("unknown_verification", "no such verification: ask for a new code")
