"""Gateway's database: officers' bearer tokens, stored as SHA-256 hashes only."""

import hashlib
import secrets
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from services.common.rpc import register_domain_errors
from services.common.store import Database, MongoStore


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Officers(Database):
    def __init__(self, db):
        super().__init__(db)
        self.tokens = db.officer_tokens

    def issue(self, office_id: str, role: str, name: str, now: datetime) -> str:
        """A new token, returned once; only its hash is kept."""
        token = secrets.token_urlsafe(32)
        self.tokens.insert_one(
            {
                "_id": token_hash(token),
                "office_id": office_id,
                "role": role,
                "name": name,
                "issued_at": now,
                "revoked_at": None,
            }
        )
        return token

    def revoke(self, token_or_id: str, now: datetime) -> bool:
        """Revoke by the token itself, or by its id (the hash, or a unique prefix of at least
        8 characters as `make officers` lists it). False if nothing active matched."""
        ids = [token_hash(token_or_id)]
        if len(token_or_id) >= 8:
            ids += [o["id"] for o in self.all() if o["id"].startswith(token_or_id.lower())]
        if len(ids) > 2:  # an ambiguous prefix revokes nothing
            return False
        result = self.tokens.update_one(
            {"_id": {"$in": ids}, "revoked_at": None}, {"$set": {"revoked_at": now}}
        )
        return result.modified_count == 1

    def all(self) -> list[dict]:
        """Every token ever issued (never the token itself: its id is the hash)."""
        return [{"id": doc.pop("_id"), **doc} for doc in self.tokens.find().sort("issued_at", 1)]

    def officer(self, token: str) -> dict | None:
        doc = self.tokens.find_one({"_id": token_hash(token), "revoked_at": None})
        if doc is None:
            return None
        return {"name": doc["name"], "role": doc["role"], "office_id": doc["office_id"]}


class GatewayStore(MongoStore):
    database = "gateway"

    def setup(self):
        super().setup()
        register_domain_errors()  # so RPC errors from intake and routing arrive as themselves

    def get_dependency(self, worker_ctx):
        return Officers(self.db)


class TrackFailures(Database):
    """Failed tracking lookups per client, counted per minute. Each failure is claimed by
    inserting `<client>|<minute>|<n>` (n = 1…limit): a unique insert is the one atomic step
    FerretDB 1.x has, so concurrent failures are all counted."""

    def __init__(self, db, limit: int, window: timedelta, collection: str = "track_failures"):
        super().__init__(db)
        self.failures = db[collection]
        self.limit, self.window = limit, window

    def _minutes(self, now: datetime) -> list[int]:
        last = int(now.timestamp() // 60)
        return list(range(last - int(self.window.total_seconds() // 60) + 1, last + 1))

    def _ids(self, client: str, minutes) -> list[str]:
        return [f"{client}|{m}|{n}" for m in minutes for n in range(1, self.limit + 1)]

    def count(self, client: str, now: datetime) -> int:
        ids = self._ids(client, self._minutes(now))
        return self.failures.count_documents({"_id": {"$in": ids}})

    def record(self, client: str, now: datetime) -> None:
        minute = self._minutes(now)[-1]
        for n in range(1, self.limit + 1):
            try:
                self.failures.insert_one({"_id": f"{client}|{minute}|{n}", "at": now})
                return
            except DuplicateKeyError:
                continue  # this minute is full: the client is blocked anyway

    def forget_before(self, when: datetime) -> int:
        return self.failures.delete_many({"at": {"$lt": when}}).deleted_count


class TrackLimiter(MongoStore):
    """Failed citizen lookups: LIMIT per WINDOW per client, then 429."""

    database = "gateway"
    LIMIT, WINDOW = 10, timedelta(minutes=15)

    def get_dependency(self, worker_ctx):
        return TrackFailures(self.db, self.LIMIT, self.WINDOW)
