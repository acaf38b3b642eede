"""Quiet hours: SMS created inside them wait for their end, in the office's local time."""

from datetime import UTC, datetime, time

import pytest

from contracts.calendar import WorkingCalendar
from services.notification.domain import QUIET_HOURS, outside_quiet_hours, quiet_hours

CAL = WorkingCalendar()


def vn(day: int, hour: int, minute: int = 0) -> datetime:
    """A December 2026 instant given in Vietnam time (UTC+7), as UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=CAL.tz).astimezone(UTC)


@pytest.mark.parametrize(
    ("created", "released"),
    [
        (vn(3, 9), vn(3, 9)),  # daytime: at once
        (vn(3, 20, 59), vn(3, 20, 59)),
        (vn(3, 21), vn(4, 7)),  # evening: next morning
        (vn(3, 23, 30), vn(4, 7)),
        (vn(4, 0, 10), vn(4, 7)),  # after midnight: the same morning
        (vn(4, 6, 59), vn(4, 7)),
        (vn(4, 7), vn(4, 7)),
    ],
)
def test_overnight_quiet_hours(created, released):
    assert outside_quiet_hours(created, CAL, QUIET_HOURS) == released


def test_quiet_hours_within_one_day():
    lunch = (time(12), time(13, 30))
    assert outside_quiet_hours(vn(3, 12, 15), CAL, lunch) == vn(3, 13, 30)
    assert outside_quiet_hours(vn(3, 13, 30), CAL, lunch) == vn(3, 13, 30)
    assert outside_quiet_hours(vn(3, 23), CAL, lunch) == vn(3, 23)


def test_no_quiet_hours_sends_at_once():
    assert outside_quiet_hours(vn(3, 23), CAL, None) == vn(3, 23)


@pytest.mark.parametrize(
    ("setting", "parsed"),
    [
        ("21:00-07:00", (time(21), time(7))),
        (" 22:30 - 06:15 ", (time(22, 30), time(6, 15))),
        ("off", None),
        ("", None),
        (False, None),  # YAML reads a bare off as false
        (None, None),
    ],
)
def test_the_setting(setting, parsed):
    assert quiet_hours(setting) == parsed


@pytest.mark.parametrize("setting", ["21:00", "9pm-7am", "25:00-07:00"])
def test_a_mistyped_setting_is_refused(setting):
    with pytest.raises(ValueError):
        quiet_hours(setting)
