"""Which dates are working days: Vietnamese public holidays plus the yearly overrides file."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import holidays
from marshmallow import Schema, fields, validate

from contracts.catalog_loader import CatalogError, read_data
from contracts.catalog_loader import validate as load_with


@dataclass(frozen=True)
class CalendarOverrides:
    """Operator-edited exceptions: extra days off, and days worked (e.g. a swapped Saturday)."""

    days_off: frozenset[date] = field(default_factory=frozenset)
    working_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if both := sorted(self.days_off & self.working_days):
            raise CatalogError(f"calendar overrides: {both} both off and worked")


class WorkingDays:
    """Monday–Friday, minus public holidays (with their compensatory and government-swapped
    days, from the `holidays` package), minus `days_off`, plus `working_days`."""

    def __init__(self, overrides: CalendarOverrides):
        self.overrides = overrides

    def public_holidays(self, year: int) -> holidays.HolidayBase:
        return _public_holidays(year)

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides.working_days:
            return True
        if day in self.overrides.days_off:
            return False
        public = self.public_holidays(day.year)
        if day in public:
            return False
        return day in public.weekend_workdays or day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


@cache
def _public_holidays(year: int) -> holidays.HolidayBase:
    """A year's public holidays, computed once per process (a calendar is built per message)."""
    return holidays.country_holidays("VN", years=year)


class _Entry(Schema):
    date = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1))


class _Year(Schema):
    days_off = fields.List(fields.Nested(_Entry), load_default=list)
    working_days = fields.List(fields.Nested(_Entry), load_default=list)


class _OverridesFile(Schema):
    years = fields.Dict(keys=fields.Integer(), values=fields.Nested(_Year), required=True)


def parse_overrides(
    data: dict[str, Any], filename: str = "calendar_overrides.yaml"
) -> CalendarOverrides:
    loaded = load_with(_OverridesFile(), data, filename)
    off: set[date] = set()
    worked: set[date] = set()
    for year, entries in loaded["years"].items():
        for kind, target in (("days_off", off), ("working_days", worked)):
            for entry in entries[kind]:
                if entry["date"].year != year:
                    raise CatalogError(f"{filename}: {entry['date']} listed under {year}")
                target.add(entry["date"])
    return CalendarOverrides(frozenset(off), frozenset(worked))


@cache
def load_calendar_overrides() -> CalendarOverrides:
    """The overrides from contracts/data/calendar_overrides.yaml, validated, read once."""
    return parse_overrides(read_data("calendar_overrides.yaml") or {"years": {}})
