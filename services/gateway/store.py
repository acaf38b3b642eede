"""Gateway's database: officers' bearer tokens, stored as SHA-256 hashes only, each with its
end (expiry, rotation, revocation); the citizen page's failed lookups."""

import hashlib
import secrets
from datetime import datetime, timedelta

from services.common.limits import WindowLimit
from services.common.repository import find_grouped
from services.common.rpc import register_domain_errors
from services.common.store import Database, MongoStore


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Officers(Database):
    def __init__(self, db):
        super().__init__(db)
        self.tokens = db.officer_tokens

    def issue(
        self, office_id: str, role: str, name: str, now: datetime, lifetime: timedelta | None
    ) -> str:
        """A new token, returned once; only its hash is kept. It expires after `lifetime`
        (None: never)."""
        token = secrets.token_urlsafe(32)
        self.tokens.insert_one(
            {
                "_id": token_hash(token),
                "office_id": office_id,
                "role": role,
                "name": name,
                "issued_at": now,
                "expires_at": now + lifetime if lifetime else None,
                "revoked_at": None,
            }
        )
        return token

    def rotate(
        self, token_or_id: str, now: datetime, lifetime: timedelta | None, grace: timedelta
    ) -> str | None:
        """A new token for the same officer; the old one keeps working for `grace` (so the
        officer's browser or script can switch without an outage), then expires. None if no
        active token matched."""
        old = self._active(token_or_id, now)
        if old is None:
            return None
        token = self.issue(old["office_id"], old["role"], old["name"], now, lifetime)
        ends = now + grace
        if old.get("expires_at") is None or old["expires_at"] > ends:
            self.tokens.update_one({"_id": old["_id"]}, {"$set": {"expires_at": ends}})
        return token

    def _ids(self, token_or_id: str) -> list[str]:
        """The ids a token or an id (the hash, or a unique prefix of at least 8 characters as
        `make officers` lists it) names; more than two when a prefix is ambiguous."""
        ids = [token_hash(token_or_id)]
        if len(token_or_id) >= 8:
            ids += [o["id"] for o in self.all() if o["id"].startswith(token_or_id.lower())]
        return ids

    def _active(self, token_or_id: str, now: datetime) -> dict | None:
        ids = self._ids(token_or_id)
        if len(ids) > 2:
            return None
        found = [d for d in self.tokens.find({"_id": {"$in": ids}}) if _active(d, now)]
        return found[0] if len(found) == 1 else None

    def revoke(self, token_or_id: str, now: datetime) -> bool:
        """Revoke by the token itself, or by its id (the hash, or a unique prefix of at least
        8 characters as `make officers` lists it). False if nothing active matched."""
        ids = self._ids(token_or_id)
        if len(ids) > 2:  # an ambiguous prefix revokes nothing
            return False
        result = self.tokens.update_one(
            {"_id": {"$in": ids}, "revoked_at": None}, {"$set": {"revoked_at": now}}
        )
        return result.modified_count == 1

    def all(self) -> list[dict]:
        """Every token ever issued (never the token itself: its id is the hash)."""
        return [{"id": doc.pop("_id"), **doc} for doc in self.tokens.find().sort("issued_at", 1)]

    def officer(self, token: str, now: datetime) -> dict | None:
        doc = find_grouped(self.tokens, token_hash(token))
        if doc is None or not _active(doc, now):
            return None
        return {"name": doc["name"], "role": doc["role"], "office_id": doc["office_id"]}


def _active(doc: dict, now: datetime) -> bool:
    """Neither revoked nor expired (a token issued before tokens expired has no end)."""
    expires_at = doc.get("expires_at")
    return doc["revoked_at"] is None and (expires_at is None or now < expires_at)


class GatewayStore(MongoStore):
    database = "gateway"

    def setup(self):
        super().setup()
        register_domain_errors()  # so RPC errors from intake and routing arrive as themselves

    def get_dependency(self, worker_ctx):
        return Officers(self.db)


class TrackLimits:
    """The citizen page's two limits on failed lookups: per client address (then 429), and per
    dossier code whatever the addresses (then the code answers as an unknown one)."""

    def __init__(self, db):
        self.per_client = WindowLimit(db.track_failures, 10, timedelta(minutes=15))
        self.per_code = WindowLimit(db.track_code_failures, 8, timedelta(minutes=30))

    def forget_before(self, now: datetime) -> None:
        for limit in (self.per_client, self.per_code):
            limit.forget_before(now - limit.window)


class TrackLimiter(MongoStore):
    database = "gateway"

    def get_dependency(self, worker_ctx):
        return TrackLimits(self.db)
