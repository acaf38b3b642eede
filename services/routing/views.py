"""How routing shows a dossier: due status, national status, the actions each role may take."""

from datetime import datetime
from typing import Any

from contracts import lifecycle as lc
from contracts.calendar import WorkingCalendar
from services.routing.domain import allowed_actions, is_due_soon


def due_status(d: dict[str, Any], now: datetime, calendar: WorkingCalendar) -> str:
    """early / on_time / late once finished; paused while the citizen is waited for (a
    supplement, a fee or a financial obligation: the clock
    stands still: no due counting); else on_time, due_soon or overdue for the current step."""
    if d["state"] in lc.FINAL_STATES or d.get("finished_at"):
        timing: str = d.get("timing") or "finished"
        return timing
    if d.get("paused_at"):
        return "paused"
    due = d["current_due_at"]
    if now > due:
        return "overdue"
    if is_due_soon(now, due, calendar):
        return "due_soon"
    return "on_time"


def summary(d: dict[str, Any], now: datetime, calendar: WorkingCalendar) -> dict[str, Any]:
    return {
        "code": d["_id"],
        "procedure_code": d["procedure_code"],
        "procedure_name": d["procedure_name"],
        "state": d["state"],
        "status_label": lc.STATE_LABELS_VI[d["state"]],
        "national_status": lc.national_status(d["state"]),
        "national_channel": lc.national_channel(d["channel"]),
        "office_id": d["office_id"],
        "at_office": d["at_office"],
        "receiving_office_id": d["receiving_office_id"],
        "channel": d["channel"],
        "return_method": d["return_method"],
        "received_at": d["received_at"],
        "appointment_at": d["appointment_at"],
        "legal_due_at": d.get("legal_due_at", d["appointment_at"]),
        "current_due_at": d["current_due_at"],
        "due_status": due_status(d, now, calendar),
        "timing": d.get("timing"),
        "outcome": d.get("outcome"),
        "returned_at": d.get("returned_at"),
        "finished_at": d.get("finished_at"),
        "supplement_requests": d["supplement_requests"],
        "allowed_actions": {
            role: allowed_actions(d, role, now) for role in (lc.RECEIVER, lc.HANDLER, lc.LEADER)
        },
    }


def full(d: dict[str, Any], now: datetime, calendar: WorkingCalendar) -> dict[str, Any]:
    return {
        **summary(d, now, calendar),
        "route": d["route"],
        "step_index": d["step_index"],
        "history": d.get("history", []),
        "control_sheet": d.get("handovers", []),
        "apologies": d.get("apologies", []),
        "obligation": d.get("obligation"),  # the last notice of financial obligation, if any
    }
