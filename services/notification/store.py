"""Notification's database: recipients (its own copy of the phone number) and the message log."""

from datetime import datetime

from services.common.store import Aggregates, Conflict, Database, MongoStore, NotFound


class NotificationRecords(Database):
    def __init__(self, db):
        super().__init__(db)
        self.recipients = db.recipients
        self.messages = Aggregates(db, "messages")

    def save_recipient(self, recipient: dict) -> None:
        self.recipients.replace_one({"_id": recipient["_id"]}, recipient, upsert=True)

    def recipient(self, code: str) -> dict:
        doc = self.recipients.find_one({"_id": code})
        if doc is None:
            raise NotFound(code)
        return doc

    def add_message(self, message: dict) -> bool:
        """False if a message for this (event, recipient) exists: at most one SMS each."""
        return self.messages.create(message, []) is not None

    def get(self, message_id: str) -> dict:
        return self.messages.get(message_id)

    def claim(self, message_id: str, now: datetime) -> dict | None:
        """Take a queued message that is due for sending; only one process wins it."""
        m = self.messages.get(message_id)
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
        cursor = self.messages.collection.find(
            {"status": "queued", "next_attempt_at": {"$lte": now}}, {"_id": 1}, limit=limit
        )
        return [doc["_id"] for doc in cursor.sort("next_attempt_at", 1)]

    def stuck_sending(self, before: datetime, limit: int = 50) -> list[str]:
        """Messages claimed for sending before `before` whose sender never said how it went."""
        cursor = self.messages.collection.find(
            {"status": "sending", "claimed_at": {"$lte": before}}, {"_id": 1}, limit=limit
        )
        return [doc["_id"] for doc in cursor]

    def update(self, message_id, now, status, detail="", only_from=None, **fields) -> bool:
        """Move a message to `status`, unless it left the states `only_from` meanwhile."""
        while True:
            m = self.messages.get(message_id)
            if only_from and m["status"] not in only_from:
                return False
            history = [{"at": now, "status": status, "detail": detail}]
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
        cursor = self.messages.collection.find({"gateway_refs": ref}, {"_id": 1}, limit=2)
        return [doc["_id"] for doc in cursor]

    def for_dossier(self, code: str) -> list[dict]:
        cursor = self.messages.collection.find({"dossier_code": code}, {"applied": 0})
        return list(cursor.sort("created_at", 1))


class NotificationStore(MongoStore):
    database = "notification"

    def create_indexes(self, db):
        db.messages.create_index([("status", 1), ("next_attempt_at", 1)])
        db.messages.create_index([("dossier_code", 1), ("created_at", 1)])

    def get_dependency(self, worker_ctx):
        return NotificationRecords(self.db)
