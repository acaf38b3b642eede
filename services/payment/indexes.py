"""The payment service's read views (see services/common/keys.py), kept by the payments
repository with each payment: a dossier's payments; the work left for the platform (attempts to
ask for, refunds to request, attempts and refunds waiting for news); unpaid notices by deadline;
what each office collected by when; the online payments by when, for reconciliation. No I/O."""

from contracts import money
from services.common.keys import sort_key
from services.common.repository import Views
from services.payment import domain

BY_DOSSIER, OPEN, DEADLINES, COLLECTED = (
    "payments_by_dossier",
    "payments_open",
    "payments_deadlines",
    "payments_collected",
)


def entries(p: dict) -> dict[str, dict[str, dict]]:
    """{collection: {_id: document}} of one payment. The work views hold what the service's
    timers must do, so an entry leaves them once it is done."""
    views: dict[str, dict[str, dict]] = {
        BY_DOSSIER: {f"{p['dossier_code']}|{p['_id']}": {}},
        OPEN: {},
        DEADLINES: {},
        COLLECTED: {},
    }
    due = p["status"] == money.DUE
    online = p.get("online") or {}
    if (
        due
        and p["wants_online"]
        and domain.attempts_left(p)
        and (not online or online["status"] in money.ATTEMPT_DEAD)
    ):
        views[OPEN][f"to_request|{p['_id']}"] = {}
    if p.get("refund") and p["refund"]["status"] == "to_request":
        views[OPEN][f"refund|{p['_id']}"] = {}
    if (due and online.get("status") == "pending") or (
        p.get("refund") and p["refund"]["status"] == "requested"
    ):
        key = f"waiting|{sort_key(p['last_heard_at'])}|{p['_id']}"
        views[OPEN][key] = {"payment_ref": online.get("payment_ref")}
    if due and p.get("pay_by") and not p["overdue_raised"]:
        views[DEADLINES][f"due|{sort_key(p['pay_by'])}|{p['_id']}"] = {}
    if p.get("paid_at") and p["status"] in (money.PAID, money.REFUNDED):
        at = sort_key(p["paid_at"])
        views[COLLECTED][f"{p['office_id']}|{at}|{p['_id']}"] = {}
        if p["method"] == money.ONLINE:
            views[COLLECTED][f"online|{at}|{p['_id']}"] = {}
    return views


VIEWS = Views((BY_DOSSIER, OPEN, DEADLINES, COLLECTED), entries)
