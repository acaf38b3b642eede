"""What the national portal is told of a dossier, as plain functions: the record a receipt
starts, what each event on the bus changes in it (the one table, CHANGES), and what a push's
answer does to the dossier's sync status. No I/O here.

A dossier's record has its own version (`record_version`), raised by every event that changes
it; the portal keeps the highest version it accepted, so a push is the whole record at one
version and a repeated or late push never undoes a newer one. Events reach this service by
several queues, so they may come out of order: each event's place is its `(occurred_at,
source, sequence)` and the record is built from the events in that order, whatever order they
came in (the state from the last of them). Events wait in the inbox (inbox.py) and are folded
into the record several at a time (`fold`), which then takes the lease of the push at once."""

from datetime import datetime, timedelta
from typing import Any

from contracts import feedback as fb
from contracts import lifecycle as lc
from contracts.calendar import WorkingCalendar
from contracts.offices import OfficeCatalog

# Every event this service reads, and what it changes in the pushed record (besides the
# history step every event with a national status adds). A unit test keeps this table and the
# event types of contracts/events.py in step.
STATUS, DATES, FINISH, RETURNED, FEES, POSTAL = (
    "status",
    "appointment_at, legal_due_at",
    "finished_at, timing",
    "returned_at",
    "fees",
    "postal",
)
CHANGES: dict[str, dict[str, tuple[str, ...]]] = {
    "intake": {"dossier_received": ("the whole record",)},
    "routing": {
        "dossier_forwarded": (STATUS,),
        "dossier_arrived": (STATUS,),
        "dossier_accepted": (STATUS,),
        "supplement_requested": (STATUS,),
        "dossier_supplemented": (STATUS, DATES),
        "dossier_resolved": (STATUS, FINISH),
        "dossier_refused": (STATUS, FINISH),
        "dossier_stopped": (STATUS, FINISH),
        "dossier_withdrawn": (STATUS, FINISH),
        "dossier_extended": (STATUS, "appointment_at"),
        "result_returned": (STATUS,),
        "result_sent_by_post": (STATUS,),
        "result_delivered_by_post": (STATUS, RETURNED),
        "result_returned_from_post": (STATUS,),
        "result_handed_over": (STATUS, RETURNED),
        "dossier_due_soon": (),  # an internal alert: not the portal's
        "dossier_overdue": (),
        "obligation_requested": (STATUS,),
        "obligation_fulfilled": (STATUS, DATES),
        "obligation_overdue": (),
        "fee_confirmed": (STATUS, DATES),
        "online_dossier_accepted": (STATUS, DATES),
        "online_dossier_supplemented": (STATUS,),
        "dossier_not_accepted": (STATUS,),
    },
    "postal": {
        "shipment_requested": (POSTAL,),
        "shipment_picked_up": (POSTAL,),
        "shipment_in_transit": (POSTAL,),
        "delivery_failed": (POSTAL,),
        "shipment_delivered": (POSTAL,),
        "shipment_returned": (POSTAL,),
        "shipment_cancelled": (POSTAL,),
    },
    "payment": {
        "payment_requested": (),
        "payment_received": (FEES,),
        "payment_refunded": (FEES,),
        "payment_overdue": (),
        "payment_cancelled": (),
    },
    "feedback": {
        "evaluation_invited": (),
        "evaluation_recorded": ("evaluations",),  # the citizen's one evaluation
        "feedback_submitted": (),  # feedback is the province's own business: not the portal's
        "feedback_assigned": (),
        "feedback_answered": (),
        "feedback_overdue": (),
    },
}
FINISHING = {"dossier_resolved", "dossier_refused", "dossier_stopped", "dossier_withdrawn"}
RETURNING = {"result_delivered_by_post", "result_handed_over"}
MOVING_BOTH = {
    "dossier_supplemented",
    "obligation_fulfilled",
    "fee_confirmed",
    "online_dossier_accepted",
}

PENDING, SYNCED, FAILED = "pending", "synced", "failed"
BACKOFF = (1, 2, 5, 15, 30, 60, 120, 300)  # seconds before each retry of a failed push
MAX_ATTEMPTS = 12  # then the dossier's sync is parked as failed, with its reason
LEASE = timedelta(seconds=60)  # a process pushing a dossier holds it this long at most


def _place(envelope: dict[str, Any], source: str) -> str:
    """An event's place among the dossier's events (ISO instants sort as text)."""
    return f"{envelope['occurred_at'].isoformat()}|{source}|{envelope['sequence']:08d}"


def new_sync(
    envelope: dict[str, Any], received: dict[str, Any], offices: OfficeCatalog, now: datetime
) -> dict[str, Any]:
    """The sync of a dossier just received: its first record, pending."""
    office = received["office_id"]
    province = offices.ancestors(office)[-1].id
    status = received["national_status"] or lc.national_status(received["status"])
    refused = received["status"] == "not_accepted"
    awaiting = refused or received["status"] in ("awaiting_fee", "submitted_online")
    record = {
        "code": received["code"],
        "province_id": province,
        "receiving_office_id": office,
        "procedure_code": received["procedure_code"],
        "procedure_name": received["procedure_name"],
        "channel": received["national_channel"] or lc.national_channel(received["channel"]),
        "status": status,
        "received_at": received["received_at"],
        "appointment_at": None
        if received["status"] == "not_accepted"
        else received["appointment_at"],
        "legal_due_at": None if awaiting else received["appointment_at"],
        "finished_at": None,
        "timing": None,
        "returned_at": None,
        "return_method": received["return_method"],
        "history": [
            {
                "at": received["received_at"],
                "type": "dossier_received",
                "status": status,
                "office_id": office,
                "by": received["received_by"],
                "due_at": None,
                "timing": None,
            }
        ],
        "fees": [],
        "postal": [],
        "evaluations": [],
        "digitisation": {},
    }
    return {
        "_id": received["code"],
        "record": record,
        "record_version": 1,
        "last_place": _place(envelope, "intake"),
        "event_at": envelope["occurred_at"],  # when the event of the last version happened
        "supplement_requests": 0,
        "events": [],  # the message ids of the events that changed the record (a repeat does not)
        "status": PENDING,
        "attempts": 0,
        "next_try_at": None,  # a try after a failure, or a resync: the queue view holds it
        "failure": None,
        "pushed_version": 0,
        "pushed_at": None,
        "lease_until": None,
        "received_day": received["received_at"],
    }


def apply(
    sync: dict[str, Any],
    source: str,
    envelope: dict[str, Any],
    payload: dict[str, Any],
    calendar: WorkingCalendar,
) -> dict[str, Any]:
    """The changes an event makes to the dossier's sync ({} when it changes nothing the
    portal is told)."""
    type_ = envelope["type"]
    if not CHANGES.get(source, {}).get(type_):
        return {}
    record = {k: (list(v) if isinstance(v, list) else v) for k, v in sync["record"].items()}
    place = _place(envelope, source)
    latest = place > sync["last_place"]
    changes: dict[str, Any] = {}
    if source == "routing":
        _workflow(record, sync, type_, envelope, payload, latest, calendar, changes)
    elif source == "postal":
        _postal(record, payload)
    elif source == "payment":
        _fee(record, payload)
    elif source == "feedback":
        _evaluation(record, envelope, payload)
    if record == sync["record"]:
        return {}
    changes.update(record=record, record_version=sync["record_version"] + 1)
    changes["event_at"] = envelope["occurred_at"]
    if latest:
        changes["last_place"] = place
    return changes


def _workflow(record, sync, type_, envelope, payload, latest, calendar, changes) -> None:
    at = envelope["occurred_at"]
    step = {
        "at": at,
        "type": type_,
        "status": payload["national_status"] or lc.national_status(payload["state"]),
        "office_id": payload["office_id"],
        "by": (payload.get("actor") or {}).get("name"),
        "due_at": payload.get("due_at"),
        "timing": payload.get("timing"),
    }
    record["history"] = sorted([*record["history"], step], key=lambda s: s["at"])
    if latest:
        record["status"] = step["status"]
    if type_ == "supplement_requested":
        changes["supplement_requests"] = sync["supplement_requests"] + 1
    if payload.get("appointment_at"):
        record["appointment_at"] = payload["appointment_at"]
        if type_ in MOVING_BOTH:
            record["legal_due_at"] = payload["appointment_at"]
    if type_ in FINISHING and record["finished_at"] is None:
        record["finished_at"] = at
        legal = record["legal_due_at"] or record["appointment_at"]
        if legal:
            requests = changes.get("supplement_requests", sync["supplement_requests"])
            record["timing"] = lc.classify(at, legal, requests, calendar)
    if type_ in RETURNING:
        record["returned_at"] = at


def _postal(record: dict[str, Any], shipment: dict[str, Any]) -> None:
    """A package's last news, one line per tracking number."""
    others = [p for p in record["postal"] if p["tracking_number"] != shipment["tracking_number"]]
    mine = [p for p in record["postal"] if p["tracking_number"] == shipment["tracking_number"]]
    if mine and mine[0]["at"] > shipment["at"]:
        return  # older news than what the record has
    line = {"tracking_number": shipment["tracking_number"], "status": shipment["status"]}
    record["postal"] = [*others, {**line, "at": shipment["at"]}]


def _evaluation(record: dict[str, Any], envelope: dict[str, Any], payload: dict[str, Any]) -> None:
    """The citizen's evaluation (contracts/feedback.py: its level, label, channel), once."""
    level = fb.load_satisfaction().level(payload["level"])
    line = {
        "at": envelope["occurred_at"].isoformat(),
        "level": payload["level"],
        "label": level.label if level else "",
        "satisfied": bool(level and level.satisfied),
        "channel": payload["channel"],
    }
    if line not in record["evaluations"]:
        record["evaluations"] = [*record["evaluations"], line]


def _fee(record: dict[str, Any], payment: dict[str, Any]) -> None:
    """A payment as paid (and what of it was refunded), one line per payment."""
    if not payment.get("paid_at") or not payment.get("method"):
        return
    line = {
        "payment_id": payment["payment_id"],
        "kind": payment["kind"],
        "amount_vnd": payment["amount_vnd"],
        "method": payment["method"],
        "paid_at": payment["paid_at"],
        "receipt_number": payment["receipt_number"],
        "refunded_vnd": payment["refunded_vnd"],
    }
    others = [f for f in record["fees"] if f["payment_id"] != payment["payment_id"]]
    mine = [f for f in record["fees"] if f["payment_id"] == payment["payment_id"]]
    if mine and mine[0]["refunded_vnd"] > line["refunded_vnd"]:
        return  # older news
    record["fees"] = [*others, line]


def fold(
    sync: dict[str, Any],
    events: list[tuple[str, dict[str, Any], dict[str, Any]]],
    calendar: WorkingCalendar,
    now: datetime,
) -> dict[str, Any]:
    """The changes a batch of (source, envelope, payload) events makes to the dossier's sync,
    one version for all of them, and the lease of the push if it is due and free: {} when
    nothing changes and there is nothing to push. An event folded before (its message id is in
    `events`) and the receipt (which made the sync) change nothing."""
    current = sync
    for source, envelope, payload in events:
        seen = current.get("events", [])
        if envelope["type"] == "dossier_received" or envelope["message_id"] in seen:
            continue
        changes = apply(current, source, envelope, payload, calendar)
        if changes:
            current = {**current, **changes, "events": [*seen, envelope["message_id"]]}
    changes = {k: v for k, v in current.items() if k not in sync or sync[k] != v}
    if changes:
        changes["record_version"] = sync["record_version"] + 1  # one version for the batch
        changes.update(status=PENDING, attempts=0, next_try_at=None, failure=None)
    changes.update(lease({**sync, **changes}, now) or {})
    return changes


def handed_on(sync: dict[str, Any]) -> bool:
    """Whether the events folded into `sync` may leave the inbox: the portal has its record, or
    it is parked as failed, or the queue view holds its next try. While a push of it is leased
    to another process (which may die before it answers), they stay, and are folded again."""
    return sync["status"] != PENDING or sync["next_try_at"] is not None


def lease(sync: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The claim of the push due now (None: not due, or another process holds it): one process
    pushes a dossier at a time, so its versions reach the portal in order."""
    due = sync["status"] == PENDING and (sync["next_try_at"] is None or sync["next_try_at"] <= now)
    held = sync.get("lease_until") and sync["lease_until"] > now
    return {"lease_until": now + LEASE} if due and not held else None


def pushed(sync: dict[str, Any], version: int, now: datetime) -> dict[str, Any]:
    """The portal has `version` (accepted, or it had it already): synced if that is the last."""
    changes: dict[str, Any] = {
        "pushed_version": max(version, sync["pushed_version"]),
        "pushed_at": now,
        "lease_until": None,
    }
    if version >= sync["record_version"]:
        changes.update(status=SYNCED, attempts=0, failure=None, next_try_at=None)
    return changes


def push_failed(
    sync: dict[str, Any], reason: str, now: datetime, retry_after: float = 0
) -> dict[str, Any]:
    """A push that did not go through: tried again after a growing pause (at least what the
    portal asked for), then, after MAX_ATTEMPTS, parked as failed with its reason."""
    attempts = sync["attempts"] + 1
    if attempts >= MAX_ATTEMPTS:
        return {
            "status": FAILED,
            "attempts": attempts,
            "failure": reason,
            "next_try_at": None,
            "lease_until": None,
        }
    pause = max(BACKOFF[min(attempts, len(BACKOFF)) - 1], retry_after)
    return {
        "lease_until": None,
        "status": PENDING,
        "attempts": attempts,
        "failure": reason,
        "next_try_at": now + timedelta(seconds=pause),
    }


def resync(sync: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Push again (an operator's `make portal-resync`): the same record, a version up, so the
    portal takes it even if it has the last one already; the queue view holds it, due now."""
    return {
        "record_version": sync["record_version"] + 1,
        "status": PENDING,
        "attempts": 0,
        "next_try_at": now,
        "failure": None,
    }


def body(sync: dict[str, Any]) -> dict[str, Any]:
    """The PUT body: the record at its version (contracts/portal.py DossierRecordSchema), its
    instants to the millisecond as the database keeps them, so that a version pushed straight
    after its fold and the same record read back say the same."""
    return {**_milliseconds(sync["record"]), "version": sync["record_version"]}


def _milliseconds(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    if isinstance(value, dict):
        return {k: _milliseconds(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_milliseconds(v) for v in value]
    return value


def status_of(sync: dict[str, Any]) -> dict[str, Any]:
    """What an operator sees of a dossier's sync."""
    return {
        "code": sync["_id"],
        "status": sync["status"],
        "record_version": sync["record_version"],
        "pushed_version": sync["pushed_version"],
        "pushed_at": sync["pushed_at"],
        "event_at": sync.get("event_at"),
        "attempts": sync["attempts"],
        "failure": sync["failure"],
        "next_try_at": sync["next_try_at"],
    }
