"""An office's statistics for a period, computed from routing's stored dossiers. No I/O here.

The caller passes the dossiers in whose route the office appears; every count below is a count of
dossiers (not of route steps). The period is the half-open interval [start, end) of aware
datetimes, and `as_of = min(end, now)` is the instant at which the open workload is measured.
"In period" means `start <= t < end`.

- received: in period, state != not_accepted, split by channel (counter / online / post), plus
  carried_over: received before start, state != not_accepted, and not finished before start
  (finished_at is None or finished_at >= start). total = counter + online + post + carried_over.
- not_accepted: received in period with state not_accepted.
- resolved: outcome "resolved" and finished_at in period, split by timing (early / on_time /
  late); total counts every one of them, even one whose timing is missing.
- refused, stopped, withdrawn: outcome equal to the name and finished_at in period.
- open dossiers as of as_of: received_at < as_of, state != not_accepted, and not finished before
  as_of (finished_at is None or finished_at >= as_of, the same rule as carried_over, so that with
  as_of = end they are exactly the next period's carried_over). Of these:
  - suspended_for_supplement: paused_at is not None and paused_at <= as_of;
  - pending: all the others, split into past_deadline (appointment_at < as_of) and
    within_deadline.
- returned: returned_at in period.
- on_time_rate: (resolved early + on_time) / resolved total, rounded to 4 places; None when
  nothing was resolved in the period.

Stored dossiers carry their current state only: when as_of is in the past, a suspension that has
since ended (paused_at cleared) is counted as pending.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo

from contracts import lifecycle as lc

CHANNELS = ("counter", "online", "post")
TIMINGS = ("early", "on_time", "late")
MAX_SPAN_DAYS = 366


def period(from_date: date, to_date: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """Inclusive local dates -> [start, end): midnight of from_date to midnight after to_date."""
    if to_date < from_date:
        raise ValueError(f"period ends ({to_date}) before it starts ({from_date})")
    if (to_date - from_date).days + 1 > MAX_SPAN_DAYS:
        raise ValueError(f"period longer than {MAX_SPAN_DAYS} days: {from_date} to {to_date}")
    start = datetime.combine(from_date, time(), tzinfo=tz)
    end = datetime.combine(to_date + timedelta(days=1), time(), tzinfo=tz)
    return start, end


def office_stats(
    dossiers: Iterable[dict], office_id: str, start: datetime, end: datetime, now: datetime
) -> dict:
    """Statistics of `office_id` for [start, end), open workload as of min(end, now)."""
    as_of = min(end, now)
    received = dict.fromkeys((*CHANNELS, "carried_over", "total"), 0)
    resolved = dict.fromkeys((*TIMINGS, "total"), 0)
    finished = dict.fromkeys(("refused", "stopped", "withdrawn"), 0)
    pending = {"within_deadline": 0, "past_deadline": 0}
    not_accepted = suspended = returned = 0

    def in_period(t: datetime | None) -> bool:
        return t is not None and start <= t < end

    for d in dossiers:
        finished_at = d.get("finished_at")
        if in_period(d.get("returned_at")):
            returned += 1
        if d["state"] == lc.NOT_ACCEPTED:
            if in_period(d["received_at"]):
                not_accepted += 1
            continue
        if in_period(d["received_at"]):
            received[d["channel"]] += 1
        elif d["received_at"] < start and (finished_at is None or finished_at >= start):
            received["carried_over"] += 1
        if in_period(finished_at):
            outcome = d.get("outcome")
            if outcome == lc.RESOLVED:
                resolved["total"] += 1
                if d.get("timing") in TIMINGS:
                    resolved[d["timing"]] += 1
            elif outcome in finished:
                finished[outcome] += 1
        if d["received_at"] < as_of and (finished_at is None or finished_at >= as_of):
            paused_at = d.get("paused_at")
            if paused_at is not None and paused_at <= as_of:
                suspended += 1
            elif d["appointment_at"] < as_of:
                pending["past_deadline"] += 1
            else:
                pending["within_deadline"] += 1

    received["total"] = sum(received.values())
    on_time = resolved["early"] + resolved["on_time"]
    rate = round(on_time / resolved["total"], 4) if resolved["total"] else None
    return {
        "office_id": office_id,
        "from": start,
        "to": end,
        "as_of": as_of,
        "received": received,
        "not_accepted": not_accepted,
        "resolved": resolved,
        **finished,
        "pending": pending,
        "suspended_for_supplement": suspended,
        "returned": returned,
        "on_time_rate": rate,
    }
