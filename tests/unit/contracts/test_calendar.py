from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.calendar import MAX_PERIOD_DAYS, WorkingCalendar, period
from contracts.calendar_days import CalendarOverrides, load_calendar_overrides, parse_overrides
from contracts.catalog_loader import CatalogError
from contracts.procedures import Duration

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkingCalendar()


def at(y, m, d, hh=9, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=VN)


def days(n):
    return Duration(n, "days")


def hours(n):
    return Duration(n, "hours")


# ---- table tests ----


def test_tet_2026_is_off_from_16_to_20_february():
    for d in range(16, 21):
        assert not CAL.is_working_day(date(2026, 2, d))
    # received Friday 13 Feb: 1 working day is Monday 23 Feb (Tết, then the weekend)
    assert CAL.due_at(at(2026, 2, 13), days(1)) == at(2026, 2, 23, 17)


def test_tet_2027_on_a_saturday_gets_compensatory_days():
    # Tết 6 Feb 2027 is a Saturday: off Thu 4 to Wed 10 Feb
    for d in range(4, 11):
        assert not CAL.is_working_day(date(2027, 2, d))
    assert CAL.is_working_day(date(2027, 2, 11))
    assert CAL.due_at(at(2027, 2, 3), days(1)) == at(2027, 2, 11, 17)


def test_national_day_2026_with_its_adjacent_day_and_swap():
    # 2 Sep (Wed) with 1 Sep (Tue); Mon 31 Aug off, worked on Saturday 22 Aug
    for d in (date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)):
        assert not CAL.is_working_day(d)
    assert CAL.is_working_day(date(2026, 8, 22))
    assert CAL.due_at(at(2026, 8, 28), days(1)) == at(2026, 9, 3, 17)


def test_national_day_2027_with_the_day_after():
    assert not CAL.is_working_day(date(2027, 9, 2))
    assert not CAL.is_working_day(date(2027, 9, 3))
    assert CAL.due_at(at(2027, 9, 1), days(1)) == at(2027, 9, 6, 17)


def test_holiday_on_a_weekend_gives_one_compensatory_day():
    # Hùng Kings' day 2026 is Sunday 26 April: Monday 27 April is off, not two days
    assert not CAL.is_working_day(date(2026, 4, 27))
    assert CAL.is_working_day(date(2026, 4, 28))
    assert CAL.due_at(at(2026, 4, 24), days(1)) == at(2026, 4, 28, 17)


def test_swapped_saturday_from_the_overrides_file_mechanism():
    overrides = CalendarOverrides(
        days_off=frozenset({date(2027, 4, 29)}), working_days=frozenset({date(2027, 4, 24)})
    )
    cal = WorkingCalendar(overrides=overrides)
    assert cal.is_working_day(date(2027, 4, 24))  # a Saturday
    assert not cal.is_working_day(date(2027, 4, 29))  # a Thursday
    # received Friday 23 Apr: Sat 24 counts, Thu 29 does not
    assert cal.due_at(at(2027, 4, 23), days(1)) == at(2027, 4, 24, 17)
    # received Tue 27: Wed 28 is day 1; 29 (override), 30 Apr, 1 May (Sat) and its
    # compensatory Mon 3 May are off, so day 2 is Tue 4 May
    assert cal.due_at(at(2027, 4, 27), days(2)) == at(2027, 5, 4, 17)


def test_same_day_cut_off_at_15h():
    assert CAL.due_at(at(2026, 11, 20, 15, 0), days(0), same_day=True) == at(2026, 11, 20, 17)
    # after 15:00 on Friday: next working day is Monday 23 Nov
    assert CAL.due_at(at(2026, 11, 20, 15, 1), days(0), same_day=True) == at(2026, 11, 23, 17)
    # received on a Saturday (online): Monday
    assert CAL.due_at(at(2026, 11, 21, 10), days(0), same_day=True) == at(2026, 11, 23, 17)
    # Monday 23 after 15:00: Tuesday 24 Nov is Vietnam Culture Day, so Wednesday
    assert CAL.due_at(at(2026, 11, 23, 16), days(0), same_day=True) == at(2026, 11, 25, 17)


def test_hour_based_procedure_counts_office_hours_only():
    # the law counts 8 hours as one working day: with the default 7.5-hour office day a legal
    # hour is 56 min 15 s of office time, counted through office hours only
    # Thursday 10:30 + 8 h (7.5 h of office time): 1 h to 11:30, 3.5 h afternoon, Friday 3 h
    # from 07:30 -> 10:30
    assert CAL.due_at(at(2026, 11, 19, 10, 30), hours(8)) == at(2026, 11, 20, 10, 30)
    # received at lunch time: counting starts at 13:30; 2 h = 1 h 52 min 30 s
    assert CAL.due_at(at(2026, 11, 19, 12, 0), hours(2)) == at(2026, 11, 19, 15, 22, 30)
    # received after hours on Friday: Monday from 07:30; 4 h = 3 h 45 min
    assert CAL.due_at(at(2026, 11, 20, 18, 0), hours(4)) == at(2026, 11, 23, 11, 15)


MON = at(2026, 11, 16, 7, 30)  # the opening of a Monday
EIGHT_HOUR_DAY = WorkingCalendar(hours=((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0))))


@pytest.mark.parametrize(
    "start, n, due",
    [
        # the default 7.5-hour day: a legal hour is 1/8 of it (56 min 15 s)
        (MON, 1, at(2026, 11, 16, 8, 26, 15)),
        (MON, 4, at(2026, 11, 16, 11, 15)),  # 3 h 45 min: the morning less 15 min
        (MON, 8, at(2026, 11, 16, 17, 0)),  # one office day
        (MON, 12, at(2026, 11, 17, 11, 15)),
        (MON, 16, at(2026, 11, 17, 17, 0)),  # two office days
        (MON, 24, at(2026, 11, 18, 17, 0)),  # three office days: Mon, Tue, Wed
        # Friday 15:00: 2 h on Friday, the weekend and Tuesday 24 Nov (a holiday) skipped
        (at(2026, 11, 20, 15), 1, at(2026, 11, 20, 15, 56, 15)),
        (at(2026, 11, 20, 15), 4, at(2026, 11, 23, 9, 15)),
        (at(2026, 11, 20, 15), 8, at(2026, 11, 23, 15, 0)),
        (at(2026, 11, 20, 15), 12, at(2026, 11, 25, 9, 15)),
        (at(2026, 11, 20, 15), 24, at(2026, 11, 26, 15, 0)),  # 2 + 7.5 + 7.5 + 5.5 h
        # Thursday 10:30: 1 h before lunch, 3.5 h after
        (at(2026, 11, 19, 10, 30), 1, at(2026, 11, 19, 11, 26, 15)),
        (at(2026, 11, 19, 10, 30), 4, at(2026, 11, 19, 16, 15)),
        (at(2026, 11, 19, 10, 30), 16, at(2026, 11, 23, 10, 30)),
        # at lunch: from 13:30; after close or at a weekend: from the next opening
        (at(2026, 11, 19, 12), 1, at(2026, 11, 19, 14, 26, 15)),
        (at(2026, 11, 19, 12), 4, at(2026, 11, 20, 7, 45)),  # 3.5 h on Thursday, 15 min Friday
        (at(2026, 11, 19, 17), 8, at(2026, 11, 20, 17, 0)),  # received at the close
        (at(2026, 11, 19, 17, 30), 1, at(2026, 11, 20, 8, 26, 15)),
        (at(2026, 11, 21, 10), 4, at(2026, 11, 23, 11, 15)),  # Saturday
        (at(2026, 11, 21, 10), 24, at(2026, 11, 26, 17, 0)),  # Mon, Wed, Thu
    ],
)
def test_hour_based_durations_with_the_default_day(start, n, due):
    assert CAL.due_at(start, hours(n)) == due
    assert CAL.working_time_between(start, due) == CAL.office_time_of_hours(n)


@pytest.mark.parametrize(
    "start, n, due",
    [
        # an 8-hour day (afternoon from 13:00): a legal hour is one clock hour of office time
        (MON, 1, at(2026, 11, 16, 8, 30)),
        (MON, 4, at(2026, 11, 16, 11, 30)),
        (MON, 8, at(2026, 11, 16, 17, 0)),
        (MON, 12, at(2026, 11, 17, 11, 30)),
        (MON, 16, at(2026, 11, 17, 17, 0)),
        (MON, 24, at(2026, 11, 18, 17, 0)),
        (at(2026, 11, 19, 10, 30), 8, at(2026, 11, 20, 10, 30)),  # 1 + 4 h Thursday, 3 h Friday
        (at(2026, 11, 19, 12), 1, at(2026, 11, 19, 14, 0)),  # lunch: from 13:00
        (at(2026, 11, 20, 15), 24, at(2026, 11, 26, 15, 0)),  # 2 + 8 + 8 + 6 h
        (at(2026, 11, 21, 10), 4, at(2026, 11, 23, 11, 30)),
    ],
)
def test_hour_based_durations_with_an_eight_hour_day(start, n, due):
    assert EIGHT_HOUR_DAY.day_length == timedelta(hours=8)
    assert EIGHT_HOUR_DAY.due_at(start, hours(n)) == due
    assert EIGHT_HOUR_DAY.working_time_between(start, due) == timedelta(hours=n)


@pytest.mark.parametrize(
    "cal, n, office_time",
    [
        (CAL, 0, timedelta()),
        (CAL, 1, timedelta(minutes=56, seconds=15)),
        (CAL, 4, timedelta(hours=3, minutes=45)),
        (CAL, 8, timedelta(hours=7, minutes=30)),
        (CAL, 12, timedelta(hours=11, minutes=15)),
        (CAL, 16, timedelta(hours=15)),
        (CAL, 24, timedelta(hours=22, minutes=30)),
        (CAL, 0.5, timedelta(minutes=28, seconds=7.5)),
        (EIGHT_HOUR_DAY, 1, timedelta(hours=1)),
        (EIGHT_HOUR_DAY, 24, timedelta(hours=24)),
        # a 9-hour day: 8 legal hours are the 9 hours of the day
        (WorkingCalendar(hours=((time(7), time(11)), (time(12), time(17)))), 8, timedelta(hours=9)),
        (
            WorkingCalendar(hours=((time(7), time(11)), (time(12), time(17)))),
            1,
            timedelta(hours=1, minutes=7, seconds=30),
        ),
    ],
)
def test_office_time_of_hours_is_an_eighth_of_the_office_day_per_hour(cal, n, office_time):
    assert cal.office_time_of_hours(n) == office_time


def test_eight_legal_hours_are_one_office_day_and_as_many_hours_as_one_day():
    assert CAL.office_time_of_hours(8) == CAL.day_length
    for start in (MON, at(2026, 11, 19, 10, 30), at(2026, 11, 20, 18)):
        assert CAL.due_at(start, hours(8 * 3)) == CAL.shift_by_working_time(
            start, 3 * CAL.day_length
        )


@pytest.mark.parametrize(
    "instant, close",
    [
        (at(2026, 11, 16, 16, 50) + timedelta(seconds=12), at(2026, 11, 16, 17, 0)),
        (at(2026, 11, 16, 9, 10), at(2026, 11, 16, 11, 30)),
        (at(2026, 11, 16, 7, 30), at(2026, 11, 16, 11, 30)),  # the opening
        (at(2026, 11, 16, 7, 0), at(2026, 11, 16, 11, 30)),  # before the opening
        (at(2026, 11, 16, 11, 30), at(2026, 11, 16, 11, 30)),  # a close stays
        (at(2026, 11, 16, 12, 0), at(2026, 11, 16, 17, 0)),  # lunch: the afternoon's close
        (at(2026, 11, 16, 13, 30), at(2026, 11, 16, 17, 0)),
        (at(2026, 11, 16, 17, 0), at(2026, 11, 16, 17, 0)),
        (at(2026, 11, 16, 16, 59, 59) + timedelta(microseconds=999_999), at(2026, 11, 16, 17)),
        (at(2026, 11, 16, 17, 0) + timedelta(microseconds=1), at(2026, 11, 17, 11, 30)),
        (at(2026, 11, 20, 18, 0), at(2026, 11, 23, 11, 30)),  # Friday evening: Monday
        (at(2026, 11, 21, 10, 0), at(2026, 11, 23, 11, 30)),  # Saturday: Monday
        (at(2026, 11, 22, 15, 0), at(2026, 11, 23, 11, 30)),  # Sunday: Monday
        (at(2026, 11, 23, 18, 0), at(2026, 11, 25, 11, 30)),  # Tuesday 24 Nov is a holiday
        (at(2026, 11, 24, 9, 0), at(2026, 11, 25, 11, 30)),
        # an instant in another zone: 09:50 UTC is 16:50 in Vietnam
        (datetime(2026, 11, 16, 9, 50, tzinfo=ZoneInfo("UTC")), at(2026, 11, 16, 17, 0)),
    ],
)
def test_session_close(instant, close):
    got = CAL.session_close(instant)
    assert got == close and got.tzinfo == VN
    assert got >= instant and CAL.is_office_time(got)
    assert CAL.session_close(got) == got  # a whole office instant stays where it is


def test_session_close_follows_the_configured_hours():
    assert EIGHT_HOUR_DAY.session_close(at(2026, 11, 16, 12, 45)) == at(2026, 11, 16, 17, 0)
    assert EIGHT_HOUR_DAY.session_close(at(2026, 11, 16, 11, 31)) == at(2026, 11, 16, 17, 0)
    with pytest.raises(ValueError, match="naive"):
        CAL.session_close(datetime(2026, 11, 16, 9, 0))


@pytest.mark.parametrize(
    "from_date, to_date, start, end",
    [
        (date(2026, 11, 1), date(2026, 11, 30), at(2026, 11, 1, 0), at(2026, 12, 1, 0)),
        (date(2026, 11, 5), date(2026, 11, 5), at(2026, 11, 5, 0), at(2026, 11, 6, 0)),
        (date(2026, 12, 1), date(2026, 12, 31), at(2026, 12, 1, 0), at(2027, 1, 1, 0)),
        (date(2024, 1, 1), date(2024, 12, 31), at(2024, 1, 1, 0), at(2025, 1, 1, 0)),  # 366 days
        (date(2024, 2, 28), date(2024, 2, 29), at(2024, 2, 28, 0), at(2024, 3, 1, 0)),
    ],
)
def test_period_turns_inclusive_local_dates_into_a_half_open_interval(
    from_date, to_date, start, end
):
    got = period(from_date, to_date, VN)
    assert got == (start, end)
    assert got[0].utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize(
    "from_date, to_date",
    [
        (date(2026, 11, 2), date(2026, 11, 1)),  # ends before it starts
        (date(2024, 1, 1), date(2025, 1, 1)),  # 367 days
        (date(2026, 1, 1), date(2027, 1, 2)),  # 367 days
    ],
)
def test_period_rejects_bad_spans(from_date, to_date):
    with pytest.raises(ValueError):
        period(from_date, to_date, VN)


def test_the_longest_period_is_max_period_days():
    first = date(2026, 1, 1)
    longest = period(first, first + timedelta(days=MAX_PERIOD_DAYS - 1), VN)
    assert longest[1] - longest[0] == timedelta(days=MAX_PERIOD_DAYS)
    with pytest.raises(ValueError, match="longer"):
        period(first, first + timedelta(days=MAX_PERIOD_DAYS), VN)


def test_receipt_after_close_counts_from_the_next_working_day():
    assert CAL.due_at(at(2026, 11, 19, 17, 30), days(1)) == at(2026, 11, 23, 17)
    assert CAL.due_at(at(2026, 11, 19, 17, 0), days(1)) == at(2026, 11, 20, 17)


def test_supplement_pause_pushes_the_due_instant():
    due = CAL.due_at(at(2026, 11, 16), days(3))  # Thursday 19 Nov 17:00
    paused = CAL.working_time_between(at(2026, 11, 17, 9), at(2026, 11, 18, 9))
    assert paused == CAL.day_length
    assert CAL.shift_by_working_time(due, paused) == at(2026, 11, 20, 17)


def test_timezones_in_and_out():
    utc = datetime(2026, 11, 19, 2, 0, tzinfo=ZoneInfo("UTC"))  # 09:00 in Vietnam
    due = CAL.due_at(utc, days(1))
    assert due == at(2026, 11, 20, 17) and due.tzinfo == VN
    with pytest.raises(ValueError, match="naive"):
        CAL.due_at(datetime(2026, 11, 19, 9), days(1))


def test_office_hours_are_configurable():
    cal = WorkingCalendar(hours=((time(7, 0), time(11, 0)), (time(13, 0), time(17, 0))))
    assert cal.day_length == timedelta(hours=8)
    assert cal.due_at(at(2026, 11, 19, 7), hours(8)) == at(2026, 11, 19, 17)
    with pytest.raises(ValueError):
        WorkingCalendar(hours=((time(13, 0), time(17, 0)), (time(7, 0), time(11, 0))))


def test_overrides_file_only_changes_what_the_library_does_not_already_decide():
    overrides = load_calendar_overrides()
    for day in overrides.days_off:
        assert day.weekday() < 5, f"{day} is a weekend day; listing it off changes nothing"
    for day in overrides.working_days:
        lib = holidays.country_holidays("VN", years=day.year)
        assert day.weekday() >= 5 or day in lib, f"{day} is already a working day"


def test_overrides_parse_errors():
    with pytest.raises(CatalogError, match="listed under"):
        parse_overrides({"years": {2026: {"days_off": [{"date": "2027-01-04", "reason": "x"}]}}})
    with pytest.raises(CatalogError, match="both"):
        parse_overrides(
            {
                "years": {
                    2026: {
                        "days_off": [{"date": "2026-01-05", "reason": "x"}],
                        "working_days": [{"date": "2026-01-05", "reason": "y"}],
                    }
                }
            }
        )


# ---- properties ----

starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 11, 30), timezones=st.just(VN)
)
durations = st.builds(Duration, st.integers(0, 40), st.sampled_from(["days", "hours"]))


@settings(max_examples=300, deadline=None)
@given(starts, durations, st.booleans())
def test_due_instant_is_office_time_on_a_working_day(start, duration, same_day):
    due = CAL.due_at(start, duration, same_day=same_day)
    assert CAL.is_working_day(due.date())
    assert CAL.is_office_time(due)
    assert due >= start


@settings(max_examples=300, deadline=None)
@given(starts, st.sampled_from(["days", "hours"]), st.integers(0, 40), st.integers(0, 40))
def test_longer_durations_never_give_earlier_due_instants(start, unit, a, b):
    short, long = sorted((a, b))
    assert CAL.due_at(start, Duration(short, unit)) <= CAL.due_at(start, Duration(long, unit))


@settings(max_examples=300, deadline=None)
@given(starts, st.integers(0, 80))
def test_working_time_from_start_to_due_equals_the_hours(start, n):
    # n legal hours are n/8 of an office day, whatever the day's length
    due = CAL.due_at(start, hours(n))
    assert CAL.working_time_between(start, due) == CAL.day_length * n / 8
    due8 = EIGHT_HOUR_DAY.due_at(start, hours(n))
    assert EIGHT_HOUR_DAY.working_time_between(start, due8) == timedelta(hours=n)


@settings(max_examples=300, deadline=None)
@given(starts, st.integers(1, 40))
def test_days_run_from_the_close_of_the_receipt_day(start, n):
    # the receipt day is not counted: from its close to the due instant lie exactly n full
    # office days, and the due instant is a close of office hours
    due = CAL.due_at(start, days(n))
    receipt_close = CAL.closing(CAL.receipt_day(start))
    assert CAL.working_time_between(receipt_close, due) == n * CAL.day_length
    assert due == CAL.closing(due.date())


@settings(max_examples=200, deadline=None)
@given(starts, st.integers(0, 400 * 24 * 60), st.integers(0, 3 * 8 * 60))
def test_a_capped_count_is_exact_up_to_the_cap_and_past_it_beyond(start, minutes, cap_minutes):
    end, cap = start + timedelta(minutes=minutes), timedelta(minutes=cap_minutes)
    full, capped = CAL.working_time_between(start, end), CAL.working_time_between(start, end, cap)
    assert capped == full if full <= cap else cap < capped <= full


def test_a_capped_count_does_not_walk_to_a_far_due_date():
    # a dossier extended to 2099: counting stops after the first day past one working day
    far = CAL.working_time_between(at(2026, 12, 3), at(2099, 1, 5), cap=CAL.day_length)
    assert CAL.day_length < far <= 2 * CAL.day_length


@settings(max_examples=200, deadline=None)
@given(starts, st.integers(0, 30 * 60))
def test_shift_and_between_agree(start, minutes):
    later = CAL.shift_by_working_time(start, timedelta(minutes=minutes))
    assert CAL.working_time_between(start, later) == timedelta(minutes=minutes)
    assert CAL.working_time_between(later, start) == -timedelta(minutes=minutes)
