"""An office's statistics for a period, read from counters kept as the dossiers change. No I/O.

`contributions(d)` is what one dossier adds to routing's counter rows (services/common/tally.py
keeps them: each change adds the difference); `figures(rows, …)` answers the statistics from
the rows of one office (`ranges` says which to read); `office_stats(dossiers, …)` is the same
from dossiers, by adding up their contributions (the tests', and `make recount`'s, reference).
Days are local days of the calendar's timezone: a period is whole days, so a day's rows are in it
or not. An office is judged by its
own steps, the dossier as a whole by the office that decided it and the counter that returned it
(docs/domain.md#who-is-judged-for-what). The period is the half-open interval [start, end) of
aware datetimes; `as_of = min(end, now)` is the instant at which the open workload is measured.
"In period" means `start <= t < end`.

At its counter (the office is the dossier's receiving office):
- received: received in period, state != not_accepted, split by channel (counter / online /
  post), plus carried_over: received before start, state != not_accepted, and not finished
  before start (finished_at is None or finished_at >= start). total = all four.
- not_accepted: received in period with state not_accepted (form 03).
- returned: returned_at in period (handed over at the counter, or delivered by post).

Its own steps (each route step at the office; a step ends when the office hands the dossier on,
decides it, or it is stopped or withdrawn there):
- transferred_in: steps other than the counter's first whose dossier arrived in period.
- steps.handed_on: steps that ended in period by handing the dossier on to the next office,
  split by the step's timing against the step's own due (early / on_time / late).
- steps.decided: steps that ended in period by resolving or refusing the dossier, likewise.
- steps.on_time_rate: (early + on_time) / total of both, 4 places; None without steps.

The dossiers it answers for (the office that decided it, and the receiving counter):
- resolved: outcome "resolved", finished_at in period, split by the dossier's timing against
  its legal appointment (an apology's new date does not count; more than one supplement request
  is late); total counts every one, even one whose timing is missing.
- refused, stopped, withdrawn: outcome equal to the name and finished_at in period.
- on_time_rate: (resolved early + on_time) / resolved total, 4 places; None when nothing was
  resolved in the period.

Its open workload (the dossiers it holds now, or that are on their way to it): not finished;
awaiting_payment if paused for a fee or a financial obligation (status 1 or 6), awaiting_check
if filed online and not yet accepted by its counter (or waiting for the citizen's supplement
before acceptance), suspended_for_supplement if paused for a supplement, else pending, split
into past_deadline (its step's due < as_of) and within_deadline. The workload is the current
one (counters carry no past holder): for a period that ended, it is what the office holds now,
judged against the period's end.

Example: a dossier received at commune X28720, handed on early by the commune and by district
H824, resolved late by province T82 and handed over at X28720: X28720 counts one step handed on
early and one dossier resolved late (its counter returned it); H824 one step handed on early
and no dossier; T82 one step decided late and one dossier resolved late.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from contracts import lifecycle as lc
from contracts.calendar import TIMEZONE
from contracts.lifecycle import CHANNELS
from services.common.keys import sort_key
from services.common.tally import Rows, add, total
from services.routing.domain import HANDED_ON

TIMINGS = ("early", "on_time", "late")
DECIDED = frozenset({lc.RESOLVED, lc.REFUSED})
ACTIVE = (lc.AWAITING_ACCEPTANCE, lc.IN_PROCESS, lc.SUPPLEMENT_REQUESTED)  # the overdue gauge's
PAYING = frozenset({lc.AWAITING_FEE, lc.OBLIGATION_REQUESTED})  # paused for the citizen's money
CHECKING = frozenset({lc.SUBMITTED_ONLINE, lc.ONLINE_SUPPLEMENT_REQUESTED})  # filed online
SYSTEM = "_"  # the rows of the whole system (the gauges), in place of an office id


def finishing_office(d: dict[str, Any]) -> str:
    """The office that finished the dossier (decided, refused or stopped it at its step); the
    receiving counter for a withdrawal before any step ended that way."""
    for step in d.get("route") or []:
        if step.get("outcome") not in (None, HANDED_ON):
            office: str = step["office_id"]
            return office
    receiving: str = d["receiving_office_id"]
    return receiving


# ---- the rows: `<office>|d|<day>` a day's figures, `<office>|now` what is open now,
# `<office>|p|<day>` and `<office>|t|<instant>` the pending dossiers by due day and instant.
def _tz() -> tzinfo:
    return ZoneInfo(TIMEZONE)


def day_key(office_id: str, t: datetime) -> str:
    return f"{office_id}|d|{t.astimezone(_tz()).date().isoformat()}"


def _due(rows: Rows, office_id: str, due: datetime) -> None:
    add(
        rows,
        {
            f"{office_id}|p|{due.astimezone(_tz()).date().isoformat()}": {"n": 1},
            f"{office_id}|t|{sort_key(due)}": {"n": 1},
        },
    )


def _timed(kind: str, timing: str | None) -> dict[str, int]:
    counted = {f"{kind}:total": 1}
    if timing in TIMINGS:
        counted[f"{kind}:{timing}"] = 1
    return counted


def contributions(d: dict[str, Any]) -> Rows:
    """What one dossier adds to the counter rows (module docstring: who counts what, when)."""
    rows: Rows = {}
    counter, finished_at = d["receiving_office_id"], d.get("finished_at")
    add(rows, {f"{SYSTEM}|now": {f"state:{d['state']}": 1}})
    if d["state"] in ACTIVE and d.get("current_due_at"):
        _due(rows, SYSTEM, d["current_due_at"])
    if d.get("returned_at"):
        add(rows, {day_key(counter, d["returned_at"]): {"returned": 1}})
    if d["state"] == lc.NOT_ACCEPTED:
        add(rows, {day_key(counter, d["received_at"]): {"not_accepted": 1}})
        return rows
    add(rows, {day_key(counter, d["received_at"]): {f"received:{d['channel']}": 1, "opened": 1}})
    if finished_at:
        add(rows, {day_key(counter, finished_at): {"closed": 1}})
    else:
        add(rows, {f"{counter}|now": {"open": 1}})
    for step in d.get("route") or []:
        office = step["office_id"]
        if step["index"] > 0 and step.get("arrived_at"):
            add(rows, {day_key(office, step["arrived_at"]): {"transferred_in": 1}})
        outcome = step.get("outcome")
        if step.get("done_at") and (outcome == HANDED_ON or outcome in DECIDED):
            kind = HANDED_ON if outcome == HANDED_ON else "decided"
            add(rows, {day_key(office, step["done_at"]): _timed(kind, step.get("timing"))})
    if finished_at:
        outcome = d.get("outcome")
        if outcome == lc.RESOLVED:
            counted = _timed("resolved", d.get("timing"))
        elif outcome in ("refused", "stopped", "withdrawn"):
            counted = {outcome: 1}
        else:
            counted = {}
        for office in {counter, finishing_office(d)} if counted else ():
            add(rows, {day_key(office, finished_at): counted})
    else:
        holder = d["office_id"]
        if d.get("paused_at"):
            waiting = "awaiting_payment" if d["state"] in PAYING else "suspended"
            if d["state"] in CHECKING:
                waiting = "awaiting_check"
            add(rows, {f"{holder}|now": {waiting: 1}})
        else:
            _due(rows, holder, d["current_due_at"])
    return rows


# ---- reading them
def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz)


def ranges(office_id: str, start: datetime, end: datetime, now: datetime) -> list[dict[str, Any]]:
    """The `_id` ranges of the rows `figures` reads: the days from the period's first on (the
    days after it give the dossiers carried over into it), what is open now, the pending ones
    by due day, and by due instant on the day of as_of. Their length follows the period and the
    open workload, never the history."""
    tz, as_of = _tz(), min(end, now)
    first, today = start.astimezone(tz).date(), as_of.astimezone(tz).date()
    return [
        {"$gte": f"{office_id}|d|{first.isoformat()}", "$lt": f"{office_id}|d}}"},
        {"$in": [f"{office_id}|now"]},
        {"$gte": f"{office_id}|p|", "$lt": f"{office_id}|p}}"},
        {
            "$gte": f"{office_id}|t|{sort_key(_midnight(today, tz))}",
            "$lt": f"{office_id}|t|{sort_key(_midnight(today + timedelta(days=1), tz))}",
        },
    ]


def past_due(rows: Rows, office_id: str, as_of: datetime) -> tuple[int, int]:
    """(pending, of which past their due at as_of), from an office's p and t rows: the pending
    due on an earlier day, and those due on as_of's day before as_of."""
    tz = _tz()
    today = as_of.astimezone(tz).date()
    days, instants = f"{office_id}|p|", f"{office_id}|t|"
    since, until = instants + sort_key(_midnight(today, tz)), instants + sort_key(as_of)
    pending = past = 0
    for key, m in rows.items():
        if key.startswith(days):
            pending += m.get("n", 0)
            past += m.get("n", 0) if key[len(days) :] < today.isoformat() else 0
        elif since <= key < until:
            past += m.get("n", 0)
    return pending, past


def _timings(row: dict[str, int], kind: str) -> dict[str, int]:
    return {t: row.get(f"{kind}:{t}", 0) for t in (*TIMINGS, "total")}


def _rate(counts: list[dict[str, int]]) -> float | None:
    whole = sum(c["total"] for c in counts)
    good = sum(c["early"] + c["on_time"] for c in counts)
    return round(good / whole, 4) if whole else None


def figures(
    rows: Rows, office_id: str, start: datetime, end: datetime, now: datetime
) -> dict[str, Any]:
    """Statistics of `office_id` for [start, end) from its rows (at least those of `ranges`)."""
    tz, as_of = _tz(), min(end, now)
    first = start.astimezone(tz).date().isoformat()
    last = end.astimezone(tz).date().isoformat()  # the day after the period (end: its midnight)
    prefix = f"{office_id}|d|"
    period: dict[str, int] = {}
    after: dict[str, int] = {}  # from the period's first day on: for carried_over
    for key, m in rows.items():
        if key.startswith(prefix) and key[len(prefix) :] >= first:
            for measure, n in m.items():
                after[measure] = after.get(measure, 0) + n
                if key[len(prefix) :] < last:
                    period[measure] = period.get(measure, 0) + n
    now_row = rows.get(f"{office_id}|now", {})
    received = {c: period.get(f"received:{c}", 0) for c in CHANNELS}
    received["carried_over"] = (
        now_row.get("open", 0) - after.get("opened", 0) + after.get("closed", 0)
    )
    received["total"] = sum(received.values())
    steps = {HANDED_ON: _timings(period, HANDED_ON), "decided": _timings(period, "decided")}
    resolved = _timings(period, "resolved")
    pending, past = past_due(rows, office_id, as_of)
    return {
        "office_id": office_id,
        "from": start,
        "to": end,
        "as_of": as_of,
        "received": received,
        "not_accepted": period.get("not_accepted", 0),
        "transferred_in": period.get("transferred_in", 0),
        "steps": {**steps, "on_time_rate": _rate(list(steps.values()))},
        "resolved": resolved,
        **{k: period.get(k, 0) for k in ("refused", "stopped", "withdrawn")},
        "pending": {"within_deadline": pending - past, "past_deadline": past},
        "suspended_for_supplement": now_row.get("suspended", 0),
        "awaiting_payment": now_row.get("awaiting_payment", 0),
        "awaiting_check": now_row.get("awaiting_check", 0),
        "returned": period.get("returned", 0),
        "on_time_rate": _rate([resolved]),
    }


def office_stats(
    dossiers: Iterable[dict[str, Any]],
    office_id: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> dict[str, Any]:
    """Statistics of `office_id` for [start, end) from the dossiers themselves."""
    return figures(total(dossiers, contributions), office_id, start, end, now)


# ---- the whole system's rows, for the gauges
def gauge_ranges(now: datetime) -> list[dict[str, Any]]:
    """The rows the gauges read: the states now, and the active dossiers by due (as `ranges`)."""
    return ranges(SYSTEM, now, now, now)[1:]


def gauges(rows: Rows, now: datetime) -> tuple[dict[str, int], int]:
    """({state: dossiers}, active dossiers past their current step's due at `now`)."""
    states = rows.get(f"{SYSTEM}|now", {})
    by_state = {s: states.get(f"state:{s}", 0) for s in lc.STATES}
    return by_state, past_due(rows, SYSTEM, now)[1]
