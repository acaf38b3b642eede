from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import lifecycle as lc
from contracts.calendar import WorkingCalendar

R, H, L, S = lc.RECEIVER, lc.HANDLER, lc.LEADER, lc.SYSTEM

# Every allowed (state, role) -> {action: new state}. Anything not listed must be refused.
EXPECTED = {
    (lc.RECEIVED, R): {"withdraw": lc.WITHDRAWN},
    (lc.RECEIVED, S): {"forward": lc.AWAITING_ACCEPTANCE},
    (lc.AWAITING_ACCEPTANCE, H): {"accept": lc.IN_PROCESS, "extend": lc.AWAITING_ACCEPTANCE},
    (lc.AWAITING_ACCEPTANCE, L): {"accept": lc.IN_PROCESS, "extend": lc.AWAITING_ACCEPTANCE},
    (lc.AWAITING_ACCEPTANCE, R): {"withdraw": lc.WITHDRAWN},
    (lc.AWAITING_ACCEPTANCE, S): {"forward": lc.AWAITING_ACCEPTANCE},
    (lc.IN_PROCESS, H): {
        "request_supplement": lc.SUPPLEMENT_REQUESTED,
        "resolve": lc.RESOLVED,
        "refuse": lc.REFUSED,
        "extend": lc.IN_PROCESS,
        "request_obligation": lc.OBLIGATION_REQUESTED,
    },
    (lc.IN_PROCESS, L): {
        "request_supplement": lc.SUPPLEMENT_REQUESTED,
        "resolve": lc.RESOLVED,
        "refuse": lc.REFUSED,
        "extend": lc.IN_PROCESS,
        "stop": lc.STOPPED,
        "request_obligation": lc.OBLIGATION_REQUESTED,
    },
    (lc.IN_PROCESS, R): {"withdraw": lc.WITHDRAWN},
    (lc.IN_PROCESS, S): {"forward": lc.AWAITING_ACCEPTANCE},
    (lc.SUPPLEMENT_REQUESTED, R): {"supplement": lc.IN_PROCESS, "withdraw": lc.WITHDRAWN},
    (lc.AWAITING_FEE, R): {"withdraw": lc.WITHDRAWN},
    (lc.AWAITING_FEE, S): {"fee_paid": lc.RECEIVED},
    (lc.OBLIGATION_REQUESTED, R): {"withdraw": lc.WITHDRAWN},
    (lc.OBLIGATION_REQUESTED, L): {"stop": lc.STOPPED},
    (lc.OBLIGATION_REQUESTED, S): {"obligation_paid": lc.IN_PROCESS},
    (lc.RESOLVED, S): {"result_arrived": lc.READY_AT_COUNTER},
    (lc.REFUSED, S): {"result_arrived": lc.READY_AT_COUNTER},
    (lc.READY_AT_COUNTER, R): {"hand_over": lc.RETURNED, "return_result": lc.RETURNING_BY_POST},
    # a dossier filed online, checked at its counter (a leader may check it too)
    **{
        (lc.SUBMITTED_ONLINE, role): {
            "accept_online": lc.RECEIVED,
            "request_online_supplement": lc.ONLINE_SUPPLEMENT_REQUESTED,
            "refuse_online": lc.NOT_ACCEPTED,
        }
        | ({"withdraw": lc.WITHDRAWN} if role == R else {})
        for role in (R, L)
    },
    (lc.ONLINE_SUPPLEMENT_REQUESTED, R): {
        "refuse_online": lc.NOT_ACCEPTED,
        "withdraw": lc.WITHDRAWN,
    },
    (lc.ONLINE_SUPPLEMENT_REQUESTED, L): {"refuse_online": lc.NOT_ACCEPTED},
    (lc.ONLINE_SUPPLEMENT_REQUESTED, S): {"online_supplemented": lc.SUBMITTED_ONLINE},
    (lc.RETURNING_BY_POST, S): {
        "post_delivered": lc.RETURNED,
        "post_returned": lc.READY_AT_COUNTER,
    },
}
ALL_ACTIONS = lc.ACTIONS + lc.SYSTEM_ACTIONS
CASES = [(s, r, a) for s in lc.STATES for r in lc.ROLES for a in ALL_ACTIONS]


@pytest.mark.parametrize("state, role, action", CASES)
def test_transition_table(state, role, action):
    allowed = EXPECTED.get((state, role), {})
    if action in allowed:
        assert lc.transition(state, action, role) == allowed[action]
    else:
        with pytest.raises(lc.IllegalTransition) as err:
            lc.transition(state, action, role)
        assert err.value.allowed == list(allowed)
        assert err.value.state == state and err.value.action == action
        assert state in str(err.value) and action in str(err.value)


@pytest.mark.parametrize("state", lc.STATES)
@pytest.mark.parametrize("role", lc.ROLES)
def test_allowed_actions(state, role):
    assert sorted(lc.allowed_actions(state, role)) == sorted(EXPECTED.get((state, role), {}))


def test_final_states_allow_nothing():
    for state in lc.FINAL_STATES:
        assert lc.is_final(state)
        assert all(lc.allowed_actions(state, role) == [] for role in lc.ROLES)
    assert not lc.is_final(lc.READY_AT_COUNTER)


def test_every_non_final_state_has_a_way_out():
    for state in set(lc.STATES) - lc.FINAL_STATES:
        assert any(lc.allowed_actions(state, role) for role in lc.ROLES), state


def test_wrong_role_lists_what_that_role_may_do():
    with pytest.raises(lc.IllegalTransition) as err:
        lc.transition(lc.IN_PROCESS, "stop", lc.HANDLER)
    assert "stop" not in err.value.allowed and "resolve" in err.value.allowed
    assert err.value.role == lc.HANDLER


def test_national_status_codes():
    expected = {
        "received": 2, "not_accepted": 3, "awaiting_acceptance": 4, "in_process": 4,
        "supplement_requested": 5, "resolved": 9, "refused": 9, "ready_at_counter": 9,
        "returning_by_post": 9, "returned": 10, "withdrawn": 7, "stopped": 8,
        "awaiting_fee": 1, "obligation_requested": 6,
        "submitted_online": 1, "online_supplement_requested": 5,
    }  # fmt: skip
    assert {s: lc.national_status(s) for s in lc.STATES} == expected
    assert set(lc.STATE_LABELS_VI) == set(lc.STATES)
    with pytest.raises(ValueError):
        lc.national_status("lost")


def test_unknown_state_or_role():
    with pytest.raises(ValueError):
        lc.transition("lost", "accept", lc.HANDLER)
    with pytest.raises(ValueError):
        lc.allowed_actions(lc.IN_PROCESS, "mayor")


VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkingCalendar()
DUE = datetime(2026, 11, 20, 17, 0, tzinfo=VN)


@pytest.mark.parametrize(
    "finished, supplements, expected",
    [
        (datetime(2026, 11, 19, 16, 59, tzinfo=VN), 0, "early"),
        (datetime(2026, 11, 20, 8, 0, tzinfo=VN), 0, "on_time"),
        (DUE, 1, "on_time"),
        (datetime(2026, 11, 20, 17, 1, tzinfo=VN), 0, "late"),
        (datetime(2026, 11, 19, 9, 0, tzinfo=VN), 2, "late"),
        (datetime(2026, 11, 20, 3, 30, tzinfo=ZoneInfo("UTC")), 0, "on_time"),  # 10:30 local
        (datetime(2026, 11, 19, 20, 0, tzinfo=ZoneInfo("UTC")), 0, "on_time"),  # 03:00 on the 20th
    ],
)
def test_classify(finished, supplements, expected):
    assert lc.classify(finished, DUE, supplements, CAL) == expected


@given(st.integers(-3000, 3000), st.integers(0, 5))
def test_classify_is_consistent(minutes, supplements):
    from datetime import timedelta

    finished = DUE + timedelta(minutes=minutes)
    result = lc.classify(finished, DUE, supplements, CAL)
    if supplements > 1 or minutes > 0:
        assert result == "late"
    else:
        assert result in ("early", "on_time")


# ---- the national portal's codes: one table ----


@pytest.mark.parametrize("state", lc.STATES)
def test_every_state_has_a_named_national_status(state):
    code = lc.national_status(state)
    assert code in range(1, 11)
    assert code in lc.NATIONAL_STATUS_NAMES


def test_the_national_status_names_are_exactly_one_to_ten():
    assert sorted(lc.NATIONAL_STATUS_NAMES) == list(range(1, 11))
    assert all(name.strip() for name in lc.NATIONAL_STATUS_NAMES.values())
    assert lc.NATIONAL_STATUS_NAMES[9] == "resolved"
    assert lc.NATIONAL_STATUS_NAMES[10] == "result returned"
    assert set(lc.NATIONAL_STATUS.values()) == set(range(1, 11))


@pytest.mark.parametrize("channel, code", [("counter", 1), ("online", 2), ("post", 3)])
def test_national_channel_codes(channel, code):
    assert lc.national_channel(channel) == code
    assert lc.NATIONAL_CHANNEL[channel] == code


def test_the_channels_are_the_national_tables_keys():
    assert lc.CHANNELS == ("counter", "online", "post")
    assert lc.NATIONAL_CHANNEL == {"counter": 1, "online": 2, "post": 3}


@pytest.mark.parametrize("channel", ["", "Counter", "email", "phone", "1"])
def test_an_unknown_channel_is_refused(channel):
    with pytest.raises(ValueError, match="unknown channel"):
        lc.national_channel(channel)


@pytest.mark.parametrize("state", ["", "lost", "Received", "done"])
def test_an_unknown_state_has_no_national_status(state):
    with pytest.raises(ValueError, match="unknown state"):
        lc.national_status(state)
    with pytest.raises(ValueError):
        lc.is_final(state)
