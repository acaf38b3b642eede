from collections import Counter

import pytest

from contracts import lifecycle as lc
from contracts.offices import load_offices
from contracts.procedures import load_procedures
from tests.chaos.plan import (
    CITIZEN,
    FINAL_STATE,
    PAYMENT_EVERY,
    PAYMENT_SCENARIOS,
    SCENARIOS,
    SERVICES,
    dossier_plans,
    fault_schedule,
    officer_steps,
    payment_shapes,
    route_shapes,
)

COUNTERS = ("X28720", "H824", "T82", "X02269")


@pytest.fixture(scope="module")
def shapes():
    return route_shapes(load_procedures(), load_offices(), COUNTERS)


@pytest.fixture(scope="module")
def paying():
    return payment_shapes(load_procedures(), load_offices())


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
    """Walk the lifecycle along the steps; the state the dossier ends in. A fee paid online is
    confirmed by the payment service, and a notice of obligation paid by the platform."""
    state = lc.AWAITING_FEE if scenario == "fee_online" else lc.AWAITING_ACCEPTANCE
    for step in officer_steps(shape, scenario):
        assert step.state == state, (scenario, step)
        if step.role == CITIZEN:
            assert lc.transition(state, lc.FEE_PAID, lc.SYSTEM) == lc.RECEIVED
            state = lc.AWAITING_ACCEPTANCE  # at its counter, accepted there
            continue
        state = lc.transition(state, step.action, step.role)
        if state == lc.OBLIGATION_REQUESTED:
            assert step.office_id == shape.step_offices[-1]
            state = lc.transition(state, lc.OBLIGATION_PAID, lc.SYSTEM)
        elif step.action == "resolve" and step.office_id != shape.step_offices[-1]:
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


@pytest.mark.parametrize("scenario", PAYMENT_SCENARIOS)
def test_each_payment_scenario_reaches_its_final_state(paying, scenario):
    assert replay(paying[scenario], scenario) == FINAL_STATE[scenario] == lc.RETURNED


def test_payment_scenarios_pay_where_the_money_is_asked(paying):
    fee = officer_steps(paying["fee_online"], "fee_online")
    assert (fee[0].role, fee[0].action, fee[0].state) == (CITIZEN, "pay_online", lc.AWAITING_FEE)
    assert fee[0].office_id == paying["fee_online"].office_id == "X28720"
    land = paying["obligation"]
    assert land.procedure_code == "DD-04" and land.step_offices == ("X28720", "T82")
    steps = officer_steps(land, "obligation")
    asked = next(n for n, s in enumerate(steps) if s.action == "request_obligation")
    assert steps[asked].office_id == "T82" and "[autopay]" in steps[asked].params["reason"]
    assert isinstance(steps[asked].params["amount_vnd"], int)
    # resolved only once the payment service said it was paid
    assert (steps[asked + 1].action, steps[asked + 1].after) == ("resolve", "obligation_fulfilled")


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


def test_plans_with_payments_have_one_of_each_in_every_ten(shapes, paying):
    plans = dossier_plans(shapes, 300, seed=3, paying=paying)
    counts = Counter(p.scenario for p in plans)
    assert counts["fee_online"] == counts["obligation"] == 300 // PAYMENT_EVERY
    assert all(p.shape == paying[p.scenario] for p in plans if p.scenario in PAYMENT_SCENARIOS)
    assert {p.shape for p in plans if p.scenario not in PAYMENT_SCENARIOS} == set(shapes)
    assert len({p.phone for p in plans}) == 300
    assert sum(sum(p.payments.values()) for p in plans) == 90
    assert not any(p.payments for p in dossier_plans(shapes, 300, seed=3))  # not asked: none


def test_expected_events_count_payments_once(paying):
    fee = dossier_plans([paying["fee_online"]], 3, seed=1, paying=paying)[2]
    assert fee.scenario == "fee_online" and fee.payments == {"fee": 1}
    assert fee.expected_events() == Counter(
        fee_confirmed=1,
        dossier_accepted=1,
        dossier_resolved=1,
        result_returned=1,
        result_handed_over=1,
    )
    land = dossier_plans([paying["obligation"]], 6, seed=1, paying=paying)[5]
    assert land.scenario == "obligation" and land.payments == {"fee": 1, "obligation": 1}
    assert land.expected_events() == Counter(
        dossier_accepted=1,
        obligation_requested=1,
        obligation_fulfilled=1,
        dossier_resolved=1,
        result_returned=1,
        result_handed_over=1,
    )


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
        | {("provider-outage", "provider-a"): 1}
    )
    times = [f.at for f in faults]
    assert times == sorted(times) and times[0] >= 15 and times[-1] <= 255
    assert all(b - a >= 6 for a, b in zip(times, times[1:], strict=False))
    assert fault_schedule(seed=5, window=300, kills_per_service=3) == faults


def test_on_a_cluster_each_broker_node_is_killed_once_too():
    faults = fault_schedule(seed=5, window=300, kills_per_service=1, broker_nodes=3)
    kinds = Counter((f.kind, f.target) for f in faults)
    assert {t for (k, t) in kinds if k == "rabbitmq-kill"} == {"1", "2", "3"}
    assert kinds[("rabbitmq-restart", "rabbitmq")] == 1
    assert len(faults) == len(SERVICES) + 3 + 3  # + the broker, the database, a provider
    single = fault_schedule(seed=5, window=300, kills_per_service=1, broker_nodes=1)
    assert not [f for f in single if f.kind == "rabbitmq-kill"]


def test_too_many_faults_for_the_window_is_an_error():
    with pytest.raises(ValueError):
        fault_schedule(seed=1, window=30, kills_per_service=3)
