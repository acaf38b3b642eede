"""Evaluations and feedback as plain functions: the invitation a returned dossier opens, the one
evaluation it takes, a citizen's feedback with its due date, assigning and answering it, the
overdue notice raised once, what the citizen and the officers see, and the figures of a period.
No I/O; the levels, questions and due days are in contracts/feedback.py."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from contracts import feedback as fb
from contracts.calendar import WorkingCalendar
from contracts.errors import Forbidden, IllegalAction
from contracts.lifecycle import LEADER
from contracts.procedures import DAYS, Duration

Events = list[tuple[str, dict[str, Any]]]
INVITED, EVALUATED = "invited", "evaluated"


# ---- evaluations: one per dossier, opened when its result is returned
def invitation(code: str, office_id: str, now: datetime) -> dict[str, Any]:
    return {
        "_id": code,
        "office_id": office_id,
        "status": INVITED,
        "invited_at": now,
        "level": None,
        "answers": {},
        "channel": None,
        "evaluated_at": None,
    }


def invited_events(ev: dict[str, Any]) -> Events:
    return [("evaluation_invited", {"office_id": ev["office_id"], "dossier_code": ev["_id"]})]


def evaluate(
    ev: dict[str, Any], level: int, answers: dict[str, int], channel: str, now: datetime
) -> tuple[dict[str, Any], Events]:
    """The evaluation recorded; IllegalAction when the dossier has one already."""
    if ev["status"] == EVALUATED:
        raise IllegalAction(
            "already_evaluated",
            "this dossier has been evaluated already; each dossier is evaluated once",
            {"evaluated_at": ev["evaluated_at"].isoformat(), "channel": ev["channel"]},
        )
    changes = {
        "status": EVALUATED,
        "level": level,
        "answers": dict(answers),
        "channel": channel,
        "evaluated_at": now,
    }
    body = {"office_id": ev["office_id"], "level": level, "channel": channel}
    return changes, [("evaluation_recorded", body)]


def evaluation_view(ev: dict[str, Any] | None) -> dict[str, Any]:
    """What the citizen's page and the kiosk see: whether it may be evaluated, and the levels."""
    config = fb.load_satisfaction()
    given = ev or {"status": None, "level": None, "channel": None, "evaluated_at": None}
    return {
        "open": given["status"] == INVITED,
        "evaluated": given["status"] == EVALUATED,
        "level": given["level"],
        "channel": given["channel"],
        "evaluated_at": given["evaluated_at"],
        "levels": [vars(lv) for lv in config.levels],
        "questions": [vars(q) for q in config.questions],
    }


# ---- feedback (phản ánh, kiến nghị)
def due_at(received_at: datetime, calendar: WorkingCalendar, days: int) -> datetime:
    return calendar.due_at(received_at, Duration(days, DAYS))


def new_feedback(
    code: str, request: dict[str, Any], office_id: str, phone: str, now: datetime, due: datetime
) -> dict[str, Any]:
    return {
        "_id": code,
        "kind": request["kind"],
        "content": request["content"],
        "dossier_code": request.get("dossier_code"),
        "office_id": office_id,
        "phone": phone,
        "status": fb.RECEIVED,
        "received_at": now,
        "due_at": due,
        "assignee": None,
        "assigned_by": None,
        "answer": None,
        "answered_by": None,
        "answered_at": None,
        "timing": None,
        "overdue_raised": False,
    }


def submitted_events(f: dict[str, Any]) -> Events:
    body = {
        "office_id": f["office_id"],
        "dossier_code": f["dossier_code"],
        "phone": f["phone"],
        "kind": f["kind"],
        "due_at": f["due_at"],
    }
    return [("feedback_submitted", body)]


def _may_handle(officer: dict[str, Any], f: dict[str, Any], within) -> bool:
    return officer["role"] == LEADER and within(f["office_id"], officer["office_id"])


def assign(
    f: dict[str, Any], assignee: str, officer: dict[str, Any], within, now: datetime
) -> tuple[dict[str, Any], Events]:
    """A leader of the feedback's office (or above it) names who handles it."""
    if not _may_handle(officer, f, within):
        raise Forbidden("not_your_feedback", "a leader of the feedback's office assigns it")
    if f["status"] == fb.ANSWERED:
        raise IllegalAction("feedback_answered", "this feedback has been answered already")
    changes = {"status": fb.ASSIGNED, "assignee": assignee, "assigned_by": officer["name"]}
    return changes, [("feedback_assigned", {"office_id": f["office_id"]})]


def answer(
    f: dict[str, Any], text: str, officer: dict[str, Any], within, now: datetime
) -> tuple[dict[str, Any], Events]:
    """A leader of the feedback's office (or above it), or the officer it was assigned to at
    that office, answers it; once."""
    assigned = officer["office_id"] == f["office_id"] and officer["name"] == f["assignee"]
    if not (assigned or _may_handle(officer, f, within)):
        raise Forbidden("not_your_feedback", "the feedback's leader or assignee answers it")
    if f["status"] == fb.ANSWERED:
        raise IllegalAction("feedback_answered", "this feedback has been answered already")
    timing = "on_time" if now <= f["due_at"] else "late"
    changes = {
        "status": fb.ANSWERED,
        "answer": text,
        "answered_by": officer["name"],
        "answered_at": now,
        "timing": timing,
    }
    return changes, [("feedback_answered", {"office_id": f["office_id"], "answer": text})]


def overdue(f: dict[str, Any], now: datetime) -> tuple[dict[str, Any], Events]:
    """Past its due date and not answered: raised to the office once."""
    if f["status"] == fb.ANSWERED or f["overdue_raised"] or now <= f["due_at"]:
        return {}, []
    body = {"office_id": f["office_id"], "due_at": f["due_at"]}
    return {"overdue_raised": True}, [("feedback_overdue", body)]


def citizen_view(f: dict[str, Any]) -> dict[str, Any]:
    """What the citizen's page shows: no phone, no officer's name."""
    return {
        "code": f["_id"],
        "kind": f["kind"],
        "kind_label": fb.KINDS[f["kind"]],
        "status": f["status"],
        "status_label": fb.STATUS_LABELS_VI[f["status"]],
        "content": f["content"],
        "received_at": f["received_at"],
        "due_at": f["due_at"],
        "answer": f["answer"],
        "answered_at": f["answered_at"],
    }


def officer_view(f: dict[str, Any], now: datetime) -> dict[str, Any]:
    """What officers see: the citizen's view with who handles it, the dossier and the phone's
    last digits (to call back), and whether it is past due."""
    return {
        **citizen_view(f),
        "office_id": f["office_id"],
        "dossier_code": f["dossier_code"],
        "phone_tail": f["phone"][-4:] if f.get("phone") else None,
        "assignee": f["assignee"],
        "assigned_by": f["assigned_by"],
        "answered_by": f["answered_by"],
        "timing": f["timing"],
        "overdue": f["status"] != fb.ANSWERED and now > f["due_at"],
    }


# ---- figures
def by_month(
    given: Iterable[tuple[datetime, int]], months: list[str], calendar: WorkingCalendar
) -> list[dict[str, Any]]:
    """The evaluations of each month ("YYYY-MM", local time) and its satisfaction rate."""
    config = fb.load_satisfaction()
    counts: dict[str, dict[int, int]] = {m: {} for m in months}
    for at, level in given:
        month = counts.get(f"{calendar.local(at):%Y-%m}")
        if month is not None:
            month[level] = month.get(level, 0) + 1
    return [
        {
            "month": m,
            "evaluations": sum(counts[m].values()),
            "satisfaction_rate": fb.satisfaction_rate(counts[m], config),
        }
        for m in months
    ]


def figures(
    levels: Iterable[int],
    answered: Iterable[dict[str, Any]],
    received: int,
    pending: Iterable[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    """An office's figures for a period: evaluations by level and the satisfaction rate;
    feedback received, answered on time and late, and pending now (of which past due)."""
    config = fb.load_satisfaction()
    by_level = {lv.value: 0 for lv in config.levels}
    for value in levels:
        by_level[value] = by_level.get(value, 0) + 1
    answered, pending = list(answered), list(pending)
    return {
        "evaluations": {
            "total": sum(by_level.values()),
            "satisfied": sum(
                n for v, n in by_level.items() if (lv := config.level(v)) and lv.satisfied
            ),
            "by_level": [
                {"level": lv.value, "label": lv.label, "count": by_level[lv.value]}
                for lv in config.levels
            ],
            "satisfaction_rate": fb.satisfaction_rate(by_level, config),
        },
        "feedback": {
            "received": received,
            "answered_on_time": sum(1 for a in answered if a["timing"] == "on_time"),
            "answered_late": sum(1 for a in answered if a["timing"] == "late"),
            "pending": len(pending),
            "pending_past_due": sum(1 for p in pending if p["due_at"] < now),
        },
    }
