"""The Mỹ An replay's pure parts (bench/myan.py): the receipts over the working days of the first
half of 2012, the officers' plan against each dossier's dues, the expected figures and their
comparison with a /api/stats answer; and that the settable clock is put back however it ends."""

import os
import random
import signal
from datetime import date, datetime

import pytest

from bench import myan
from contracts.calendar import WorkingCalendar
from contracts.procedures import load_procedures

CALENDAR = WorkingCalendar()


@pytest.fixture(scope="module")
def planned():
    return myan.plan()


def test_the_half_year_has_122_working_days_without_tet_and_the_spring_holidays():
    days = myan.working_days(CALENDAR)
    assert len(days) == 122
    assert days[0] == date(2012, 1, 3)  # 1 January a Sunday: Monday 2 January off
    assert days[-1] == date(2012, 6, 29)  # 30 June a Saturday
    off = {date(2012, 1, 23), date(2012, 1, 27), date(2012, 4, 2), date(2012, 4, 30)}
    assert not off & set(days)
    # Saturday 4 February 2012 was worked, swapped for a day of Tết (the holidays package)
    assert [d for d in days if d.weekday() >= 5] == [date(2012, 2, 4)]


def test_spread_gives_exactly_the_total_over_every_working_day():
    days = myan.working_days(CALENDAR)
    counts = myan.spread(6047, days, random.Random(3))
    assert sum(counts.values()) == 6047
    assert set(counts) == set(days)
    assert all(30 <= n <= 80 for n in counts.values())  # about 50 a day, none empty


def test_the_plan_is_deterministic_and_the_seed_matters(planned):
    again = myan.plan()
    assert [(p.received_on, p.procedure, p.work) for p in again] == [
        (p.received_on, p.procedure, p.work) for p in planned
    ]
    other = myan.plan(seed=4)
    assert [p.procedure for p in other] != [p.procedure for p in planned]


def test_expected_figures_are_the_report_of_seed_003(planned):
    assert myan.expected(planned) == {
        "received": 6047,
        "resolved": 6035,
        "late": 0,
        "pending_within_deadline": 12,
        "pending_past_deadline": 0,
    }


def test_only_the_three_fields_of_the_report(planned):
    catalog = load_procedures()
    fields = {catalog.get(p.procedure).field for p in planned}
    assert fields <= set(myan.FIELDS)
    assert {"civil_status", "labour_invalids_social", "land"} <= fields


def test_every_dossier_is_received_on_a_working_day_of_the_period(planned):
    days = set(myan.working_days(CALENDAR))
    assert all(p.received_on in days for p in planned)
    assert [p.received_on for p in planned] == sorted(p.received_on for p in planned)


def _dues(p):
    """Each step's due day as intake computes it (contracts.route.schedule) for a dossier
    received at the replay's morning instant."""
    procedure = load_procedures().get(p.procedure)
    at = datetime.combine(p.received_on, datetime.min.time(), CALENDAR.tz).replace(
        hour=myan.MORNING[0], minute=myan.MORNING[1]
    )
    dues = []
    for step in procedure.route:
        at = CALENDAR.due_at(at, step.duration, same_day=procedure.same_day)
        dues.append(CALENDAR.local(at).date())
    return dues


def _day_of(p, who, action):
    return next(day for day, acts in p.work.items() if (who, action) in acts)


def test_every_resolved_dossier_is_decided_by_its_dues_and_by_the_last_working_day(planned):
    last = myan.working_days(CALENDAR)[-1]
    for p in planned:
        if p.pending:
            continue
        dues = _dues(p)
        days = sorted(p.work)
        assert days[0] >= p.received_on and days[-1] <= last
        if len(dues) == 1:  # the commune decides
            assert _day_of(p, myan.COMMUNE, "resolve") <= dues[0]
        else:
            if load_procedures().get(p.procedure).route[0].duration.amount:
                assert _day_of(p, myan.COMMUNE, "resolve") <= dues[0]  # handed on in time
            assert _day_of(p, myan.DISTRICT_HANDLER, "resolve") <= dues[-1]
        assert _day_of(p, myan.COUNTER, "hand_over") >= max(
            d for d, acts in p.work.items() if any(a == "resolve" for _, a in acts)
        )


def test_the_actions_of_a_day_come_in_the_workflow_order(planned):
    order = [
        (myan.COMMUNE, "accept"),
        (myan.COMMUNE, "resolve"),
        (myan.DISTRICT_HANDLER, "accept"),
        (myan.DISTRICT_HANDLER, "resolve"),
        (myan.COUNTER, "hand_over"),
    ]
    for p in planned:
        done = [a for day in sorted(p.work) for a in p.work[day]]
        assert done == sorted(done, key=order.index)
        assert len(done) == len(set(done))


def test_the_twelve_pending_are_the_last_held_at_the_commune_and_due_after_june(planned):
    pending = [p for p in planned if p.pending]
    assert len(pending) == 12
    for p in pending:
        assert _dues(p)[0] > myan.LAST_DAY  # not yet due when the period ends
        assert p.work == {p.received_on: [(myan.COMMUNE, "accept")]}  # in hand, not decided
        assert load_procedures().get(p.procedure).route[0].duration.amount > 0
    first = min(p.n for p in pending)
    later = [p for p in planned if p.n > first and not p.pending]
    catalog = load_procedures()
    # every dossier received after the first pending one that is not pending could not be: it
    # is decided the same day, or forwarded at once, or due within the period
    for p in later:
        held = catalog.get(p.procedure).route[0].duration.amount > 0
        assert not held or _dues(p)[0] <= myan.LAST_DAY


def _stats(**over):
    body = {
        "received": {"counter": 6047, "online": 0, "post": 0, "carried_over": 0, "total": 6047},
        "not_accepted": 0,
        "resolved": {"early": 5000, "on_time": 1035, "late": 0, "total": 6035},
        "refused": 0,
        "stopped": 0,
        "withdrawn": 0,
        "pending": {"within_deadline": 12, "past_deadline": 0},
        "suspended_for_supplement": 0,
    }
    for key, value in over.items():
        body[key] = value
    return body


def test_the_figures_of_a_stats_answer_and_their_differences():
    want = myan.expected(myan.plan())
    assert myan.differences(want, _stats()) == {}
    late = _stats(resolved={"early": 5000, "on_time": 1034, "late": 1, "total": 6035})
    assert myan.differences(want, late) == {"late": (0, 1)}
    overdue = _stats(pending={"within_deadline": 11, "past_deadline": 1})
    assert myan.differences(want, overdue) == {
        "pending_within_deadline": (12, 11),
        "pending_past_deadline": (0, 1),
    }
    assert myan.differences(want, _stats(withdrawn=2)) == {"withdrawn": (0, 2)}


def test_the_report_says_match_mismatch_or_not_run():
    planned = myan.plan()
    want = myan.expected(planned)
    result = {
        "seconds": 1000.0,
        "dossiers_per_s": 6.05,
        "requests_per_s": 25.9,
        "errors": 0,
        "plan": myan.summary(planned),
        "expected": want,
        "got": {**want, "late": 1},
        "ok": False,
        "differences": {"late": [0, 1]},
    }
    text = myan.report(result)
    assert "6,047 dossiers at X30037" in text and "1,000.0 s wall" in text
    assert "| late | 0 | 1 |" in text
    assert text.endswith("MISMATCH {'late': [0, 1]}")
    assert myan.report({**result, "got": want, "ok": True, "differences": {}}).endswith("MATCH")
    assert myan.report({"ok": False, "reason": "not empty"}) == "myan replay: NOT RUN — not empty"


def test_the_clock_is_put_back_when_an_operator_stops_the_replay(tmp_path):
    path = tmp_path / "clock_offset"
    path.write_text("5.000\n", encoding="ascii")
    clock, before = myan.Clock(path), signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stopped, clock.borrowed():
        clock.set(datetime(2012, 1, 3, 7, 35, tzinfo=WorkingCalendar().tz))
        assert float(path.read_text(encoding="ascii")) < -400_000_000  # some 14 years back
        os.kill(os.getpid(), signal.SIGTERM)
    assert stopped.value.code == 128 + signal.SIGTERM
    assert path.read_text(encoding="ascii") == "5.000\n"
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_clock_file_the_replay_made_is_removed_afterwards(tmp_path):
    path = tmp_path / "clock_offset"
    clock = myan.Clock(path)
    with pytest.raises(RuntimeError), clock.borrowed():
        clock.set(datetime(2012, 1, 3, 7, 35, tzinfo=WorkingCalendar().tz))
        raise RuntimeError("the stack went away")
    assert not path.exists()
