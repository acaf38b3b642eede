"""Route plan: which office handles each step of a procedure for a dossier, and when it is due."""

from dataclasses import dataclass
from datetime import datetime

from contracts.offices import Level, OfficeCatalog
from contracts.procedures import ANY_LEVEL, Duration, Procedure


class RouteError(ValueError):
    """The receiving office cannot receive this procedure."""


@dataclass(frozen=True)
class PlannedStep:
    index: int
    level: str
    office_id: str
    duration: Duration
    same_day: bool = False


def plan_route(procedure: Procedure, receiving_office_id: str, offices: OfficeCatalog):
    """The offices a dossier for `procedure` received at `receiving_office_id` passes through.

    Each step is handled by the receiving office's ancestor at the step's level; the first step
    must be at the receiving office's own level. A "common" procedure is decided at the
    receiving office. In a two-level (2025) province there is no district: the district
    step's time passes to the step before it (district competences went to the communes),
    so the appointment is the same under both regimes.
    """
    office = offices.get(receiving_office_id)
    levels = [s.level for s in procedure.route]
    if levels[0] not in (ANY_LEVEL, office.level):
        raise RouteError(
            f"{procedure.code} is received at a {levels[0]} counter, "
            f"not at {office.id} ({office.level})"
        )
    planned: list[tuple[str, str, Duration]] = []
    for step in procedure.route:
        level = office.level if step.level == ANY_LEVEL else step.level
        holder = offices.ancestor_at_level(office.id, level)
        if holder is None and level == Level.DISTRICT and planned:
            prev_level, prev_office, prev = planned[-1]
            merged = Duration(prev.amount + step.duration.amount, prev.unit)
            planned[-1] = (prev_level, prev_office, merged)
            continue
        if holder is None:
            raise RouteError(f"{office.id} has no {level} office for {procedure.code}")
        planned.append((level, holder.id, step.duration))
    last = len(planned) - 1
    return tuple(
        PlannedStep(i, level, office_id, duration, procedure.same_day and i == last)
        for i, (level, office_id, duration) in enumerate(planned)
    )


def schedule(steps, start: datetime, calendar) -> list[datetime]:
    """Due instant of each step, one after the other: a step starts when the one before it is
    due. The last one is the dossier's appointment."""
    dues, at = [], start
    for step in steps:
        at = calendar.due_at(at, step.duration, same_day=step.same_day)
        dues.append(at)
    return dues


def appointment(steps, start: datetime, calendar) -> datetime:
    return schedule(steps, start, calendar)[-1]
