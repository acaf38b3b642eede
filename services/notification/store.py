"""Notification's database: recipients (its own copy of the phone number) and the message log."""

from datetime import datetime

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common.store import Database, MongoStore, NotFound


class NotificationRecords(Database):
    def __init__(self, db):
        super().__init__(db)
        self.recipients = db.recipients
        self.messages = db.messages

    def save_recipient(self, recipient: dict) -> None:
        self.recipients.replace_one({"_id": recipient["_id"]}, recipient, upsert=True)

    def recipient(self, code: str) -> dict:
        doc = self.recipients.find_one({"_id": code})
        if doc is None:
            raise NotFound(code)
        return doc

    def add_message(self, message: dict) -> bool:
        """False if a message for this (event, recipient) exists: at most one SMS each."""
        try:
            self.messages.insert_one(message)
        except DuplicateKeyError:
            return False
        return True

    def claim(self, message_id: str, now: datetime) -> dict | None:
        """Take a queued message that is due for sending; only one process wins it."""
        return self.messages.find_one_and_update(
            {"_id": message_id, "status": "queued", "next_attempt_at": {"$lte": now}},
            {"$set": {"status": "sending", "claimed_at": now}},
            return_document=ReturnDocument.AFTER,
        )

    def due(self, now: datetime, limit: int = 50) -> list[str]:
        cursor = self.messages.find(
            {"status": "queued", "next_attempt_at": {"$lte": now}}, {"_id": 1}, limit=limit
        )
        return [doc["_id"] for doc in cursor.sort("next_attempt_at", 1)]

    def update(self, message_id, now, status, detail="", only_from=None, **fields) -> bool:
        query = {"_id": message_id}
        if only_from:
            query["status"] = {"$in": list(only_from)}
        return bool(
            self.messages.update_one(
                query,
                {
                    "$set": {"status": status, "updated_at": now, **fields},
                    "$push": {"history": {"at": now, "status": status, "detail": detail}},
                },
            ).modified_count
        )

    def for_dossier(self, code: str) -> list[dict]:
        return list(self.messages.find({"dossier_code": code}).sort("created_at", 1))


class NotificationStore(MongoStore):
    database = "notification"

    def create_indexes(self, db):
        db.messages.create_index([("status", 1), ("next_attempt_at", 1)])
        db.messages.create_index([("dossier_code", 1), ("created_at", 1)])

    def get_dependency(self, worker_ctx):
        return NotificationRecords(self.db)
