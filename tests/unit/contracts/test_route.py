from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from contracts.calendar import WorkingCalendar
from contracts.offices import load_offices
from contracts.procedures import Duration, load_procedures
from contracts.route import RouteError, appointment, plan_route, schedule

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICES = load_offices()
PROCEDURES = load_procedures()
CAL = WorkingCalendar()
START = datetime(2026, 11, 16, 9, 0, tzinfo=VN)  # a Monday


def plan(code, office):
    return plan_route(PROCEDURES.get(code), office, OFFICES)


def shape(steps):
    return [(s.index, s.level, s.office_id, s.duration.amount) for s in steps]


def test_three_level_route_in_a_2018_province():
    assert shape(plan("NCC-01", "X28720")) == [
        (0, "commune", "X28720", 5),
        (1, "district", "H824", 5),
        (2, "province", "T82", 12),
    ]


def test_district_step_passes_to_the_commune_in_a_2025_province():
    assert shape(plan("NCC-01", "X02269")) == [
        (0, "commune", "X02269", 10),
        (1, "province", "T08", 12),
    ]
    assert shape(plan("XD-01", "X02269")) == [(0, "commune", "X02269", 15)]


def test_same_appointment_under_both_regimes():
    for code in ("NCC-01", "XH-01", "XD-01", "TP-02", "HT-03"):
        old = appointment(plan(code, "X28720"), START, CAL)
        new = appointment(plan(code, "X02269"), START, CAL)
        assert old == new, code


def test_commune_to_province_skips_nothing_and_forwards_at_once():
    steps = plan("TP-02", "X29077")
    assert shape(steps) == [(0, "commune", "X29077", 0), (1, "province", "T83", 10)]
    dues = schedule(steps, START, CAL)
    assert dues[0] == START
    assert dues[1] == datetime(2026, 12, 1, 17, 0, tzinfo=VN)  # 24 Nov is a holiday


def test_common_procedure_is_decided_where_received():
    assert shape(plan("KN-01", "X30037")) == [(0, "commune", "X30037", 30)]
    assert shape(plan("KN-01", "H872")) == [(0, "district", "H872", 30)]
    assert shape(plan("KN-01", "T08")) == [(0, "province", "T08", 30)]


def test_same_day_flag_reaches_the_last_step():
    steps = plan("HT-01", "X28720")
    assert steps[-1].same_day
    late = datetime(2026, 11, 16, 16, 0, tzinfo=VN)
    assert appointment(steps, late, CAL) == datetime(2026, 11, 17, 17, 0, tzinfo=VN)


def test_hour_based_route():
    steps = plan("HKD-01", "X30037")
    assert [s.duration for s in steps] == [Duration(0, "hours"), Duration(24, "hours")]
    dues = schedule(steps, START, CAL)
    assert CAL.working_time_between(START, dues[-1]).total_seconds() == 24 * 3600


@pytest.mark.parametrize(
    "code, office",
    [("HT-01", "H824"), ("TP-02", "T82"), ("XH-01", "H824"), ("NCC-01", "T08")],
)
def test_office_that_cannot_receive_the_procedure(code, office):
    with pytest.raises(RouteError, match=code):
        plan(code, office)


def test_schedule_is_sequential_and_ordered():
    for procedure in PROCEDURES.all():
        if procedure.route[0].level not in ("commune", "any"):
            continue
        dues = schedule(plan(procedure.code, "X28720"), START, CAL)
        assert dues == sorted(dues) and dues[0] >= START
