"""Postal return as plain functions: the shipment a result-by-post starts, the carrier request
built from it, and what each carrier status event changes. No I/O here."""

from datetime import datetime
from typing import Any

from contracts.events import SHIPMENT_EVENT_OF

TO_REQUEST = "to_request"  # ours, before the carrier gave a tracking number
FINAL = frozenset({"delivered", "returned", "cancelled"})
# Statuses only move forward; a repeated failed attempt moves by its attempt number.
RANK = {
    TO_REQUEST: -1,
    "requested": 0,
    "picked_up": 1,
    "in_transit": 2,
    "failed_attempt": 3,
    "delivered": 4,
    "returned": 4,
    "cancelled": 4,
}
DECLARED_WEIGHT_GRAMS = 200  # an envelope of decisions and certificates


def recipient_from(received: dict[str, Any]) -> dict[str, Any] | None:
    """Postal's own copy of where a result goes (None: the citizen collects at the counter)."""
    if received["return_method"] != "post" or not received.get("postal_address"):
        return None
    address = received["postal_address"]
    return {
        "_id": received["code"],
        "receiver_name": address.get("receiver_name") or received["applicant"]["name"],
        "phone": received["applicant"]["phone"],
        "address_line": address["line"],
        "commune_id": address["commune_id"],
        "office_id": received["office_id"],
        "procedure_name": received["procedure_name"],
    }


def shipment_id(code: str, sequence: int) -> str:
    """One shipment per "send by post" action: the dossier code and that event's sequence. It is
    also the carrier reference, so a repeated request never makes a second package."""
    return f"{code}-P{sequence}"


def new_shipment(
    envelope: dict[str, Any],
    sent: dict[str, Any],
    recipient: dict[str, Any],
    config: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    code = envelope["dossier_code"]
    return {
        "_id": shipment_id(code, envelope["sequence"]),
        "dossier_code": code,
        "status": TO_REQUEST,
        "tracking_number": None,
        "sender_office_id": recipient["office_id"],
        "officer": (sent.get("actor") or {}).get("name"),
        "contents": [f"Kết quả giải quyết thủ tục: {recipient['procedure_name']}"[:200]],
        "fee_vnd": int(config.get("POSTAL_FEE_VND", 0)),
        "max_attempts": int(config.get("POSTAL_MAX_ATTEMPTS", 3)),
        "attempts": 0,
        "events": [],
        "handover": None,
        "receiver_name": None,
        "created_at": now,
        "last_heard_at": now,
        "correlation_id": envelope["correlation_id"],
    }


def carrier_request(shipment: dict[str, Any], recipient: dict[str, Any]) -> dict[str, Any]:
    """The carrier's POST /shipments body (contracts/carrier.py ShipmentRequestSchema)."""
    return {
        "reference": shipment["_id"],
        "sender_office_id": shipment["sender_office_id"],
        "receiver_name": recipient["receiver_name"],
        "phone": recipient["phone"],
        "address_line": recipient["address_line"],
        "commune_id": recipient["commune_id"],
        "contents": shipment["contents"],
        "declared_weight_grams": DECLARED_WEIGHT_GRAMS,
        "fee_vnd": shipment["fee_vnd"],
        "max_attempts": shipment["max_attempts"],
    }


def carrier_events(shipment: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of a carrier shipment (GET or POST answer), shaped like status callbacks."""
    return [
        {"tracking_number": shipment["tracking_number"], "reference": shipment["reference"], **e}
        for e in shipment["events"]
    ]


def apply_event(
    shipment: dict[str, Any], event: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """(changes, the event as recorded, [(postal event type, payload)]) for one carrier event.

    Every event is recorded; the status moves only forward and never leaves a final status, so
    a late or out-of-order callback is kept for the record and changes nothing else."""
    record = {
        "event_id": event["event_id"],
        "at": event["at"],
        "status": event["status"],
        "attempt": event.get("attempt", 0),
        "detail": event.get("detail", ""),
        "by": event.get("by"),
    }
    changes: dict[str, Any] = {"last_heard_at": now}
    announce: list[str] = []
    current = shipment["status"]
    if current == TO_REQUEST:
        changes["tracking_number"] = event["tracking_number"]
        changes["status"] = current = "requested"
        announce.append("requested")
    status = event["status"]
    moves = current not in FINAL and (
        RANK[status] > RANK[current]
        or (status == "failed_attempt" and record["attempt"] > shipment["attempts"])
    )
    if moves:
        changes["status"] = status
        changes["attempts"] = max(shipment["attempts"], record["attempt"])
        if status == "picked_up":
            changes["handover"] = {
                "postal_worker": event.get("by") or "?",
                "officer": shipment.get("officer"),
                "at": event["at"],
                "tracking_number": event["tracking_number"],
            }
        elif status == "delivered":
            changes["receiver_name"] = event.get("receiver_name")
            changes["delivered_at"] = event["at"]
        announce.append(status)
    merged = {**shipment, **changes}
    events = [(SHIPMENT_EVENT_OF[s], payload(merged, record, s)) for s in announce]
    return changes, record, events


def payload(shipment: dict[str, Any], record: dict[str, Any], status: str) -> dict[str, Any]:
    """A postal event's payload (contracts/events.py ShipmentEventSchema): no personal data."""
    requested = status == "requested" and record["status"] != "requested"
    return {
        "shipment_id": shipment["_id"],
        "tracking_number": shipment["tracking_number"],
        "status": status,
        "at": shipment["created_at"] if requested else record["at"],
        "attempt": shipment["attempts"],
        "detail": "" if requested else record["detail"],
        "fee_vnd": shipment["fee_vnd"],
        "handover": shipment["handover"] if status == "picked_up" else None,
    }


def settled(shipment: dict[str, Any]) -> datetime | None:
    """When a shipment stopped changing: the last carrier event heard once its status is final
    (a late callback after that is recorded on a later version, which the compaction waits for)."""
    if shipment["status"] not in FINAL:
        return None
    at: datetime | None = shipment.get("last_heard_at")
    return at
