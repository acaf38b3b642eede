"""The citizen's tracking view: what a dossier code and the phone's last four digits may show
(status in Vietnamese, appointment, steps) and nothing personal; and who the client is, for the
limit on failed lookups."""

import hmac
import re

from contracts import lifecycle as lc
from contracts import money

PHONE_DIGITS = re.compile(r"^[0-9]{4}$")
# a dossier whose result exists: every step is done
_RESULT_STATES = frozenset(
    {lc.RESOLVED, lc.REFUSED, lc.READY_AT_COUNTER, lc.RETURNING_BY_POST, lc.RETURNED}
)


def phone_matches(receipt: dict, last_four: str) -> bool:
    digits = re.sub(r"\D", "", receipt["applicant"]["phone"])
    return len(digits) >= 4 and hmac.compare_digest(digits[-4:], last_four)


def citizen_view(receipt: dict, dossier: dict | None, office_name) -> dict:
    """The public view; `dossier` is routing's (None while routing has not seen it yet)."""
    state = dossier["state"] if dossier else receipt["status"]
    step_index = dossier["step_index"] if dossier else 0
    finished = state in _RESULT_STATES or state in lc.FINAL_STATES
    steps = []
    for i, step in enumerate((dossier or receipt)["route"]):
        if finished or i < step_index:
            status = "done"
        elif i == step_index:
            status = "current"
        else:
            status = "pending"
        steps.append(
            {
                "level": step["level"],
                "office_name": office_name(step["office_id"]),
                "due_at": step["due_at"],
                "status": status,
            }
        )
    return {
        "code": receipt["code"],
        "procedure_name": receipt["procedure_name"],
        "status": lc.STATE_LABELS_VI[state],
        "state": state,
        "national_status": lc.national_status(state),
        "received_at": receipt["received_at"],
        "appointment_at": (dossier or receipt)["appointment_at"],
        "returned_at": dossier.get("returned_at") if dossier else None,
        "return_method": receipt["return_method"],
        "steps": steps,
    }


def citizen_payments(payments: list[dict]) -> list[dict]:
    """What the citizen sees of a dossier's payments: what, how much, paid or how to pay."""
    return [
        {
            "kind": p["kind"],
            "kind_label": money.KIND_LABELS_VI[p["kind"]],
            "amount_vnd": p["amount_vnd"],
            "amount": money.format_vnd(p["amount_vnd"]),
            "status": p["status"],
            "status_label": money.STATUS_LABELS_VI[p["status"]],
            "reason": p["reason"],
            "pay_by": p["pay_by"],
            "pay_url": p["pay_url"],
            "receipt_number": p["receipt_number"],
            "paid_at": p["paid_at"],
            "refunded_vnd": p["refunded_vnd"],
        }
        for p in payments
    ]


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted: set[str]) -> str:
    """The client's address: the peer, or — when the peer is a trusted proxy — the nearest
    address in X-Forwarded-For that is not a trusted proxy."""
    address = remote_addr or "unknown"
    if address not in trusted or not forwarded_for:
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if hop not in trusted:
            return hop[:64]
    return address
