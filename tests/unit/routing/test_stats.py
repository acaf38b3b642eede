"""Unit tests for an office's statistics: hand-computed tables, on-time rate, periods."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.routing.stats import office_stats, period

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=TZ)


START, END = at(3, 1, 0), at(4, 1, 0)  # March 2024, local time


def dossier(code, channel, received_at, appointment_at, state, **fields) -> dict:
    d = {
        "_id": code,
        "channel": channel,
        "received_at": received_at,
        "appointment_at": appointment_at,
        "state": state,
        "finished_at": None,
        "outcome": None,
        "timing": None,
        "paused_at": None,
        "returned_at": None,
    }
    d.update(fields)
    return d


def finished(outcome, at_, timing=None, **fields) -> dict:
    return {"finished_at": at_, "outcome": outcome, "timing": timing, **fields}


# Period March 2024, now after the end: as_of = END.
MONTH = [
    # received exactly at start: counts; resolved early; returned in period
    dossier(
        "D01", "counter", START, at(3, 8), "returned",
        **finished("resolved", at(3, 5), "early", returned_at=at(3, 6)),
    ),
    dossier(
        "D02", "online", at(3, 4), at(3, 10, 17), "ready_at_counter",
        **finished("resolved", at(3, 10, 8), "on_time"),
    ),
    dossier(
        "D03", "post", at(3, 5), at(3, 8), "returning_by_post",
        **finished("resolved", at(3, 12), "late"),
    ),
    # received exactly at end: nowhere (not received, not open as of end)
    dossier("D04", "counter", END, at(4, 10), "in_process"),
    # carried over, still open, due in the period: pending past deadline
    dossier("D05", "counter", at(2, 20), at(3, 15), "in_process"),
    # finished before start: not carried over, not resolved; returned in period
    dossier(
        "D06", "online", at(2, 10), at(2, 28), "returned",
        **finished("resolved", at(2, 25), "early", returned_at=at(3, 2)),
    ),
    # not accepted in period: only in not_accepted
    dossier("D07", "counter", at(3, 7), at(3, 7), "not_accepted"),
    # not accepted before the period: nowhere
    dossier("D08", "counter", at(2, 28), at(2, 28), "not_accepted"),
    # refused in period; returned exactly at end: not returned
    dossier(
        "D09", "online", at(3, 10), at(3, 20), "returned",
        **finished("refused", at(3, 15), "on_time", returned_at=END),
    ),
    dossier(
        "D10", "counter", at(3, 11), at(3, 25), "stopped",
        **finished("stopped", at(3, 20), "on_time"),
    ),
    dossier("D11", "post", at(3, 12), at(3, 26), "withdrawn", **finished("withdrawn", at(3, 13))),
    # suspended for supplement (appointment already passed: still not pending)
    dossier("D12", "counter", at(3, 14), at(3, 20), "supplement_requested", paused_at=at(3, 18)),
    dossier("D13", "online", at(3, 20), at(4, 5), "in_process"),
    # due exactly at as_of: within deadline
    dossier("D14", "counter", at(3, 25), END, "in_process"),
    # resolved exactly at end: next period's, so open (pending) as of end
    dossier(
        "D15", "counter", at(3, 26), at(4, 2), "resolved",
        **finished("resolved", END, "early"),
    ),
    # suspended only after as_of: pending as of end
    dossier("D16", "post", at(3, 28), at(4, 10), "supplement_requested", paused_at=at(4, 2)),
    # carried over, resolved exactly at start: carried over and resolved in period
    dossier(
        "D17", "counter", at(2, 26), at(3, 4), "ready_at_counter",
        **finished("resolved", START, "on_time"),
    ),
]  # fmt: skip


def test_month_table_computed_by_hand():
    result = office_stats(MONTH, "xa-1", START, END, now=at(4, 3, 10))

    assert result == {
        "office_id": "xa-1",
        "from": START,
        "to": END,
        "as_of": END,
        # counter D01 D10 D12 D14 D15, online D02 D09 D13, post D03 D11 D16, carried D05 D17
        "received": {"counter": 5, "online": 3, "post": 3, "carried_over": 2, "total": 13},
        "not_accepted": 1,  # D07
        # early D01, on time D02 D17, late D03
        "resolved": {"early": 1, "on_time": 2, "late": 1, "total": 4},
        "refused": 1,  # D09
        "stopped": 1,  # D10
        "withdrawn": 1,  # D11
        # within D13 D14 D15 D16, past D05
        "pending": {"within_deadline": 4, "past_deadline": 1},
        "suspended_for_supplement": 1,  # D12
        "returned": 2,  # D01 D06
        "on_time_rate": 0.75,
    }


def test_month_table_balances_with_as_of_end():
    """Carried over + received = finished in period + open at the end of it."""
    r = office_stats(MONTH, "xa-1", START, END, now=at(4, 3, 10))
    closed = r["resolved"]["total"] + r["refused"] + r["stopped"] + r["withdrawn"]
    open_ = sum(r["pending"].values()) + r["suspended_for_supplement"]
    assert r["received"]["total"] == closed + open_


def test_now_before_end_measures_open_work_as_of_now():
    now = at(3, 20)
    dossiers = [
        dossier("E1", "counter", at(3, 5), at(3, 19, 17), "in_process"),  # past deadline
        dossier("E2", "online", at(3, 18), now, "in_process"),  # due exactly now: within
        dossier("E3", "post", now, at(3, 30), "received"),  # received now: not yet open
        dossier("E4", "counter", at(3, 10), at(3, 25), "supplement_requested", paused_at=now),
        dossier(
            "E5", "counter", at(3, 2), at(3, 16), "ready_at_counter",
            **finished("resolved", at(3, 15), "early"),
        ),
    ]  # fmt: skip

    assert office_stats(dossiers, "xa-1", START, END, now) == {
        "office_id": "xa-1",
        "from": START,
        "to": END,
        "as_of": now,
        "received": {"counter": 3, "online": 1, "post": 1, "carried_over": 0, "total": 5},
        "not_accepted": 0,
        "resolved": {"early": 1, "on_time": 0, "late": 0, "total": 1},
        "refused": 0,
        "stopped": 0,
        "withdrawn": 0,
        "pending": {"within_deadline": 1, "past_deadline": 1},
        "suspended_for_supplement": 1,
        "returned": 0,
        "on_time_rate": 1.0,
    }


def test_on_time_rate_is_none_when_nothing_resolved():
    refused = dossier(
        "R1", "counter", at(3, 2), at(3, 9), "refused", **finished("refused", at(3, 5), "early")
    )
    assert office_stats([], "xa-1", START, END, at(4, 2))["on_time_rate"] is None
    assert office_stats([refused], "xa-1", START, END, at(4, 2))["on_time_rate"] is None


def test_on_time_rate_rounds_to_four_places():
    def resolved(code, timing):
        return dossier(
            code, "online", at(3, 2), at(3, 9), "resolved", **finished("resolved", at(3, 5), timing)
        )

    dossiers = [resolved("A", "early"), resolved("B", "late"), resolved("C", "late")]
    assert office_stats(dossiers, "xa-1", START, END, at(4, 2))["on_time_rate"] == 0.3333


def test_resolved_without_timing_counts_in_total_only():
    d = dossier("T1", "online", at(3, 2), at(3, 9), "resolved", **finished("resolved", at(3, 5)))
    r = office_stats([d], "xa-1", START, END, at(4, 2))
    assert r["resolved"] == {"early": 0, "on_time": 0, "late": 0, "total": 1}
    assert r["on_time_rate"] == 0.0


def test_period_turns_inclusive_dates_into_half_open_interval():
    assert period(date(2024, 3, 1), date(2024, 3, 31), TZ) == (START, END)
    start, end = period(date(2024, 3, 5), date(2024, 3, 5), TZ)
    assert (start, end) == (at(3, 5, 0), at(3, 6, 0))
    assert start.utcoffset() == timedelta(hours=7)


def test_period_allows_a_leap_year():
    assert period(date(2024, 1, 1), date(2024, 12, 31), TZ) == (
        datetime(2024, 1, 1, tzinfo=TZ),
        datetime(2025, 1, 1, tzinfo=TZ),
    )


@pytest.mark.parametrize(
    "from_date, to_date",
    [
        (date(2024, 3, 2), date(2024, 3, 1)),  # ends before it starts
        (date(2024, 1, 1), date(2025, 1, 1)),  # 367 days
    ],
)
def test_period_rejects_bad_spans(from_date, to_date):
    with pytest.raises(ValueError):
        period(from_date, to_date, TZ)
