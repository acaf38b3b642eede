"""An office's statistics for a period, computed from routing's stored dossiers. No I/O here.

The caller passes the dossiers in whose route the office appears. An office is judged by its
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

Its open workload as of as_of (the dossiers it holds, or that are on their way to it):
not finished by as_of; suspended_for_supplement if paused_at <= as_of, else pending, split
into past_deadline (its step's due < as_of) and within_deadline. Stored dossiers carry their
current state only: when as_of is in the past, the holder is the current one.

Example: a dossier received at commune X28720, handed on early by the commune and by district
H824, resolved late by province T82 and handed over at X28720: X28720 counts one step handed on
early and one dossier resolved late (its counter returned it); H824 one step handed on early
and no dossier; T82 one step decided late and one dossier resolved late.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from contracts import lifecycle as lc
from contracts.lifecycle import CHANNELS
from services.routing.domain import HANDED_ON

TIMINGS = ("early", "on_time", "late")
DECIDED = frozenset({lc.RESOLVED, lc.REFUSED})


def finishing_office(d: dict[str, Any]) -> str:
    """The office that finished the dossier (decided, refused or stopped it at its step); the
    receiving counter for a withdrawal before any step ended that way."""
    for step in d.get("route") or []:
        if step.get("outcome") not in (None, HANDED_ON):
            office: str = step["office_id"]
            return office
    receiving: str = d["receiving_office_id"]
    return receiving


def _timings() -> dict[str, int]:
    return dict.fromkeys((*TIMINGS, "total"), 0)


def _rate(counts: list[dict[str, int]]) -> float | None:
    total = sum(c["total"] for c in counts)
    good = sum(c["early"] + c["on_time"] for c in counts)
    return round(good / total, 4) if total else None


def office_stats(
    dossiers: Iterable[dict[str, Any]],
    office_id: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> dict[str, Any]:
    """Statistics of `office_id` for [start, end), open workload as of min(end, now)."""
    as_of = min(end, now)
    received = dict.fromkeys((*CHANNELS, "carried_over", "total"), 0)
    steps = {HANDED_ON: _timings(), "decided": _timings()}
    resolved = _timings()
    finished = dict.fromkeys(("refused", "stopped", "withdrawn"), 0)
    pending = {"within_deadline": 0, "past_deadline": 0}
    not_accepted = suspended = returned = transferred_in = 0

    def in_period(t: datetime | None) -> bool:
        return t is not None and start <= t < end

    for d in dossiers:
        counter = d["receiving_office_id"] == office_id
        finished_at = d.get("finished_at")
        if counter and in_period(d.get("returned_at")):
            returned += 1
        if d["state"] == lc.NOT_ACCEPTED:
            not_accepted += int(counter and in_period(d["received_at"]))
            continue
        if counter and in_period(d["received_at"]):
            received[d["channel"]] += 1
        elif counter and d["received_at"] < start and (finished_at is None or finished_at >= start):
            received["carried_over"] += 1
        for step in d.get("route") or []:
            if step["office_id"] != office_id:
                continue
            transferred_in += int(step["index"] > 0 and in_period(step.get("arrived_at")))
            kind = HANDED_ON if step.get("outcome") == HANDED_ON else "decided"
            if in_period(step.get("done_at")) and (kind == HANDED_ON or step["outcome"] in DECIDED):
                steps[kind]["total"] += 1
                if step.get("timing") in TIMINGS:
                    steps[kind][step["timing"]] += 1
        answers = counter or finishing_office(d) == office_id
        if answers and in_period(finished_at):
            outcome = d.get("outcome")
            if outcome == lc.RESOLVED:
                resolved["total"] += 1
                if d.get("timing") in TIMINGS:
                    resolved[d["timing"]] += 1
            elif outcome in finished:
                finished[outcome] += 1
        held = d.get("office_id") == office_id and d["received_at"] < as_of
        if held and (finished_at is None or finished_at >= as_of):
            paused_at = d.get("paused_at")
            if paused_at is not None and paused_at <= as_of:
                suspended += 1
            elif d["current_due_at"] < as_of:
                pending["past_deadline"] += 1
            else:
                pending["within_deadline"] += 1

    received["total"] = sum(received.values())
    return {
        "office_id": office_id,
        "from": start,
        "to": end,
        "as_of": as_of,
        "received": received,
        "not_accepted": not_accepted,
        "transferred_in": transferred_in,
        "steps": {**steps, "on_time_rate": _rate(list(steps.values()))},
        "resolved": resolved,
        **finished,
        "pending": pending,
        "suspended_for_supplement": suspended,
        "returned": returned,
        "on_time_rate": _rate([resolved]),
    }
