"""Notification's database: recipients (its own copy of the phone number) and the message log."""

from datetime import datetime

from services.common.keys import last_part, prefix_range, until
from services.common.store import Aggregates, Conflict, Database, MongoStore, NotFound
from services.notification import indexes


class NotificationRecords(Database):
    def __init__(self, db):
        super().__init__(db)
        self.recipients = db.recipients
        self.messages = Aggregates(db, "messages", views=indexes.entries)

    def save_recipient(self, recipient: dict) -> None:
        self.recipients.replace_one({"_id": recipient["_id"]}, recipient, upsert=True)

    def recipient(self, code: str) -> dict:
        doc = self.recipients.find_one({"_id": code})
        if doc is None:
            raise NotFound(code)
        return doc

    def add_message(self, message: dict) -> dict | None:
        """The message as stored; None if a message for this (event, recipient) exists: at most
        one SMS each."""
        saved = self.messages.create(message, [])
        return saved.doc if saved else None

    def get(self, message_id: str) -> dict:
        return self.messages.get(message_id)

    def claim(self, message_id: str, now: datetime, current: dict | None = None) -> dict | None:
        """Take a queued message that is due for sending; only one process wins it. `current`:
        the message as this worker just wrote it (saves reading it again; if another writer got
        ahead, the claim conflicts and is lost, as it should be)."""
        m = current or self.messages.get(message_id)
        if m["status"] != "queued" or m["next_attempt_at"] > now:
            return None
        history = [{"at": now, "status": "sending", "detail": ""}]
        try:
            saved = self.messages.save(
                m, {"status": "sending", "claimed_at": now}, [], push={"history": history}
            )
        except Conflict:
            return None
        return saved.doc

    def due(self, now: datetime, limit: int = 50) -> list[str]:
        """Queued messages whose next attempt is due, soonest first."""
        cursor = self.db[indexes.PENDING].find({"_id": until("queued", now)}, limit=limit)
        return [last_part(v["_id"]) for v in cursor]

    def stuck_sending(self, before: datetime, limit: int = 50) -> list[str]:
        """Messages claimed for sending before `before` whose sender never said how it went."""
        cursor = self.db[indexes.PENDING].find({"_id": until("sending", before)}, limit=limit)
        return [last_part(v["_id"]) for v in cursor]

    def update(
        self, message_id, now, status, detail="", only_from=None, current=None, **fields
    ) -> bool:
        """Move a message to `status`, unless it left the states `only_from` meanwhile. The
        history entry is never dated before the one applied ahead of it (a delivery report and
        the gateway's answer may race), so the history reads in the order it happened. A status
        the message has already, with no field to record, is not written again. `current`: the
        message as this worker last wrote it, tried first (a conflict reads it again)."""
        while True:
            m, current = current or self.messages.get(message_id), None
            if only_from and m["status"] not in only_from:
                return False
            if m["status"] == status and not fields:  # e.g. Kannel's "sent" report after "sent"
                return True
            at = max([now, *(h["at"] for h in m.get("history", [])[-1:])])
            history = [{"at": at, "status": status, "detail": detail}]
            try:
                self.messages.save(
                    m,
                    {"status": status, "updated_at": now, **fields},
                    [],
                    push={"history": history},
                )
                return True
            except Conflict:
                continue

    def by_gateway_ref(self, ref: str) -> list[str]:
        """The message a gateway reference (an SMPP message id) belongs to."""
        cursor = self.db[indexes.BY_REF].find({"_id": prefix_range(ref)}, limit=2)
        return [last_part(v["_id"]) for v in cursor]

    def for_dossier(self, code: str) -> list[dict]:
        ids = [
            last_part(v["_id"])
            for v in self.db[indexes.BY_DOSSIER].find({"_id": prefix_range(code)})
        ]
        if not ids:
            return []
        found = self.messages.collection.find({"_id": {"$in": ids}}, {"applied": 0})
        return sorted(found, key=lambda m: m["created_at"])


class NotificationStore(MongoStore):
    database = "notification"

    def get_dependency(self, worker_ctx):
        return NotificationRecords(self.db)
