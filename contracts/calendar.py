"""Working-time calendar: due instants from durations, office time between instants."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from contracts.calendar_days import CalendarOverrides, WorkingDays, load_calendar_overrides
from contracts.procedures import DAYS, Duration

MAX_PERIOD_DAYS = 366  # the longest report period (statistics, tracking book)
DEFAULT_HOURS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
TIMEZONE = "Asia/Ho_Chi_Minh"  # the offices' local time: days, periods and reports
HOURS_PER_DAY = 8  # the law's equivalence (docs/domain.md#time): 8 hours of a procedure = 1 day


class WorkingCalendar:
    """Office hours on working days, in one timezone.

    Defaults: 07:30-11:30 and 13:30-17:00 (7.5 h of office time a day; configure
    `hours` to your province's decision, e.g. 13:00-17:00 for an 8-hour day),
    Asia/Ho_Chi_Minh, overrides from contracts/data/calendar_overrides.yaml, same-day
    cut-off 15:00. Instants passed in must be timezone-aware (any zone); instants returned
    are aware and in the calendar's timezone. Session ends count as office time, so a
    due instant may be exactly the close of office hours.
    """

    def __init__(
        self,
        hours: Iterable[tuple[time, time]] = DEFAULT_HOURS,
        tz: str = TIMEZONE,
        overrides: CalendarOverrides | None = None,
        cutoff: time = time(15, 0),
    ):
        self.hours = tuple((start, end) for start, end in hours)
        if not self.hours or any(s >= e for s, e in self.hours):
            raise ValueError(f"office hours {hours} must be non-empty (start, end) pairs")
        if any(a[1] > b[0] for a, b in zip(self.hours, self.hours[1:], strict=False)):
            raise ValueError(f"office hours {hours} must be in order and not overlap")
        self.tz = ZoneInfo(tz)
        self.cutoff = cutoff
        self.days = WorkingDays(load_calendar_overrides() if overrides is None else overrides)
        self.day_length = sum(
            (self._at(date(2000, 1, 3), e) - self._at(date(2000, 1, 3), s) for s, e in self.hours),
            timedelta(),
        )

    def is_working_day(self, day: date) -> bool:
        return self.days.is_working_day(day)

    def next_working_day(self, day: date) -> date:
        return self.days.next_working_day(day)

    def local(self, instant: datetime) -> datetime:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"{instant!r} is naive; pass a timezone-aware datetime")
        return instant.astimezone(self.tz)

    def closing(self, day: date) -> datetime:
        """Close of office hours on `day`."""
        return self._at(day, self.hours[-1][1])

    def sessions(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return []
        return [(self._at(day, s), self._at(day, e)) for s, e in self.hours]

    def is_office_time(self, instant: datetime) -> bool:
        instant = self.local(instant)
        return any(s <= instant <= e for s, e in self.sessions(instant.date()))

    def receipt_day(self, start: datetime) -> date:
        """The working day a dossier counts as received: after close, or on a day off, the
        next working day (so online dossiers filed at night or at weekends start then)."""
        start = self.local(start)
        day = start.date()
        if self.is_working_day(day) and start <= self.closing(day):
            return day
        return self.next_working_day(day)

    def due_at(self, start: datetime, duration: Duration, same_day: bool = False) -> datetime:
        """When something received at `start` with `duration` is due.

        days: the day of receipt is not counted (Civil Code art. 147): due at the close of the
        Nth working day after the receipt day. hours: the law counts 8 hours as one working day
        whatever the office day's length, so an hour is 1/8 of this calendar's office day
        (56 min 15 s with the default 7.5-hour day), counted through office hours from `start`.
        same_day: close of the receipt day if received on a working day by the cut-off, else
        close of the next working day. A zero duration is due at once (the next office instant).
        """
        start = self.local(start)
        if same_day:
            day = start.date()
            on_time = self.is_working_day(day) and start.time() <= self.cutoff
            return self.closing(day if on_time else self.next_working_day(day))
        if duration.amount == 0:
            return self.shift_by_working_time(start, timedelta())
        if duration.unit != DAYS:
            return self.shift_by_working_time(start, self.office_time_of_hours(duration.amount))
        day = self.receipt_day(start)
        for _ in range(duration.amount):
            day = self.next_working_day(day)
        return self.closing(day)

    def office_time_of_hours(self, hours: float) -> timedelta:
        """The office time `hours` of a procedure's legal time take: 8 hours are one office day."""
        return self.day_length * hours / HOURS_PER_DAY

    def session_close(self, instant: datetime) -> datetime:
        """The close of the office session `instant` falls in (a session's close itself stays), or
        of the next session when it falls outside office hours: the whole office instant given
        to a citizen for something due at `instant` (never earlier than it)."""
        instant = self.local(instant)
        day = instant.date()
        while True:
            for _, end in self.sessions(day):
                if instant <= end:
                    return end
            day += timedelta(days=1)

    def working_time_between(
        self, a: datetime, b: datetime, cap: timedelta | None = None
    ) -> timedelta:
        """Office time from `a` to `b` (negative if `b` is before `a`). With `cap` (for `b` after
        `a`), counting stops at the first day that takes the total past it: the result is exact
        up to `cap` and only known to exceed it beyond, so a question like "within a working
        day?" costs the days up to the answer, not every day until a due date years away."""
        a, b = self.local(a), self.local(b)
        if b < a:
            return -self.working_time_between(b, a)
        total, day = timedelta(), a.date()
        while day <= b.date():
            for s, e in self.sessions(day):
                total += max(timedelta(), min(e, b) - max(s, a))
            if cap is not None and total > cap:
                break
            day += timedelta(days=1)
        return total

    def shift_by_working_time(self, instant: datetime, amount: timedelta) -> datetime:
        """The instant `amount` of office time after `instant` (e.g. a due instant pushed by
        the office time a supplement request kept the clock stopped). With a zero amount,
        the next office instant at or after `instant`."""
        if amount < timedelta():
            raise ValueError(f"cannot shift by a negative amount {amount}")
        instant, remaining = self.local(instant), amount
        day = instant.date()
        while True:
            for s, e in self.sessions(day):
                begin = max(s, instant)
                if begin > e:
                    continue
                if remaining <= e - begin:
                    return begin + remaining
                remaining -= e - begin
            day += timedelta(days=1)

    def _at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.tz)


def period(from_date: date, to_date: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """Inclusive local dates -> [start, end): midnight of from_date to midnight after to_date.
    ValueError for a period that ends before it starts or is longer than MAX_PERIOD_DAYS."""
    if to_date < from_date:
        raise ValueError(f"period ends ({to_date}) before it starts ({from_date})")
    if (to_date - from_date).days + 1 > MAX_PERIOD_DAYS:
        raise ValueError(f"period longer than {MAX_PERIOD_DAYS} days: {from_date} to {to_date}")
    start = datetime.combine(from_date, time(), tzinfo=tz)
    end = datetime.combine(to_date + timedelta(days=1), time(), tzinfo=tz)
    return start, end
