"""The liaison workflow as plain functions: each takes the dossier as stored and returns a Decision
(the fields to set, rows to append, events to emit, transfers to send). No I/O here.

The rules they apply are in docs/domain.md: each office is judged by its own steps (every route
step records when it ended and how against its own due), the dossier as a whole against its
legal appointment (`legal_due_at`, which an apology never moves); an apology (form 04) only
before the current appointment passes; a supplement stops the clock and gives a whole office
instant when it resumes; a transfer is received at the next office by a named officer."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from contracts import lifecycle as lc
from contracts.errors import Forbidden, IllegalAction, InvalidInput
from contracts.procedures import Duration, UnknownProcedure, load_procedures
from contracts.route import PlannedStep, schedule

if TYPE_CHECKING:
    from contracts.calendar import WorkingCalendar

FINISHING = {lc.RESOLVED, lc.REFUSED, lc.STOPPED, lc.WITHDRAWN}
ALERTING = frozenset({lc.AWAITING_ACCEPTANCE, lc.IN_PROCESS})  # states whose step may run late
POST = "post"  # the public postal service, on control-sheet rows
SYSTEM = "system"  # the giver or receiver of an automatic step (docs/domain.md#hand-overs)
HANDED_ON = "handed_on"  # a step's outcome when it passed the dossier to the next office


@dataclass
class Decision:
    changes: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    handovers: list[dict[str, Any]] = field(default_factory=list)  # new control-sheet rows
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (type, payload)
    # (to_office_id, direction, step_index, handover)
    transfers: list[tuple[str, str, int, dict[str, Any]]] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.changes or self.history or self.handovers or self.events or self.transfers)


INITIAL_STATE = {"received": lc.RECEIVED, "not_accepted": lc.NOT_ACCEPTED}
INITIAL_STATE["awaiting_fee"] = lc.AWAITING_FEE
INITIAL_STATE["submitted_online"] = lc.SUBMITTED_ONLINE
PAUSED_AT_RECEIPT = frozenset({lc.AWAITING_FEE, lc.SUBMITTED_ONLINE})  # the clock waits


def new_dossier(received: dict[str, Any]) -> dict[str, Any]:
    """Routing's copy of a dossier just received at a counter (no personal data kept). One whose
    fee is awaited online, or one filed online (until the counter accepts it), waits at the
    counter with its clock stopped from the receipt."""
    state = INITIAL_STATE[received["status"]]
    route = [
        {**step, "arrived_at": received["received_at"] if step["index"] == 0 else None}
        | {"done_at": None, "timing": None, "outcome": None}
        for step in received["route"]
    ]
    return {
        "_id": received["code"],
        "procedure_code": received["procedure_code"],
        "procedure_name": received["procedure_name"],
        "receiving_office_id": received["office_id"],
        "received_by": received["received_by"],
        "channel": received["channel"],
        "return_method": received["return_method"],
        "received_at": received["received_at"],
        "appointment_at": received["appointment_at"],
        "legal_due_at": received["appointment_at"],
        "route": route,
        "step_index": 0,
        "office_id": received["office_id"],
        "at_office": True,
        "direction": "forward",
        "state": state,
        "not_accepted_reason": received["not_accepted_reason"],
        "current_due_at": route[0]["due_at"],
        "supplement_requests": 0,
        "paused_at": received["received_at"] if state in PAUSED_AT_RECEIPT else None,
        # filed online with its fee to pay online: accepted, it waits for the fee (status 1)
        "fee_due": state == lc.SUBMITTED_ONLINE and bool(received.get("fee")),
        "obligation": None,
        "timing": None,
        "finished_at": None,
        "outcome": None,
        "returned_at": None,
        "apologies": [],
        "route_office_ids": sorted({step["office_id"] for step in route}),
        "due_soon_steps": [],
        "overdue_steps": [],
        "history": [
            {
                "at": received["received_at"],
                "type": "dossier_received",
                "state": state,
                "office_id": received["office_id"],
                "by": received["received_by"],
                "national_status": lc.national_status(state),
            }
        ],
        "handovers": [_from_post(received)] if received.get("postal_handover") else [],
    }


def _row(from_office: str, to_office: str, at: datetime, by: str, **more: Any) -> dict[str, Any]:
    """A control-sheet row; the receiving columns stay empty until someone receives it."""
    return {
        "from_office_id": from_office,
        "to_office_id": to_office,
        "at": at,
        "by": by,
        "by_system": by == SYSTEM,
        "received_by": None,
        "received_at": None,
        "received_by_system": False,
        "step_due_at": None,
        "timing": None,
        **more,
    }


def _from_post(received: dict[str, Any]) -> dict[str, Any]:
    """The control sheet's first row for a dossier that came by post (channel 3)."""
    handover = received["postal_handover"]
    return _row(
        POST,
        received["office_id"],
        handover["at"],
        handover["postal_worker"],
        received_by=handover["officer"],
        received_at=handover["at"],
    )


def record_event(
    d: dict[str, Any],
    type_: str,
    now: datetime,
    decision: Decision,
    actor: dict[str, Any] | None = None,
    **extra: Any,
) -> None:
    state = decision.changes.get("state", d["state"])
    office = decision.changes.get("office_id", d["office_id"])
    step = decision.changes.get("step_index", d["step_index"])
    national = lc.national_status(state)
    payload = {
        "state": state,
        "office_id": office,
        "step_index": step,
        "actor": actor,
        "national_status": national,
        **extra,
    }
    decision.events.append((type_, payload))
    entry = {"at": now, "type": type_, "state": state, "office_id": office}
    if actor:
        entry["by"] = actor["name"]
    entry.update({k: v for k, v in extra.items() if v not in (None, [])})
    entry["national_status"] = national
    decision.history.append(entry)


def _route(d: dict[str, Any], decision: Decision) -> list[dict[str, Any]]:
    """The route as this decision leaves it (a copy, made once per decision)."""
    if "route" not in decision.changes:
        decision.changes["route"] = [dict(step) for step in d["route"]]
    return cast(list[dict[str, Any]], decision.changes["route"])


def _end_step(
    d: dict[str, Any],
    decision: Decision,
    now: datetime,
    calendar: "WorkingCalendar",
    outcome: str,
) -> str:
    """The holding office's step ends now: judged against its own due (docs/domain.md#who-is-
    judged-for-what); returns its timing."""
    step = _route(d, decision)[d["step_index"]]
    timing = lc.classify(now, step["due_at"], 0, calendar)
    step.update(done_at=now, timing=timing, outcome=outcome)
    return timing


def _send(
    d: dict[str, Any],
    decision: Decision,
    now: datetime,
    calendar: "WorkingCalendar | None",  # None: only a result going back ("return")
    to_index: int,
    direction: str,
    by: str,
) -> None:
    """Hand the dossier to the office of route step `to_index` over the liaison exchange. Going
    forward, the giver's step ends and is judged; going back, the result travels down."""
    route = _route(d, decision)
    from_office = decision.changes.get("office_id", d["office_id"])
    to_office = route[to_index]["office_id"]
    row = _row(from_office, to_office, now, by)
    if direction == "forward":
        row["step_due_at"] = route[d["step_index"]]["due_at"]
        row["timing"] = _end_step(d, decision, now, cast("WorkingCalendar", calendar), HANDED_ON)
        decision.changes["current_due_at"] = route[to_index]["due_at"]
    decision.changes.update(
        {"office_id": to_office, "step_index": to_index, "at_office": False, "direction": direction}
    )
    decision.handovers.append(row)
    decision.transfers.append((to_office, direction, to_index, row))


def _receive_row(d: dict[str, Any], decision: Decision, now: datetime, by: str | None) -> None:
    """Sign the pending control-sheet row that brought the dossier here: by an officer (`by`),
    or by the system for an automatic step (None)."""
    rows = [dict(row) for row in d["handovers"]]
    for row in reversed(rows):
        if row["to_office_id"] == d["office_id"] and row.get("received_at") is None:
            row.update(received_at=now, received_by=by or SYSTEM, received_by_system=by is None)
            decision.changes["handovers"] = rows
            return


def on_received(d: dict[str, Any], now: datetime, calendar: "WorkingCalendar") -> Decision:
    """Just received: forward at once if the counter's own step has no processing time (the
    receiving officer hands it on by receiving it)."""
    decision = Decision()
    if d["state"] in (lc.NOT_ACCEPTED, *PAUSED_AT_RECEIPT):
        return decision
    _start(d, decision, d["received_at"], calendar)
    return decision


def _start(
    d: dict[str, Any], decision: Decision, at: datetime, calendar: "WorkingCalendar"
) -> None:
    """The dossier is accepted at its counter (`at`): the counter's step begins, or, when it has
    no processing time, the dossier is handed on at that instant, however long routing takes to
    read it (the counter's step is judged then: its due is that office instant)."""
    first = d["route"][0]
    state = decision.changes.get("state", d["state"])
    decision.changes["state"] = lc.transition(state, lc.FORWARD, lc.SYSTEM)
    if first["duration_amount"] == 0 and len(d["route"]) > 1:
        _send(d, decision, at, calendar, 1, "forward", by=d["received_by"])
        record_event(
            d,
            "dossier_forwarded",
            at,
            decision,
            from_office_id=first["office_id"],
            to_office_id=d["route"][1]["office_id"],
        )


def on_arrived(d: dict[str, Any], transfer: dict[str, Any], now: datetime) -> Decision:
    """A transfer reached its office: it waits in the worklist's incoming part for an officer to
    receive it, or (a result) the system passes it on down or the counter has it."""
    decision = Decision()
    if d["office_id"] != transfer["to_office_id"] or d["at_office"]:
        return decision  # stale transfer (the dossier moved on); nothing to do
    decision.changes["at_office"] = True
    if transfer["direction"] == "forward":
        _route(d, decision)[d["step_index"]]["arrived_at"] = now
        record_event(
            d,
            "dossier_arrived",
            now,
            decision,
            from_office_id=transfer["handover"]["from_office_id"],
        )
        return decision
    _receive_row(d, decision, now, None)
    if transfer["step_index"] > 0:  # the result passes through an intermediate level
        _send(d, decision, now, None, transfer["step_index"] - 1, "return", by=SYSTEM)
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


def authorise(d: dict[str, Any], action: str, officer: dict[str, Any]) -> None:
    """403 unless the officer works where this action is done."""
    counter = action in lc.COUNTER_ACTIONS
    where = d["receiving_office_id"] if counter else d["office_id"]
    if officer["office_id"] != where or (not counter and not d["at_office"]):
        raise Forbidden(
            "not_your_office", f"dossier {d['_id']} is not at office {officer['office_id']}"
        )


def allowed_actions(d: dict[str, Any], role: str, now: datetime) -> list[str]:
    """The lifecycle's actions for this state and role; sending by post only to a citizen who
    chose it (only they gave an address); an apology only before the appointment passes."""
    actions = lc.allowed_actions(d["state"], role)
    if d["return_method"] != "post":
        actions = [a for a in actions if a != lc.RETURN_RESULT]
    if lc.REQUEST_OBLIGATION in actions and not _may_owe(d["procedure_code"]):
        actions = [a for a in actions if a != lc.REQUEST_OBLIGATION]
    if now >= d["appointment_at"]:
        actions = [a for a in actions if a != lc.EXTEND]
    return actions


def _may_owe(procedure_code: str) -> bool:
    """Whether the procedure may assess a financial obligation (the catalog says so)."""
    try:
        return load_procedures().get(procedure_code).financial_obligation
    except UnknownProcedure:
        return False


def actions_for(d: dict[str, Any], officer: dict[str, Any], now: datetime) -> list[str]:
    """The actions this officer may take on the dossier now: state, role, office and time."""
    out = []
    for action in allowed_actions(d, officer["role"], now):
        try:
            authorise(d, action, officer)
        except Forbidden:
            continue
        out.append(action)
    return out


def act(
    d: dict[str, Any],
    action: str,
    params: dict[str, Any],
    officer: dict[str, Any],
    now: datetime,
    calendar: "WorkingCalendar",
) -> Decision:
    """Apply an officer's action; IllegalAction (409) if the state or the time forbids it."""
    authorise(d, action, officer)
    if action == lc.EXTEND and now >= d["appointment_at"] and d["state"] in _EXTENDABLE:
        raise IllegalAction(
            "appointment_passed",
            "an apology and new date (form 04) must be issued before the appointment passes",
            {"appointment_at": d["appointment_at"]},
        )
    allowed = allowed_actions(d, officer["role"], now)
    if action not in allowed:
        raise IllegalAction(
            "illegal_transition",
            f"cannot {action} a dossier in state {d['state']}",
            {"state": d["state"], "allowed_actions": allowed},
        )
    middle = d["step_index"] < len(d["route"]) - 1
    new_state = lc.transition(d["state"], action, officer["role"], middle_step=middle)
    actor = {"name": officer["name"], "role": officer["role"], "office_id": officer["office_id"]}
    decision = Decision(changes={"state": new_state})
    handler = _ACTIONS.get(action)
    if handler:
        handler(d, decision, params, actor, now, calendar)
    else:
        record_event(d, _EVENT_OF[action], now, decision, actor, reason=params.get("reason"))
    if new_state in FINISHING and not d.get("finished_at"):
        if action != lc.WITHDRAW or d["at_office"]:
            _end_step(d, decision, now, calendar, new_state)
        decision.changes["finished_at"] = now
        decision.changes["outcome"] = new_state
        decision.changes["timing"] = lc.classify(
            now, d.get("legal_due_at", d["appointment_at"]), d["supplement_requests"], calendar
        )
    if decision.changes["state"] == lc.RETURNED:
        decision.changes["returned_at"] = now
    return decision


_EXTENDABLE = frozenset(s for (s, a) in lc.TRANSITIONS if a == lc.EXTEND)


def _accept(
    d: dict[str, Any],
    decision: Decision,
    params: dict[str, Any],
    actor: dict[str, Any],
    now: datetime,
    calendar: "WorkingCalendar",
) -> None:
    """The officer receives the dossier at their office: they sign the hand-over that brought
    it (its time closes the control-sheet row) and take it in hand."""
    _receive_row(d, decision, now, actor["name"])
    record_event(d, "dossier_accepted", now, decision, actor)


def _resolve_or_refuse(
    d: dict[str, Any],
    decision: Decision,
    params: dict[str, Any],
    actor: dict[str, Any],
    now: datetime,
    calendar: "WorkingCalendar",
) -> None:
    if decision.changes["state"] == lc.AWAITING_ACCEPTANCE:  # a middle step done: hand it on
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
    resolved = decision.changes["state"] == lc.RESOLVED
    record_event(
        d,
        "dossier_resolved" if resolved else "dossier_refused",
        now,
        decision,
        actor,
        reason=params.get("reason"),
    )
    if d["step_index"] == 0:  # decided at the receiving office: the result is at the counter
        decision.changes["state"] = lc.transition(
            decision.changes["state"], lc.RESULT_ARRIVED, lc.SYSTEM
        )
        record_event(d, "result_returned", now, decision, return_method=d["return_method"])
    else:
        _send(d, decision, now, calendar, d["step_index"] - 1, "return", by=actor["name"])


def _request_supplement(
    d: dict[str, Any],
    decision: Decision,
    params: dict[str, Any],
    actor: dict[str, Any],
    now: datetime,
    calendar: "WorkingCalendar",
) -> None:
    decision.changes.update({"paused_at": now, "supplement_requests": d["supplement_requests"] + 1})
    _supplement_notice(d, decision, params, actor, now)


def _supplement_notice(
    d: dict[str, Any],
    decision: Decision,
    params: dict[str, Any],
    actor: dict[str, Any],
    now: datetime,
) -> None:
    """Form 02: what is missing and why, told to the citizen (the supplement_requested SMS)."""
    missing = params.get("missing_documents") or []
    if not missing or not params.get("reason"):
        raise InvalidInput("supplement_needs_reason", "say what is missing and why (form 02)")
    record_event(
        d,
        "supplement_requested",
        now,
        decision,
        actor,
        missing_documents=missing,
        reason=params["reason"],
    )


def _accept_online(
    d: dict[str, Any],
    decision: Decision,
    params: dict[str, Any],
    actor: dict[str, Any],
    now: datetime,
    calendar: "WorkingCalendar",
) -> None:
    """The counter checked a dossier filed online and accepts it (status 2): its route is
    scheduled from this instant, as for a dossier handed in at the counter now (the working-day
    rules apply to the moment of acceptance: one filed at night or on a day off is judged from
    its check). One whose fee is still to be paid online waits for it (status 1), its clock
    stopped from now, as a counter dossier with an online fee does."""
    _schedule_from(d, decision, now, calendar)
    if d.get("fee_due"):  # from here the fee paid online accepts it (on_payment)
        decision.changes.update(state=lc.AWAITING_FEE, fee_due=False, paused_at=now)
        record_event(d, "online_dossier_accepted", now, decision, actor)
        return
    record_event(
        d,
        "online_dossier_accepted",
        now,
        decision,
        actor,
        appointment_at=decision.changes["appointment_at"],
    )
    _start(d, decision, now, calendar)


def _schedule_from(
    d: dict[str, Any], decision: Decision, at: datetime, calendar: "WorkingCalendar"
) -> None:
    """Every due of the route anew from `at` (contracts/route.py schedule), the clock running."""
    try:
        same_day = load_procedures().get(d["procedure_code"]).same_day
    except UnknownProcedure:
        same_day = False
    route = _route(d, decision)
    last = len(route) - 1
    steps = [
        PlannedStep(
            s["index"],
            s["level"],
            s["office_id"],
            Duration(s["duration_amount"], s["duration_unit"]),
            same_day and s["index"] == last,
        )
        for s in route
    ]
    for step, due in zip(route, schedule(steps, at, calendar), strict=True):
        step["due_at"] = due
    decision.changes.update(
        {
            "paused_at": None,
            "current_due_at": route[d["step_index"]]["due_at"],
            "appointment_at": route[-1]["due_at"],
            "legal_due_at": route[-1]["due_at"],
        }
    )


def _request_online_supplement(
    d: dict[str, Any],
    decision: Decision,
    params: dict[str, Any],
    actor: dict[str, Any],
    now: datetime,
    calendar: "WorkingCalendar",
) -> None:
    """Form 02 before acceptance: the clock has not started, so it is not a supplement request
    the dossier is judged by (Decision 766 counts those after acceptance)."""
    _supplement_notice(d, decision, params, actor, now)


def _refuse_online(
    d: dict[str, Any],
    decision: Decision,
    params: dict[str, Any],
    actor: dict[str, Any],
    now: datetime,
    calendar: "WorkingCalendar",
) -> None:
    """Form 03: the counter does not accept the dossier filed online, and says why."""
    if not params.get("reason"):
        raise InvalidInput("refusal_needs_reason", "say why the dossier is not accepted (form 03)")
    decision.changes["not_accepted_reason"] = params["reason"]
    record_event(d, "dossier_not_accepted", now, decision, actor, reason=params["reason"])


def on_online_supplemented(d: dict[str, Any], document_id: str, now: datetime) -> Decision:
    """The citizen uploaded a missing part on the tracking page: the dossier is to check again
    at its counter. Any other upload changes nothing here."""
    decision = Decision()
    if d["state"] != lc.ONLINE_SUPPLEMENT_REQUESTED:
        return decision
    decision.changes["state"] = lc.transition(d["state"], lc.ONLINE_SUPPLEMENTED, lc.SYSTEM)
    record_event(d, "online_dossier_supplemented", now, decision, missing_documents=[document_id])
    return decision


def resumed_due(due: datetime, paused: timedelta, calendar: "WorkingCalendar") -> datetime:
    """A due instant after the clock stood still for `paused` office time: the exact instant
    moved by that time, then the close of its session (a whole office instant, never earlier)."""
    return calendar.session_close(calendar.shift_by_working_time(due, paused))


def _resume(
    d: dict[str, Any], decision: Decision, at: datetime, calendar: "WorkingCalendar"
) -> None:
    """The clock, stopped since `paused_at` (a supplement, a fee or an obligation awaited from
    the citizen), resumes at `at`: every due still ahead moves by the office time it stood
    still (docs/domain.md#time)."""
    paused = calendar.working_time_between(d["paused_at"], max(at, d["paused_at"]))
    route = _route(d, decision)
    for step in route[d["step_index"] :]:
        step["due_at"] = resumed_due(step["due_at"], paused, calendar)
    legal = d.get("legal_due_at", d["appointment_at"])
    decision.changes.update(
        {
            "paused_at": None,
            "current_due_at": route[d["step_index"]]["due_at"],
            "appointment_at": resumed_due(d["appointment_at"], paused, calendar),
            "legal_due_at": resumed_due(legal, paused, calendar),
        }
    )


def _supplement(
    d: dict[str, Any],
    decision: Decision,
    params: dict[str, Any],
    actor: dict[str, Any],
    now: datetime,
    calendar: "WorkingCalendar",
) -> None:
    """The citizen brought what was missing: the clock resumes; every due still ahead moves by
    the office time it stood still (docs/domain.md#time), and the citizen is told the new date."""
    _resume(d, decision, now, calendar)
    record_event(
        d,
        "dossier_supplemented",
        now,
        decision,
        actor,
        appointment_at=decision.changes["appointment_at"],
        due_at=decision.changes["current_due_at"],
    )


def _extend(
    d: dict[str, Any],
    decision: Decision,
    params: dict[str, Any],
    actor: dict[str, Any],
    now: datetime,
    calendar: "WorkingCalendar",
) -> None:
    """An apology and new date (form 04): the citizen's appointment moves, the legal one does
    not, so a dossier finished after it still counts late, with the apology on record."""
    new_due = params.get("new_due_at")
    if not isinstance(new_due, datetime) or not params.get("reason"):
        raise InvalidInput(
            "extension_needs_date_and_reason", "an apology (form 04) needs a reason and new_due_at"
        )
    new_due = calendar.session_close(new_due)
    if new_due <= d["appointment_at"]:
        raise InvalidInput(
            "extension_not_later", "the new date must be after the current appointment"
        )
    apology = {
        "at": now,
        "by": actor["name"],
        "office_id": actor["office_id"],
        "reason": params["reason"],
        "original_appointment_at": d["appointment_at"],
        "new_appointment_at": new_due,
    }
    decision.changes.update(
        {"appointment_at": new_due, "apologies": [*d.get("apologies", []), apology]}
    )
    record_event(
        d,
        "dossier_extended",
        now,
        decision,
        actor,
        reason=params["reason"],
        appointment_at=new_due,
        original_appointment_at=d["appointment_at"],
    )


def _request_obligation(
    d: dict[str, Any],
    decision: Decision,
    params: dict[str, Any],
    actor: dict[str, Any],
    now: datetime,
    calendar: "WorkingCalendar",
) -> None:
    """A notice of financial obligation (status 6): the amount, why, and the deadline to pay by.
    The clock stops until the payment service says it is paid (the law does not count the time
    the citizen takes to pay); the payment service asks for the money."""
    amount, pay_by, reason = params.get("amount_vnd"), params.get("pay_by"), params.get("reason")
    if not amount or not isinstance(pay_by, datetime) or not reason:
        raise InvalidInput(
            "obligation_needs_amount_deadline_reason",
            "a notice of financial obligation needs amount_vnd, pay_by and a reason",
        )
    if pay_by <= now:
        raise InvalidInput("pay_by_passed", "the deadline to pay must be in the future")
    notice = {"amount_vnd": amount, "pay_by": pay_by, "reason": reason, "at": now}
    decision.changes.update({"paused_at": now, "obligation": notice})
    record_event(
        d,
        "obligation_requested",
        now,
        decision,
        actor,
        amount_vnd=amount,
        pay_by=pay_by,
        reason=reason,
        receiving_office_id=d["receiving_office_id"],
    )


_ACTIONS = {
    "accept": _accept,
    "resolve": _resolve_or_refuse,
    "refuse": _resolve_or_refuse,
    "request_supplement": _request_supplement,
    "supplement": _supplement,
    "extend": _extend,
    "request_obligation": _request_obligation,
    "accept_online": _accept_online,
    "request_online_supplement": _request_online_supplement,
    "refuse_online": _refuse_online,
}
_EVENT_OF = {
    "stop": "dossier_stopped",
    "withdraw": "dossier_withdrawn",
    "hand_over": "result_handed_over",
    "return_result": "result_sent_by_post",
}


def on_shipment(d: dict[str, Any], type_: str, shipment: dict[str, Any], now: datetime) -> Decision:
    """The post picked the result up (a control-sheet row signed by both sides), delivered it
    (the dossier is returned) or brought it back (ready at the counter again)."""
    decision = Decision()
    if d["state"] != lc.RETURNING_BY_POST:
        return decision  # a shipment of an earlier send, or news already applied
    if type_ == "shipment_picked_up" and shipment.get("handover"):
        handover = shipment["handover"]
        decision.handovers.append(
            _row(
                d["receiving_office_id"],
                POST,
                handover["at"],
                handover["officer"] or SYSTEM,
                received_by=handover["postal_worker"],
                received_at=handover["at"],
            )
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


def on_payment(
    d: dict[str, Any],
    type_: str,
    payment: dict[str, Any],
    now: datetime,
    calendar: "WorkingCalendar",
) -> Decision:
    """The payment service's news (contracts/money.py): a fee awaited online is paid (the
    dossier is accepted at its counter then, and its clock starts), a notice of obligation is
    paid (the clock resumes, the appointment moves by the time it stood still), or a notice is
    past its deadline unpaid (raised to the office holding the dossier, once)."""
    decision = Decision()
    kind, state = payment["kind"], d["state"]
    if (
        type_ == "payment_received"
        and kind == "fee"
        and state in _BEFORE_CHECK
        and d.get("fee_due")
    ):
        decision.changes["fee_due"] = False  # paid before the counter accepted it online
    elif type_ == "payment_received" and kind == "fee" and state == lc.AWAITING_FEE:
        at = min(max(payment["paid_at"] or now, d["received_at"]), now)
        _resume(d, decision, at, calendar)
        decision.changes["state"] = lc.transition(state, lc.FEE_PAID, lc.SYSTEM)
        record_event(
            d,
            "fee_confirmed",
            at,
            decision,
            appointment_at=decision.changes["appointment_at"],
            amount_vnd=payment["amount_vnd"],
            payment_id=payment["payment_id"],
        )
        _start(d, decision, at, calendar)
    elif type_ == "payment_received" and kind == "obligation" and state == lc.OBLIGATION_REQUESTED:
        at = min(max(payment["paid_at"] or now, d["paused_at"]), now)
        _resume(d, decision, at, calendar)
        decision.changes["state"] = lc.transition(state, lc.OBLIGATION_PAID, lc.SYSTEM)
        record_event(
            d,
            "obligation_fulfilled",
            at,
            decision,
            appointment_at=decision.changes["appointment_at"],
            due_at=decision.changes["current_due_at"],
            amount_vnd=payment["amount_vnd"],
            payment_id=payment["payment_id"],
        )
    elif type_ == "payment_overdue" and state == lc.OBLIGATION_REQUESTED:
        record_event(
            d,
            "obligation_overdue",
            now,
            decision,
            amount_vnd=payment["amount_vnd"],
            pay_by=payment["pay_by"],
            payment_id=payment["payment_id"],
        )
    return decision


_BEFORE_CHECK = frozenset({lc.SUBMITTED_ONLINE, lc.ONLINE_SUPPLEMENT_REQUESTED})


def raise_alert(
    d: dict[str, Any], alert: str, now: datetime, calendar: "WorkingCalendar"
) -> Decision:
    """Raise `alert` for the current step unless it was raised already (re-checked on the dossier
    as it is now, so two routing processes raise it once)."""
    decision = Decision()
    if alert in due_alerts(d, now, calendar):
        steps = "due_soon_steps" if alert == "dossier_due_soon" else "overdue_steps"
        decision.changes[steps] = d[steps] + [d["step_index"]]
        record_event(d, alert, now, decision, due_at=d["current_due_at"])
    return decision


def is_due_soon(now: datetime, due: datetime, calendar: "WorkingCalendar") -> bool:
    """Within one working day (the calendar's office hours) of its due instant."""
    day = calendar.day_length
    return calendar.working_time_between(now, due, cap=day) <= day


def due_alerts(d: dict[str, Any], now: datetime, calendar: "WorkingCalendar") -> list[str]:
    """dossier_due_soon and/or dossier_overdue, if the current step calls for one not yet raised."""
    step, due = d["step_index"], d["current_due_at"]
    alerts: list[str] = []
    # (a due-view entry written before it carried the state lists alerting dossiers only)
    state = d.get("state", lc.IN_PROCESS)
    if d.get("paused_at") or state not in ALERTING or d.get("finished_at"):
        return alerts
    if now > due and step not in d["overdue_steps"]:  # at the due instant it is still on time
        alerts.append("dossier_overdue")
    elif now <= due and step not in d["due_soon_steps"] and is_due_soon(now, due, calendar):
        alerts.append("dossier_due_soon")
    return alerts


def settled(d: dict[str, Any]) -> datetime | None:
    """When a dossier stopped changing: its last history entry once it is in a final state."""
    if d["state"] not in lc.FINAL_STATES or not d.get("history"):
        return None
    at: datetime = d["history"][-1]["at"]
    return at
