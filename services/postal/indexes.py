"""Postal's read views (see services/common/keys.py), kept by the shipments repository with each
shipment: a dossier's shipments, shipments still to request from the carrier, and shipments on
their way by when the carrier was last heard of. No I/O here."""

from services.common.keys import sort_key
from services.common.repository import Views
from services.postal.domain import FINAL, TO_REQUEST

BY_DOSSIER, OPEN = "shipments_by_dossier", "shipments_open"


def entries(s: dict) -> dict[str, dict[str, dict]]:
    """{collection: {_id: document}} of one shipment."""
    views: dict[str, dict[str, dict]] = {
        BY_DOSSIER: {f"{s['dossier_code']}|{s['_id']}": {}},
        OPEN: {},
    }
    if s["status"] == TO_REQUEST:
        views[OPEN][f"to_request|{s['_id']}"] = {}
    elif s["status"] not in FINAL:
        key = f"waiting|{sort_key(s['last_heard_at'])}|{s['_id']}"
        views[OPEN][key] = {"tracking_number": s.get("tracking_number")}
    return views


VIEWS = Views((BY_DOSSIER, OPEN), entries)
