"""Route plans: who may receive what, where the route starts, the offices and legal times of each
step, in both regimes (contracts/route.py, docs/domain.md#who-receives)."""

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.calendar import WorkingCalendar
from contracts.offices import build_catalog, load_offices
from contracts.procedures import Duration, Step, load_procedures
from contracts.route import (
    MAX_NAMED_OFFICES,
    RouteError,
    appointment,
    may_receive,
    plan_route,
    schedule,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICES = load_offices()
PROCEDURES = load_procedures()
CAL = WorkingCalendar()
START = datetime(2026, 11, 16, 9, 0, tzinfo=VN)  # a Monday

T82_COMMUNES = ["X28720", "X28702", "X28726"]  # Tiền Giang (2018): district H824
T08_COMMUNES = ["X02269", "X02380"]  # Tuyên Quang (2025): no district


def plan(code, office, deciding=None):
    return plan_route(PROCEDURES.get(code), office, OFFICES, deciding)


def shape(steps):
    return [(s.index, s.level, s.office_id, s.duration.amount) for s in steps]


def offices_and_days(steps):
    return [(s.office_id, s.duration.amount) for s in steps]


def refusal(code, office, deciding=None) -> RouteError:
    with pytest.raises(RouteError) as exc:
        plan(code, office, deciding)
    return exc.value


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


def test_a_day_based_route_once_written_in_hours():
    # HKD-01: Decree 01/2021 art. 88 gives 3 working days (no longer 24 hours)
    steps = plan("HKD-01", "X30037")
    assert [(s.office_id, s.duration) for s in steps] == [
        ("X30037", Duration(0, "days")),
        ("H872", Duration(3, "days")),
    ]
    # received Monday 09:00: Tue, Wed, Thu; due at Thursday's close
    assert schedule(steps, START, CAL) == [START, datetime(2026, 11, 19, 17, 0, tzinfo=VN)]


HOURLY = replace(
    PROCEDURES.get("HKD-01"),
    code="HR-01",
    route=(Step("commune", Duration(4, "hours")), Step("district", Duration(20, "hours"))),
)


def test_an_hour_based_route_passes_hours_to_the_counter_and_counts_legal_hours():
    plan_at = {o: plan_route(HOURLY, o, OFFICES) for o in ("X30037", "H872", "X02269")}
    assert [(s.office_id, s.duration) for s in plan_at["X30037"]] == [
        ("X30037", Duration(4, "hours")),
        ("H872", Duration(20, "hours")),
    ]
    assert [(s.office_id, s.duration) for s in plan_at["H872"]] == [("H872", Duration(24, "hours"))]
    assert [(s.office_id, s.duration) for s in plan_at["X02269"]] == [
        ("X02269", Duration(24, "hours"))
    ]
    # 24 legal hours are three office days, wherever the dossier is handed in
    for steps in plan_at.values():
        dues = schedule(steps, START, CAL)
        assert CAL.working_time_between(START, dues[-1]) == 3 * CAL.day_length
        assert dues[-1] == datetime(2026, 11, 19, 9, 0, tzinfo=VN)


# ---- every route shape from every level that may receive it, in both regimes ----

ROUTES = [
    # commune only (HT-03: 5 days): a commune; in a two-level province also the centre, which
    # sends it down to the commune the counter names, at once
    ("HT-03", "X28720", None, [("X28720", 5)]),
    ("HT-03", "X28702", None, [("X28702", 5)]),
    ("HT-03", "X02269", None, [("X02269", 5)]),
    ("HT-03", "X02269", "X02269", [("X02269", 5)]),  # naming itself changes nothing
    ("HT-03", "T08", "X02269", [("T08", 0), ("X02269", 5)]),
    ("HT-03", "T08", "X02380", [("T08", 0), ("X02380", 5)]),
    ("HT-01", "X28720", None, [("X28720", 0)]),  # same day
    ("HT-01", "T08", "X02380", [("T08", 0), ("X02380", 0)]),
    ("DD-01", "X28726", None, [("X28726", 45)]),
    # commune -> district, the commune only forwarding (XD-01: 0 + 15 days)
    ("XD-01", "X28720", None, [("X28720", 0), ("H824", 15)]),
    ("XD-01", "X28726", None, [("X28726", 0), ("H824", 15)]),
    ("XD-01", "H824", None, [("H824", 15)]),
    ("XD-01", "X02269", None, [("X02269", 15)]),  # no district: the commune decides
    ("XD-01", "T08", "X02269", [("T08", 0), ("X02269", 15)]),
    ("HKD-01", "X28720", None, [("X28720", 0), ("H824", 3)]),
    ("HKD-01", "H824", None, [("H824", 3)]),
    # commune -> district with time at the commune (XH-01: 10 + 7 days)
    ("XH-01", "X28720", None, [("X28720", 10), ("H824", 7)]),
    ("XH-01", "H824", None, [("H824", 17)]),
    ("XH-01", "X02380", None, [("X02380", 17)]),
    ("XH-01", "T08", "X02380", [("T08", 0), ("X02380", 17)]),
    ("DD-02", "H824", None, [("H824", 30)]),
    # commune -> province (TP-02: 0 + 10 days; DN-01: 0 + 3 days)
    ("TP-02", "X28720", None, [("X28720", 0), ("T82", 10)]),
    ("TP-02", "T82", None, [("T82", 10)]),
    ("TP-02", "X02269", None, [("X02269", 0), ("T08", 10)]),
    ("TP-02", "T08", None, [("T08", 10)]),
    ("DN-01", "X28702", None, [("X28702", 0), ("T82", 3)]),
    ("DN-01", "T82", None, [("T82", 3)]),
    ("DN-01", "X02380", None, [("X02380", 0), ("T08", 3)]),
    ("DN-01", "T08", None, [("T08", 3)]),
    # commune -> district -> province (NCC-01: 5 + 5 + 12 days): the time of the steps below
    # the counter passes to the counter's step
    ("NCC-01", "X28720", None, [("X28720", 5), ("H824", 5), ("T82", 12)]),
    ("NCC-01", "H824", None, [("H824", 10), ("T82", 12)]),
    ("NCC-01", "T82", None, [("T82", 22)]),
    ("NCC-01", "X02269", None, [("X02269", 10), ("T08", 12)]),
    ("NCC-01", "T08", None, [("T08", 22)]),
    ("NCC-02", "H824", None, [("H824", 10), ("T82", 7)]),
    ("NCC-02", "T82", None, [("T82", 17)]),
    # common: decided at the level that receives it (CT-03: 2 days; CT-01: same day)
    ("CT-03", "X28720", None, [("X28720", 2)]),
    ("CT-03", "H824", None, [("H824", 2)]),
    ("CT-03", "T82", None, [("T82", 2)]),
    ("CT-03", "X02269", None, [("X02269", 2)]),
    ("CT-03", "T08", None, [("T08", 2)]),
    ("CT-01", "H824", None, [("H824", 0)]),
    ("KN-02", "T82", None, [("T82", 30)]),
]


@pytest.mark.parametrize("code, office, deciding, expected", ROUTES)
def test_route_shape(code, office, deciding, expected):
    steps = plan(code, office, deciding)
    assert offices_and_days(steps) == expected
    assert [s.index for s in steps] == list(range(len(expected)))
    assert all(s.duration.unit == "days" for s in steps)
    assert [s.level for s in steps] == [OFFICES.get(o).level for o, _ in expected]
    procedure = PROCEDURES.get(code)
    assert [s.same_day for s in steps] == [
        procedure.same_day and i == len(steps) - 1 for i in range(len(steps))
    ]
    assert may_receive(procedure, OFFICES.get(office), OFFICES)


@pytest.mark.parametrize(
    "code, office, may_receive_at",
    [
        # a commune's own procedure: only at the communes of a 2018 province
        ("HT-01", "H824", T82_COMMUNES),
        ("HT-01", "T82", T82_COMMUNES),
        ("HT-03", "H824", T82_COMMUNES),
        ("DD-01", "T82", T82_COMMUNES),
        # a district's procedure does not pass through the province
        ("XD-01", "T82", ["H824", *T82_COMMUNES]),
        ("XH-01", "T82", ["H824", *T82_COMMUNES]),
        ("HKD-01", "T82", ["H824", *T82_COMMUNES]),
        # a commune -> province procedure does not pass through the district
        ("TP-02", "H824", ["T82", *T82_COMMUNES]),
        ("DN-01", "H824", ["T82", *T82_COMMUNES]),
        # another 2018 province: its own offices are named
        ("XD-01", "T87", ["H872", "X30037", "X30058", "X30064"]),
    ],
)
def test_office_that_cannot_receive_the_procedure(code, office, may_receive_at):
    error = refusal(code, office)
    assert error.code == "office_cannot_receive"
    assert error.offices == may_receive_at
    assert code in str(error) and office in str(error)
    assert all(o in str(error) for o in may_receive_at)
    assert not may_receive(PROCEDURES.get(code), OFFICES.get(office), OFFICES)


def test_a_2018_centre_does_not_send_down_even_when_a_commune_is_named():
    error = refusal("HT-03", "T82", "X28720")
    assert error.code == "office_cannot_receive"
    assert error.offices == T82_COMMUNES


def test_the_centre_of_a_2025_province_must_name_the_deciding_commune():
    error = refusal("HT-03", "T08")
    assert error.code == "deciding_office_required"
    assert "deciding_office_id" in str(error)
    # the centre may still receive it (naming the commune)
    assert may_receive(PROCEDURES.get("HT-03"), OFFICES.get("T08"), OFFICES)


@pytest.mark.parametrize(
    "deciding",
    [
        "X28720",  # a commune of another province
        "X30037",  # another province again
        "T08",  # the centre itself: not a commune
        "T82",  # a province
        "H824",  # a district
        "X99999",  # no such office
    ],
)
def test_the_deciding_office_must_be_a_commune_of_the_centre(deciding):
    error = refusal("HT-03", "T08", deciding)
    assert error.code == "unknown_deciding_office"
    assert deciding in str(error)


@pytest.mark.parametrize(
    "code, office, deciding",
    [
        ("TP-02", "T08", "X02269"),  # decided at the centre: nothing goes down
        ("NCC-01", "T08", "X02380"),
        ("CT-03", "T08", "X02269"),  # common: decided where received
        ("NCC-01", "X02269", "X02380"),  # a commune's route never goes down
        ("HT-03", "X02269", "X02380"),
        ("XD-01", "X28720", "X28702"),  # 2018
        ("XD-01", "H824", "X28720"),
        ("NCC-01", "T82", "X28720"),
    ],
)
def test_a_deciding_office_where_the_route_does_not_go_down(code, office, deciding):
    error = refusal(code, office, deciding)
    assert error.code == "deciding_office_unexpected"
    assert error.offices == []


def test_a_refusal_names_at_most_max_named_offices():
    records = [
        {"id": "T99", "level": "province", "parent": None, "regime": "2018"},
        {"id": "H999", "level": "district", "parent": "T99", "regime": None},
    ] + [
        {"id": f"X9{n:04d}", "level": "commune", "parent": "H999", "regime": None}
        for n in range(MAX_NAMED_OFFICES + 5)
    ]
    big = build_catalog([{**r, "name": r["id"], "unit_code": None} for r in records])
    with pytest.raises(RouteError) as exc:
        plan_route(PROCEDURES.get("HT-01"), "H999", big)
    assert exc.value.offices == [f"X9{n:04d}" for n in range(MAX_NAMED_OFFICES)]
    assert str(exc.value).endswith(" …")


# ---- the appointment is the law's total wherever the dossier is handed in ----


def counters(procedure):
    """Every (office, deciding office) that receives `procedure` along its route, both regimes:
    the communes, district and centre of Tiền Giang (2018) and of Tuyên Quang (2025)."""
    found = []
    for office_id in ["T82", "H824", *T82_COMMUNES, "T08", *T08_COMMUNES]:
        office = OFFICES.get(office_id)
        try:
            plan_route(procedure, office_id, OFFICES)
            found.append((office_id, None))
        except RouteError as exc:
            if exc.code == "deciding_office_required":
                found += [(office_id, c) for c in T08_COMMUNES]
            else:
                assert not may_receive(procedure, office, OFFICES)
    return found


def test_every_procedure_is_received_at_its_communes_and_the_2025_centre():
    for procedure in PROCEDURES.all():
        where = {office for office, _ in counters(procedure)}
        assert {*T82_COMMUNES, *T08_COMMUNES, "T08"} <= where, procedure.code


STARTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(VN)
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([*PROCEDURES.all(), HOURLY]), STARTS)
def test_the_appointment_is_the_same_wherever_the_dossier_is_received(procedure, start):
    appointments = {
        (office, deciding): appointment(
            plan_route(procedure, office, OFFICES, deciding), start, CAL
        )
        for office, deciding in counters(procedure)
    }
    assert len(set(appointments.values())) == 1, appointments


def test_receiving_higher_up_never_shortens_the_time():
    # NCC-01 handed in Monday 09:00 at any counter: 22 working days (24 Nov off)
    due = datetime(2026, 12, 17, 17, 0, tzinfo=VN)
    for office, deciding in counters(PROCEDURES.get("NCC-01")):
        assert appointment(plan("NCC-01", office, deciding), START, CAL) == due, office


def test_schedule_is_sequential_and_ordered():
    for procedure in PROCEDURES.all():
        for office, deciding in counters(procedure):
            dues = schedule(plan(procedure.code, office, deciding), START, CAL)
            assert dues == sorted(dues) and dues[0] >= START


def test_a_sent_down_dossier_leaves_the_centre_at_once():
    steps = plan("HT-03", "T08", "X02269")
    dues = schedule(steps, START, CAL)
    assert dues[0] == START  # the centre's 0-day step
    assert (
        dues[1]
        == START.replace(day=23, hour=17)
        == appointment(plan("HT-03", "X02269"), START, CAL)
    )
    # received after hours: the centre's step is due at the next opening
    evening = START + timedelta(hours=9)  # Monday 18:00
    assert schedule(steps, evening, CAL)[0] == datetime(2026, 11, 17, 7, 30, tzinfo=VN)
