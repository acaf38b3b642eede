"""Notification's read views (see services/common/keys.py), kept by the messages repository with
each message: its dossier's messages, a gateway reference's message, the messages due for
sending and those left in "sending"; and its counters (services/common/tally.py): the messages
by status, which the gauge reads. No I/O here."""

from services.common.keys import sort_key
from services.common.repository import Views
from services.common.tally import Counts, Rows

SMS_STATUSES = ("queued", "sending", "sent", "delivered", "failed", "expired", "rejected")
STATUS_ROW = "_|now"

BY_DOSSIER, BY_REF, PENDING = "messages_by_dossier", "messages_by_ref", "messages_pending"


def entries(m: dict) -> dict[str, dict[str, dict]]:
    """{collection: {_id: document}} of one message."""
    views: dict[str, dict[str, dict]] = {BY_DOSSIER: {}, BY_REF: {}, PENDING: {}}
    if m.get("dossier_code"):
        views[BY_DOSSIER][f"{m['dossier_code']}|{sort_key(m['created_at'])}|{m['_id']}"] = {}
    for ref in m.get("gateway_refs") or []:
        views[BY_REF][f"{ref}|{m['_id']}"] = {}
    if m["status"] == "queued" and m.get("next_attempt_at"):
        views[PENDING][f"queued|{sort_key(m['next_attempt_at'])}|{m['_id']}"] = {}
    elif m["status"] == "sending" and m.get("claimed_at"):
        views[PENDING][f"sending|{sort_key(m['claimed_at'])}|{m['_id']}"] = {}
    return views


VIEWS = Views((BY_DOSSIER, BY_REF, PENDING), entries)


def contributions(m: dict) -> Rows:
    """What one message adds to the counters: one to its status."""
    return {STATUS_ROW: {f"status:{m['status']}": 1}}


COUNTS = Counts("sms_counts", contributions)
