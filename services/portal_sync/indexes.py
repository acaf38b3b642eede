"""The portal sync's read views (services/common/keys.py): the dossiers to push again by when
they are next due to be tried (after a failure, or a resync), the parked ones, and every
dossier by when it was received (for `make portal-resync FROM= TO=`). A sync pending with no
time to try is in the inbox's hands (inbox.py), not the queue's. No I/O here."""

from services.common.keys import sort_key
from services.common.repository import Views
from services.portal_sync.record import FAILED, PENDING

QUEUE, BY_RECEIPT = "syncs_queue", "syncs_by_receipt"


def entries(s: dict) -> dict[str, dict[str, dict]]:
    views: dict[str, dict[str, dict]] = {
        QUEUE: {},
        BY_RECEIPT: {f"{sort_key(s['received_day'])}|{s['_id']}": {}},
    }
    if s["status"] == PENDING and s["next_try_at"] is not None:  # else its events are in the inbox
        views[QUEUE][f"due|{sort_key(s['next_try_at'])}|{s['_id']}"] = {}
    elif s["status"] == FAILED:
        views[QUEUE][f"failed|{s['_id']}"] = {"failure": s["failure"]}
    return views


VIEWS = Views((QUEUE, BY_RECEIPT), entries)
