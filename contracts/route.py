"""Route plan: which office handles each step of a procedure for a dossier, and when it is due.

Who may receive what, and where the route starts (docs/domain.md#who-receives), is decided here
and nowhere else:

- a counter receives a procedure whose route passes through its own level (a commune every
  procedure, which all start at the commune; a district the district's procedures and the
  province's that pass through the district; a province centre the province's), and every
  "common" procedure, which is decided at the level that receives it;
- in a two-level (2025) province the province centre receives any procedure of its province
  (boundary-free intake); one that a commune decides is sent down to the commune the counter
  names (`deciding_office_id`), and its result comes back up to the centre's counter;
- the route starts at the receiving counter: steps below it are not walked, and their legal time
  passes to the counter's own step, so the appointment is the law's total wherever the dossier
  is handed in. In a two-level province there is no district: the district step's time passes
  to the step before it (district competences went to the communes).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from contracts.offices import Level, Office, OfficeCatalog
from contracts.procedures import ANY_LEVEL, Duration, Procedure

if TYPE_CHECKING:
    from contracts.calendar import WorkingCalendar

MAX_NAMED_OFFICES = 30  # offices named in a refusal: enough to direct a citizen, never a dump


class RouteError(ValueError):
    """The receiving office cannot receive this procedure (or the deciding office is wrong);
    `offices` names offices of the same province that may receive it."""

    def __init__(
        self, message: str, code: str = "office_cannot_receive", offices: Iterable[str] = ()
    ):
        super().__init__(message)
        self.code, self.offices = code, list(offices)


@dataclass(frozen=True)
class PlannedStep:
    index: int
    level: str
    office_id: str
    duration: Duration
    same_day: bool = False


def _levels(procedure: Procedure, office: Office) -> list[tuple[str, Duration]]:
    """The procedure's steps as (level, duration) in the office's regime: a common procedure's
    one step at the office's level; in a two-level province the district's time merged into
    the step before it."""
    steps: list[tuple[str, Duration]] = []
    for step in procedure.route:
        level = office.level if step.level == ANY_LEVEL else step.level
        if level == Level.DISTRICT and office.regime == "2025":
            prev_level, prev = steps[-1]
            steps[-1] = (prev_level, Duration(prev.amount + step.duration.amount, prev.unit))
            continue
        steps.append((level, step.duration))
    return steps


def _from_counter(
    steps: list[tuple[str, Duration]], level: str
) -> list[tuple[str, Duration]] | None:
    """The steps from `level` up, the time of those below added to the first; None if the route
    does not pass through `level`."""
    levels = [lv for lv, _ in steps]
    if level not in levels:
        return None
    start = levels.index(level)
    below = sum(d.amount for _, d in steps[: start + 1])
    first = (level, Duration(below, steps[start][1].unit))
    return [first, *steps[start + 1 :]]


def plan_route(
    procedure: Procedure,
    receiving_office_id: str,
    offices: OfficeCatalog,
    deciding_office_id: str | None = None,
) -> tuple[PlannedStep, ...]:
    """The offices a dossier for `procedure` received at `receiving_office_id` passes through,
    the receiving counter first; RouteError (naming the offices that may) if it may not."""
    office = offices.get(receiving_office_id)
    holders = _plan(procedure, office, offices, deciding_office_id)
    if holders is None:
        raise _refusal(procedure, office, offices)
    last = len(holders) - 1
    return tuple(
        PlannedStep(i, level, office_id, duration, procedure.same_day and i == last)
        for i, (level, office_id, duration) in enumerate(holders)
    )


def may_receive(procedure: Procedure, office: Office, offices: OfficeCatalog) -> bool:
    """Whether the counter of `office` receives `procedure` (naming a deciding commune where the
    route goes down to one)."""
    if _sends_down(office):
        return True
    return _plan(procedure, office, offices, None) is not None


def _sends_down(office: Office) -> bool:
    return office.regime == "2025" and office.level == Level.PROVINCE


# (level, office id, duration) of each step, from the receiving counter on
Holders = list[tuple[str, str, Duration]]


def _plan(
    procedure: Procedure,
    office: Office,
    offices: OfficeCatalog,
    deciding_office_id: str | None,
) -> Holders | None:
    """[(level, office id, duration)] from the counter on; None if this counter does not
    receive the procedure."""
    steps = _levels(procedure, office)
    planned = _from_counter(steps, office.level)
    if planned is None:
        return _sent_down(procedure, office, offices, steps, deciding_office_id)
    if deciding_office_id not in (None, office.id):
        raise RouteError(
            f"{procedure.code} received at {office.id} is decided on its own route; "
            "deciding_office_id is only for a procedure sent down to a commune",
            "deciding_office_unexpected",
        )
    holders: Holders = []
    for level, duration in planned:
        holder = offices.ancestor_at_level(office.id, level)
        if holder is None:
            return None
        holders.append((level, holder.id, duration))
    return holders


def _sent_down(
    procedure: Procedure,
    office: Office,
    offices: OfficeCatalog,
    steps: list[tuple[str, Duration]],
    deciding_office_id: str | None,
) -> Holders | None:
    """A two-level province centre receiving what a commune decides: the centre's counter
    receives and sends it down at once, the commune decides, the result comes back up."""
    if not _sends_down(office):
        return None
    if deciding_office_id is None:
        raise RouteError(
            f"{procedure.code} is decided by a commune: name it in deciding_office_id",
            "deciding_office_required",
        )
    try:
        commune = offices.get(deciding_office_id)
    except KeyError:
        commune = None
    if commune is None or commune.level != Level.COMMUNE or commune.parent_id != office.id:
        raise RouteError(
            f"deciding_office_id {deciding_office_id!r} is not a commune of {office.id}",
            "unknown_deciding_office",
        )
    counter = (office.level, office.id, Duration(0, steps[0][1].unit))
    return [counter, *((level, commune.id, duration) for level, duration in steps)]


def _refusal(procedure: Procedure, office: Office, offices: OfficeCatalog) -> RouteError:
    able = [
        o.id
        for o in offices.all()
        if o.province_id == office.province_id and may_receive(procedure, o, offices)
    ]
    named = ", ".join(able[:MAX_NAMED_OFFICES]) + (" …" if len(able) > MAX_NAMED_OFFICES else "")
    return RouteError(
        f"{office.id} ({office.level}) does not receive {procedure.code}; "
        f"in its province these counters do: {named or 'none'}",
        offices=able[:MAX_NAMED_OFFICES],
    )


def schedule(
    steps: Sequence[PlannedStep], start: datetime, calendar: "WorkingCalendar"
) -> list[datetime]:
    """Due instant of each step, one after the other: a step starts when the one before it is
    due. The last one is the dossier's appointment."""
    dues: list[datetime] = []
    at = start
    for step in steps:
        at = calendar.due_at(at, step.duration, same_day=step.same_day)
        dues.append(at)
    return dues


def appointment(
    steps: Sequence[PlannedStep], start: datetime, calendar: "WorkingCalendar"
) -> datetime:
    return schedule(steps, start, calendar)[-1]
