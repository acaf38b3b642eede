from collections import Counter

import pytest

from contracts import lifecycle as lc
from contracts.offices import load_offices
from contracts.procedures import load_procedures
from tests.chaos.plan import (
    FINAL_STATE,
    SCENARIOS,
    SERVICES,
    dossier_plans,
    fault_schedule,
    officer_steps,
    route_shapes,
)

COUNTERS = ("X28720", "H824", "T82", "X02269")


@pytest.fixture(scope="module")
def shapes():
    return route_shapes(load_procedures(), load_offices(), COUNTERS)


def test_every_route_shape_of_the_catalog_is_found_once(shapes):
    levels = {(s.levels, s.forwards_at_once) for s in shapes}
    assert len(levels) == len(shapes)
    assert (("commune", "district", "province"), False) in levels
    assert (("commune", "province"), False) in levels  # a two-level (2025) province
    assert (("commune", "district"), True) in levels  # the counter forwards at once
    assert {("district",), ("province",), ("commune",)} <= {s.levels for s in shapes}
    for s in shapes:
        assert s.step_offices[0] == s.office_id and len(s.step_offices) == len(s.levels)


def replay(shape, scenario):
    """Walk the lifecycle along the steps; the state the dossier ends in."""
    state = lc.AWAITING_ACCEPTANCE
    for step in officer_steps(shape, scenario):
        assert step.state == state, (scenario, step)
        state = lc.transition(state, step.action, step.role)
        if step.action == "resolve" and step.office_id != shape.step_offices[-1]:
            state = lc.AWAITING_ACCEPTANCE  # forwarded to the next office
        elif state in (lc.RESOLVED, lc.REFUSED):
            state = lc.READY_AT_COUNTER  # the result comes back to the counter
        elif state == lc.RETURNING_BY_POST:
            state = lc.RETURNED  # the carrier delivers
    return state


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s != "not_accepted"])
def test_each_scenario_reaches_its_final_state_through_legal_transitions(shapes, scenario):
    for shape in shapes:
        assert replay(shape, scenario) == FINAL_STATE[scenario], (shape, scenario)


def test_officers_act_where_the_dossier_is(shapes):
    for shape in shapes:
        for step in officer_steps(shape, "supplement"):
            if step.role == "receiver":
                assert step.office_id == shape.office_id
            else:
                assert step.office_id == step.at_office and step.office_id in shape.step_offices
        first = officer_steps(shape, "straight")[0]
        assert first.office_id == shape.step_offices[1 if shape.forwards_at_once else 0]


def test_plans_cover_every_shape_and_scenario_with_their_own_phones(shapes):
    plans = dossier_plans(shapes, 700, seed=3)
    assert {p.shape for p in plans} == set(shapes)
    assert {p.scenario for p in plans} == set(SCENARIOS)
    assert len({p.phone for p in plans}) == 700
    assert all(p.shape.postal_return for p in plans if p.scenario == "post")
    assert dossier_plans(shapes, 50, seed=3) == plans[:50]  # the seed decides


def test_expected_events_count_officer_actions(shapes):
    three = next(s for s in shapes if len(s.levels) == 3)
    plan = next(p for p in dossier_plans([three], 200, seed=1) if p.scenario == "supplement")
    assert plan.expected_events() == Counter(
        dossier_accepted=3,
        dossier_resolved=1,
        supplement_requested=1,
        dossier_supplemented=1,
        result_returned=1,
        result_handed_over=1,
    )


def test_fault_schedule_has_every_fault_once_spaced_within_the_window():
    faults = fault_schedule(seed=5, window=300, kills_per_service=3)
    kinds = Counter((f.kind, f.target) for f in faults)
    assert kinds == Counter(
        {("kill", s): 3 for s in SERVICES}
        | {("rabbitmq-restart", "rabbitmq"): 1, ("mongo-restart", "mongo"): 1}
    )
    times = [f.at for f in faults]
    assert times == sorted(times) and times[0] >= 15 and times[-1] <= 255
    assert all(b - a >= 6 for a, b in zip(times, times[1:], strict=False))
    assert fault_schedule(seed=5, window=300, kills_per_service=3) == faults


def test_too_many_faults_for_the_window_is_an_error():
    with pytest.raises(ValueError):
        fault_schedule(seed=1, window=30, kills_per_service=3)
