"""The liaison workflow as plain functions: each takes the dossier as stored and returns a Decision
(the fields to set, rows to append, events to emit, transfers to send). No I/O here."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from contracts import lifecycle as lc
from contracts.errors import Forbidden, IllegalAction, InvalidInput

COUNTER_ACTIONS = ("supplement", "withdraw", "hand_over", "return_result")
FINISHING = {lc.RESOLVED, lc.REFUSED, lc.STOPPED, lc.WITHDRAWN}


@dataclass
class Decision:
    changes: dict = field(default_factory=dict)
    history: list = field(default_factory=list)
    handovers: list = field(default_factory=list)
    events: list = field(default_factory=list)  # (type, payload)
    transfers: list = field(default_factory=list)  # (to_office_id, direction, step_index, handover)


def new_dossier(received: dict) -> dict:
    """Routing's copy of a dossier just received at a counter (no personal data kept)."""
    route = received["route"]
    return {
        "_id": received["code"],
        "procedure_code": received["procedure_code"],
        "procedure_name": received["procedure_name"],
        "receiving_office_id": received["office_id"],
        "channel": received["channel"],
        "return_method": received["return_method"],
        "received_at": received["received_at"],
        "appointment_at": received["appointment_at"],
        "route": route,
        "step_index": 0,
        "office_id": received["office_id"],
        "at_office": True,
        "direction": "forward",
        "state": lc.NOT_ACCEPTED if received["status"] == "not_accepted" else lc.RECEIVED,
        "not_accepted_reason": received["not_accepted_reason"],
        "current_due_at": route[0]["due_at"],
        "supplement_requests": 0,
        "paused_at": None,
        "timing": None,
        "finished_at": None,
        "outcome": None,
        "returned_at": None,
        "route_office_ids": sorted({step["office_id"] for step in route}),
        "due_soon_steps": [],
        "overdue_steps": [],
        "history": [
            {
                "at": received["received_at"],
                "type": "dossier_received",
                "state": lc.NOT_ACCEPTED if received["status"] == "not_accepted" else lc.RECEIVED,
                "office_id": received["office_id"],
                "by": received["received_by"],
            }
        ],
        "handovers": [_from_post(received)] if received.get("postal_handover") else [],
    }


POST = "post"  # the public postal service, on control-sheet rows


def _from_post(received: dict) -> dict:
    """The control sheet's first row for a dossier that came by post (channel 3)."""
    handover = received["postal_handover"]
    return {
        "from_office_id": POST,
        "to_office_id": received["office_id"],
        "at": handover["at"],
        "by": handover["postal_worker"],
        "received_by": handover["officer"],
        "timing": None,
    }


def record_event(
    d: dict, type_: str, now: datetime, decision: Decision, actor=None, **extra
) -> None:
    state = decision.changes.get("state", d["state"])
    office = decision.changes.get("office_id", d["office_id"])
    step = decision.changes.get("step_index", d["step_index"])
    payload = {"state": state, "office_id": office, "step_index": step, "actor": actor, **extra}
    decision.events.append((type_, payload))
    entry = {"at": now, "type": type_, "state": state, "office_id": office}
    if actor:
        entry["by"] = actor["name"]
    entry.update({k: v for k, v in extra.items() if v not in (None, [])})
    decision.history.append(entry)


def _step_timing(due: datetime, now: datetime, calendar) -> str:
    return lc.classify(now, due, 0, calendar)


def _send(d, decision, now, calendar, to_index: int, direction: str, by: str) -> None:
    """Hand the dossier to the office of route step `to_index` over the liaison exchange."""
    from_office = decision.changes.get("office_id", d["office_id"])
    to_office = d["route"][to_index]["office_id"]
    handover = {
        "from_office_id": from_office,
        "to_office_id": to_office,
        "at": now,
        "by": by,
        "timing": _step_timing(d["current_due_at"], now, calendar)
        if direction == "forward"
        else None,
    }
    decision.changes.update(
        {"office_id": to_office, "step_index": to_index, "at_office": False, "direction": direction}
    )
    if direction == "forward":
        decision.changes["current_due_at"] = d["route"][to_index]["due_at"]
    decision.handovers.append(handover)
    decision.transfers.append((to_office, direction, to_index, handover))


def on_received(d: dict, now: datetime, calendar) -> Decision:
    """Just received: forward at once if the counter's own step has no processing time."""
    decision = Decision()
    if d["state"] == lc.NOT_ACCEPTED:
        return decision
    first = d["route"][0]
    decision.changes["state"] = lc.transition(d["state"], lc.FORWARD, lc.SYSTEM)
    if first["duration_amount"] == 0 and len(d["route"]) > 1:
        _send(d, decision, now, calendar, 1, "forward", by=first["office_id"])
        record_event(
            d,
            "dossier_forwarded",
            now,
            decision,
            from_office_id=first["office_id"],
            to_office_id=d["route"][1]["office_id"],
        )
    return decision


def on_arrived(d: dict, transfer: dict, now: datetime) -> Decision:
    """A transfer reached its office: it enters the worklist, or the counter gets the result."""
    decision = Decision()
    if d["office_id"] != transfer["to_office_id"] or d["at_office"]:
        return decision  # stale transfer (the dossier moved on); nothing to do
    decision.changes["at_office"] = True
    if transfer["direction"] == "forward":
        record_event(
            d,
            "dossier_arrived",
            now,
            decision,
            from_office_id=transfer["handover"]["from_office_id"],
        )
        return decision
    if transfer["step_index"] > 0:  # the result passes through an intermediate level
        _send(d, decision, now, None, transfer["step_index"] - 1, "return", by="system")
        return decision
    decision.changes["state"] = lc.transition(d["state"], lc.RESULT_ARRIVED, lc.SYSTEM)
    record_event(
        d,
        "result_returned",
        now,
        decision,
        return_method=d["return_method"],
        from_office_id=transfer["handover"]["from_office_id"],
    )
    return decision


def authorise(d: dict, action: str, officer: dict) -> None:
    """403 unless the officer works where this action is done."""
    where = d["receiving_office_id"] if action in COUNTER_ACTIONS else d["office_id"]
    if officer["office_id"] != where or (action not in COUNTER_ACTIONS and not d["at_office"]):
        raise Forbidden(
            "not_your_office", f"dossier {d['_id']} is not at office {officer['office_id']}"
        )


def allowed_actions(d: dict, role: str) -> list[str]:
    """The lifecycle's actions for this state and role; sending by post only to a citizen who
    chose it (only they gave an address)."""
    actions = lc.allowed_actions(d["state"], role)
    if d["return_method"] != "post":
        actions = [a for a in actions if a != lc.RETURN_RESULT]
    return actions


def actions_for(d: dict, officer: dict) -> list[str]:
    """The actions this officer may take on the dossier now: state, role and office."""
    out = []
    for action in allowed_actions(d, officer["role"]):
        try:
            authorise(d, action, officer)
        except Forbidden:
            continue
        out.append(action)
    return out


def act(d: dict, action: str, params: dict, officer: dict, now: datetime, calendar) -> Decision:
    """Apply an officer's action; IllegalAction (409) if the state forbids it."""
    authorise(d, action, officer)
    allowed = allowed_actions(d, officer["role"])
    if action not in allowed:
        raise IllegalAction(
            "illegal_transition",
            f"cannot {action} a dossier in state {d['state']}",
            {"state": d["state"], "allowed_actions": allowed},
        )
    new_state = lc.transition(d["state"], action, officer["role"])
    actor = {"name": officer["name"], "role": officer["role"], "office_id": officer["office_id"]}
    decision = Decision(changes={"state": new_state})
    handler = _ACTIONS.get(action)
    if handler:
        handler(d, decision, params, actor, now, calendar)
    else:
        record_event(d, _EVENT_OF[action], now, decision, actor)
    forwarded = decision.changes["state"] == lc.AWAITING_ACCEPTANCE  # a step done, not the dossier
    if new_state in FINISHING and not forwarded and not d.get("finished_at"):
        decision.changes["finished_at"] = now
        decision.changes["outcome"] = new_state
        decision.changes["timing"] = lc.classify(
            now, d["appointment_at"], d["supplement_requests"], calendar
        )
    if decision.changes["state"] == lc.RETURNED:
        decision.changes["returned_at"] = now
    return decision


def _resolve_or_refuse(d, decision, params, actor, now, calendar):
    last = d["step_index"] == len(d["route"]) - 1
    action = "resolve" if decision.changes["state"] == lc.RESOLVED else "refuse"
    if action == "resolve" and not last:
        decision.changes["state"] = lc.transition(lc.IN_PROCESS, lc.FORWARD, lc.SYSTEM)
        _send(d, decision, now, calendar, d["step_index"] + 1, "forward", by=actor["name"])
        record_event(
            d,
            "dossier_forwarded",
            now,
            decision,
            actor,
            from_office_id=d["office_id"],
            to_office_id=d["route"][d["step_index"] + 1]["office_id"],
        )
        return
    record_event(
        d,
        "dossier_resolved" if action == "resolve" else "dossier_refused",
        now,
        decision,
        actor,
        reason=params.get("reason"),
    )
    if (
        d["step_index"] == 0
    ):  # decided at the receiving office: the result is already at the counter
        decision.changes["state"] = lc.transition(
            decision.changes["state"], lc.RESULT_ARRIVED, lc.SYSTEM
        )
        record_event(d, "result_returned", now, decision, return_method=d["return_method"])
    else:
        _send(d, decision, now, calendar, d["step_index"] - 1, "return", by=actor["name"])


def _request_supplement(d, decision, params, actor, now, calendar):
    missing = params.get("missing_documents") or []
    if not missing or not params.get("reason"):
        raise InvalidInput("supplement_needs_reason", "say what is missing and why (form 02)")
    decision.changes.update({"paused_at": now, "supplement_requests": d["supplement_requests"] + 1})
    record_event(
        d,
        "supplement_requested",
        now,
        decision,
        actor,
        missing_documents=missing,
        reason=params["reason"],
    )


def _supplement(d, decision, params, actor, now, calendar):
    """The citizen brought what was missing: the clock resumes; dues move by the paused time."""
    paused = (
        calendar.working_time_between(d["paused_at"], now) if d.get("paused_at") else timedelta()
    )
    route = [dict(step) for step in d["route"]]
    for step in route[d["step_index"] :]:
        step["due_at"] = calendar.shift_by_working_time(step["due_at"], paused)
    decision.changes.update(
        {
            "paused_at": None,
            "route": route,
            "current_due_at": route[d["step_index"]]["due_at"],
            "appointment_at": calendar.shift_by_working_time(d["appointment_at"], paused),
        }
    )
    record_event(
        d,
        "dossier_supplemented",
        now,
        decision,
        actor,
        appointment_at=decision.changes["appointment_at"],
        due_at=decision.changes["current_due_at"],
    )


def _extend(d, decision, params, actor, now, calendar):
    new_due = params.get("new_due_at")
    if not isinstance(new_due, datetime) or not params.get("reason"):
        raise InvalidInput(
            "extension_needs_date_and_reason", "an apology (form 04) needs a reason and new_due_at"
        )
    if new_due <= d["appointment_at"]:
        raise InvalidInput(
            "extension_not_later", "the new date must be after the current appointment"
        )
    route = [dict(step) for step in d["route"]]
    route[d["step_index"]]["due_at"] = max(route[d["step_index"]]["due_at"], new_due)
    route[-1]["due_at"] = max(route[-1]["due_at"], new_due)
    decision.changes.update(
        {
            "appointment_at": new_due,
            "route": route,
            "current_due_at": route[d["step_index"]]["due_at"],
        }
    )
    record_event(
        d, "dossier_extended", now, decision, actor, reason=params["reason"], appointment_at=new_due
    )


_ACTIONS = {
    "resolve": _resolve_or_refuse,
    "refuse": _resolve_or_refuse,
    "request_supplement": _request_supplement,
    "supplement": _supplement,
    "extend": _extend,
}
_EVENT_OF = {
    "accept": "dossier_accepted",
    "stop": "dossier_stopped",
    "withdraw": "dossier_withdrawn",
    "hand_over": "result_handed_over",
    "return_result": "result_sent_by_post",
}


def on_shipment(d: dict, type_: str, shipment: dict, now: datetime) -> Decision:
    """The post picked the result up (a control-sheet row signed by both sides), delivered it
    (the dossier is returned) or brought it back (ready at the counter again)."""
    decision = Decision()
    if d["state"] != lc.RETURNING_BY_POST:
        return decision  # a shipment of an earlier send, or news already applied
    if type_ == "shipment_picked_up" and shipment.get("handover"):
        handover = shipment["handover"]
        decision.handovers.append(
            {
                "from_office_id": d["receiving_office_id"],
                "to_office_id": POST,
                "at": handover["at"],
                "by": handover["officer"] or d["receiving_office_id"],
                "received_by": handover["postal_worker"],
                "timing": None,
            }
        )
    elif type_ in _POST_OUTCOME:
        action, event = _POST_OUTCOME[type_]
        decision.changes["state"] = lc.transition(d["state"], action, lc.SYSTEM)
        if decision.changes["state"] == lc.RETURNED:
            decision.changes["returned_at"] = shipment["at"]
        record_event(
            d,
            event,
            now,
            decision,
            tracking_number=shipment["tracking_number"],
            attempt=shipment["attempt"],
        )
    return decision


_POST_OUTCOME = {
    "shipment_delivered": (lc.POST_DELIVERED, "result_delivered_by_post"),
    "shipment_returned": (lc.POST_RETURNED, "result_returned_from_post"),
}


def raise_alert(d: dict, alert: str, now: datetime, calendar) -> Decision:
    """Raise `alert` for the current step unless it was raised already (re-checked on the dossier
    as it is now, so two routing processes raise it once)."""
    decision = Decision()
    if alert in due_alerts(d, now, calendar):
        steps = "due_soon_steps" if alert == "dossier_due_soon" else "overdue_steps"
        decision.changes[steps] = d[steps] + [d["step_index"]]
        record_event(d, alert, now, decision, due_at=d["current_due_at"])
    return decision


def is_due_soon(now: datetime, due: datetime, calendar) -> bool:
    """Within one working day (the calendar's office hours) of its due instant."""
    day = calendar.day_length
    return calendar.working_time_between(now, due, cap=day) <= day


def due_alerts(d: dict, now: datetime, calendar) -> list[str]:
    """dossier_due_soon and/or dossier_overdue, if the current step calls for one not yet raised."""
    step, due = d["step_index"], d["current_due_at"]
    alerts = []
    if d.get("paused_at"):
        return alerts
    if now >= due and step not in d["overdue_steps"]:
        alerts.append("dossier_overdue")
    elif now < due and step not in d["due_soon_steps"] and is_due_soon(now, due, calendar):
        alerts.append("dossier_due_soon")
    return alerts
