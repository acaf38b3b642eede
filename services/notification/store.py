"""Notification's database: recipients (its own copy of the phone number), the message log, the
counters of the messages by status (published through the log's outbox), the phone
verifications with their limits on asking for codes, and the SMS providers' recent sends and
route (failover.py)."""

import hashlib
from dataclasses import asdict
from datetime import datetime

from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError

from contracts import verification as rules
from services.common.keys import prefix_range, sort_key, until
from services.common.limits import WindowLimit
from services.common.messaging import EntryPublisher
from services.common.repository import (
    Change,
    Committed,
    NotFound,
    find_grouped,
    put_grouped,
)
from services.common.store import Database, MongoStore
from services.common.writes import insert_new
from services.notification import domain, failover, indexes, verification

SAMPLES_BATCH = 10_000  # documents per batch when the failover reads a window's samples


class NotificationRecords(Database):
    def __init__(self, db, messages, verifications, publisher, tally):
        super().__init__(db)
        self.recipients = db.recipients
        self.messages, self.publisher, self.tally = messages, publisher, tally
        self.verifications = verifications
        # codes asked for, per phone (a keyed hash of it) and per client address
        self.codes_per_phone = WindowLimit(db.codes_per_phone, *rules.PHONE_LIMIT)
        self.codes_per_client = WindowLimit(db.codes_per_client, *rules.CLIENT_LIMIT)

    def save_recipient(self, recipient: dict) -> None:
        put_grouped(self.recipients, recipient)

    def recipient(self, code: str) -> dict:
        doc = find_grouped(self.recipients, code)
        if doc is None:
            raise NotFound(code)
        return doc

    def save_invitation(self, msisdn: str, code: str, office_id: str, now: datetime) -> None:
        """The evaluation invitation last sent to a number: a reply from it answers this one."""
        doc = {"_id": _number_key(msisdn), "dossier_code": code, "office_id": office_id, "at": now}
        self.db.invitations.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    def invitation(self, msisdn: str, since: datetime) -> dict | None:
        """The invitation a reply from this number answers, if one was sent since `since`."""
        doc = self.db.invitations.find_one({"_id": _number_key(msisdn)})
        return doc if doc and doc["at"] >= since else None

    def add_message(self, message: dict, now: datetime) -> Committed | None:
        """The message as stored; None if a message for this (event, recipient) exists: at most
        one SMS each. A queued message that is due is stored already claimed for sending by the
        caller ("sending", as `claim` leaves it): its create is its claim, one version fewer."""
        if message["status"] == "queued" and message["next_attempt_at"] <= now:
            taken = _taken(now)
            message = {
                **message,
                **taken.set,
                "history": message["history"] + taken.push["history"],
            }
        return self.messages.create(message, [], publisher=self.publisher)

    def get(self, message_id: str) -> dict:
        return self.messages.get(message_id)

    def claim(self, message_id: str, now: datetime) -> Committed | None:
        """Take a queued message that is due for sending; only one process wins it (None for
        the others, and for a message not due)."""

        def take(m: dict) -> Change | None:
            if m["status"] != "queued" or m["next_attempt_at"] > now:
                return None
            return _taken(now)

        committed = self.messages.change(message_id, take, publisher=self.publisher)
        return committed if committed.changed else None

    def due(self, now: datetime, limit: int = 50) -> list[str]:
        """Queued messages whose next attempt is due, soonest first."""
        return [
            v["_id"] for v in self.messages.find_view(indexes.PENDING, until("queued", now), limit)
        ]

    def stuck_sending(self, before: datetime, limit: int = 50) -> list[str]:
        """Messages claimed for sending before `before` whose sender never said how it went."""
        bounds = until("sending", before)
        return [v["_id"] for v in self.messages.find_view(indexes.PENDING, bounds, limit)]

    def update(self, message_id, now, status, detail="", **fields) -> bool:
        """Move a message to `status` as the status machine allows (domain.STATUS_FROM);
        False if it may not go there from where it is."""
        committed = self.messages.change(
            message_id,
            lambda m: domain.moved(m, now, status, detail, fields),
            publisher=self.publisher,
        )
        return committed.changed or committed.doc["status"] == status

    def by_gateway_ref(self, ref: str) -> list[str]:
        """The message a gateway reference (an SMPP message id) belongs to."""
        return [v["_id"] for v in self.messages.find_view(indexes.BY_REF, prefix_range(ref), 2)]

    # --- SMS provider failover: one sample per send to a provider, the first delivery report of
    # each message, and the route's switches
    def save_samples(self, sends: list[dict], reports: dict[str, tuple[datetime, bool]]) -> None:
        """Sends to providers (failover.Unsaved.send), one insert for all; and messages' delivery
        reports (message id: (time, failed)), one insert: the first report of a message dates
        its latency (it may come before the send is recorded: kept by message, not by send), a
        failure is kept whenever it comes. Each send is keyed `<provider>|<time>|<message>`, so
        that a provider's recent sends are one `_id` range; a send written twice is kept once."""
        if sends:
            docs = [{"_id": f"{d['provider']}|{sort_key(d['sent_at'])}|{d['message_id']}", **d}
                    for d in sends]  # fmt: skip
            insert_new(self.db.sms_samples, docs)
        if reports:
            docs = [{"_id": m, "at": at, "failed": failed} for m, (at, failed) in reports.items()]
            new = set(insert_new(self.db.sms_reports, docs))
            failed_later = [m for m, (_, failed) in reports.items() if failed and m not in new]
            if failed_later:
                self.db.sms_reports.update_many(
                    {"_id": {"$in": failed_later}}, {"$set": {"failed": True}}
                )

    def samples(self, provider: str, since: datetime) -> list[failover.Sample]:
        """The provider's sends since `since`, oldest first, with their messages' reports."""
        bounds = {"$gte": f"{provider}|{sort_key(since)}", "$lt": f"{provider}}}"}
        # one batch each: the window's sends and reports are read every two seconds
        sends = list(self.db.sms_samples.find({"_id": bounds}, batch_size=SAMPLES_BATCH))
        ids = sorted({d["message_id"] for d in sends})
        found = self.db.sms_reports.find({"_id": {"$in": ids}}, batch_size=SAMPLES_BATCH)
        reports = {r["_id"]: r for r in found} if ids else {}
        out = []
        for d in sends:
            report = reports.get(d["message_id"])
            reported_at = max(report["at"], d["sent_at"]) if report else None
            failed = bool(report and report["failed"])
            out.append(failover.Sample(provider, d["sent_at"], d["outcome"], reported_at, failed))
        return out

    def forget_samples(self, providers: tuple[str, ...], before: datetime) -> int:
        """Drop the samples sent before `before`, and their messages' reports."""
        dropped = 0
        for provider in providers:
            bounds = {"_id": {"$gte": f"{provider}|", "$lt": f"{provider}|{sort_key(before)}"}}
            ids = [d["message_id"] for d in self.db.sms_samples.find(bounds, {"message_id": 1})]
            if ids:
                self.db.sms_reports.delete_many({"_id": {"$in": ids}})
            dropped += self.db.sms_samples.delete_many(bounds).deleted_count
        return dropped

    def route(self, settings: failover.Settings) -> failover.Route:
        """The last switch of the route (failover.initial before the first)."""
        last = next(iter(self.db.sms_routes.find().sort("_id", DESCENDING).limit(1)), None)
        if last is None:
            return failover.initial(settings)
        return failover.Route(last["version"], last["active"], last["since"], last["reason"])

    def switch(self, route: failover.Route) -> bool:
        """Record a switch; False if another process recorded this version first (the one
        atomic step FerretDB has, a unique-key insert, claims it)."""
        doc = {"_id": f"{route.version:010d}", **asdict(route)}
        try:
            self.db.sms_routes.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    def for_dossier(self, code: str) -> list[dict]:
        ids = [v["_id"] for v in self.messages.find_view(indexes.BY_DOSSIER, prefix_range(code))]
        found = self.messages.get_many(ids) if ids else {}
        return sorted(found.values(), key=lambda m: m["created_at"])


def _number_key(msisdn: str) -> str:
    """A number as a key: hashed as message ids are, so that no number appears in ids."""
    return hashlib.sha256(msisdn.encode()).hexdigest()[:24]


def _taken(now: datetime) -> Change:
    """A message claimed for sending at `now`."""
    history = [{"at": now, "status": "sending", "detail": ""}]
    return Change({"status": "sending", "claimed_at": now}, {"history": history})


class NotificationStore(MongoStore):
    database = "notification"
    repositories = {"messages": indexes.VIEWS, "verifications": None}
    counts = {"messages": indexes.COUNTS}
    settled = {"messages": domain.settled, "verifications": verification.settled}

    def setup(self):
        super().setup()
        self.publisher = EntryPublisher(self.container.config["AMQP_URI"], self.container.config)

    def get_dependency(self, worker_ctx):
        return NotificationRecords(
            self.db,
            self.repository("messages"),
            self.repository("verifications"),
            self.publisher,
            self.tallies["messages"],
        )
