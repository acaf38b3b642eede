"""The portal sync's read views (services/common/keys.py): the dossiers to push by when they
are next due to be tried, the parked ones, and every dossier by when it was received (for
`make portal-resync FROM= TO=`). No I/O here."""

from services.common.keys import sort_key
from services.common.repository import Views
from services.portal_sync.record import FAILED, PENDING

QUEUE, BY_RECEIPT = "syncs_queue", "syncs_by_receipt"


def entries(s: dict) -> dict[str, dict[str, dict]]:
    views: dict[str, dict[str, dict]] = {
        QUEUE: {},
        BY_RECEIPT: {f"{sort_key(s['received_day'])}|{s['_id']}": {}},
    }
    if s["status"] == PENDING:
        views[QUEUE][f"due|{sort_key(s['next_try_at'])}|{s['_id']}"] = {}
    elif s["status"] == FAILED:
        views[QUEUE][f"failed|{s['_id']}"] = {"failure": s["failure"]}
    return views


VIEWS = Views((QUEUE, BY_RECEIPT), entries)
