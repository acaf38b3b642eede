"""The liaison workflow as pure decisions (services/routing/domain.py): each office judged by its
own steps, the dossier against its legal appointment, hand-overs signed by people (the system
only for its automatic steps), apology only before the appointment, supplement resuming at a
whole office instant. Dossiers are built from intake's receipt (tests/unit/routing/dossiers.py).

Dates: 2026, Asia/Ho_Chi_Minh; Tuesday 24 Nov is a holiday (Vietnam Culture Day), 21-22 Nov,
28-29 Nov and 5-6 Dec are weekends."""

from datetime import timedelta

import pytest

from contracts import lifecycle as lc
from contracts.errors import Forbidden, IllegalAction, InvalidInput
from services.routing import domain, views
from tests.unit.routing.dossiers import (
    CAL,
    HANDLER_H,
    HANDLER_T,
    HANDLER_X,
    HANDLER_X02269,
    LEADER_H,
    RECEIVER_T08,
    RECEIVER_X,
    act,
    apply,
    arrive,
    at,
    new,
    receive,
    received_payload,
    three_level_walk,
    transfer,
)

RECEIVED = at(11, 16)  # Monday 16 Nov 2026 09:00
# XD-01 at X28720: the commune forwards at once (0 days), the district has 15 working days
XD01_DUE = at(12, 8, 17)  # Tue 8 Dec: 17..20, 23, 25..27, 30, 1..4, 7, 8 (24 Nov off)
# NCC-01 at X28720: 5 + 5 + 12 working days
NCC01_DUES = [at(11, 23, 17), at(12, 1, 17), at(12, 17, 17)]
# HT-03 at X28720: 5 working days at the commune
HT03_DUE = at(11, 23, 17)


def in_process(code="HT-03", office="X28720", officer=HANDLER_X, when=RECEIVED):
    """Received and accepted at its own counter's office (a procedure with time at the
    counter)."""
    return act(receive(code, office, when), "accept", officer, when + timedelta(hours=1))


def at_district(accepted=True):
    """XD-01 received at X28720, forwarded at once, arrived at H824 (and accepted)."""
    d = arrive(receive("XD-01", "X28720", RECEIVED), at(11, 16, 9, 5))
    return act(d, "accept", HANDLER_H, at(11, 16, 10)) if accepted else d


# ---- new_dossier ----


def test_a_new_dossier_is_routings_copy_of_the_receipt():
    payload = received_payload("XD-01", "X28720", RECEIVED)
    d = domain.new_dossier(payload)
    assert d["_id"] == "X28720-261116-0001"
    assert (d["procedure_code"], d["receiving_office_id"], d["office_id"]) == (
        "XD-01",
        "X28720",
        "X28720",
    )
    assert d["received_by"] == "Trần Thị Lan"
    assert (d["channel"], d["return_method"]) == ("counter", "counter")
    assert d["received_at"] == RECEIVED
    assert d["appointment_at"] == d["legal_due_at"] == XD01_DUE
    assert d["state"] == lc.RECEIVED and d["step_index"] == 0 and d["at_office"]
    assert d["direction"] == "forward"
    assert d["current_due_at"] == RECEIVED  # the counter's 0-day step
    assert [(s["office_id"], s["duration_amount"], s["due_at"]) for s in d["route"]] == [
        ("X28720", 0, RECEIVED),
        ("H824", 15, XD01_DUE),
    ]
    # every step records when the dossier arrived and when and how the step ended
    assert [s["arrived_at"] for s in d["route"]] == [RECEIVED, None]
    for step in d["route"]:
        assert (step["done_at"], step["timing"], step["outcome"]) == (None, None, None)
    assert d["route_office_ids"] == ["H824", "X28720"]
    assert d["supplement_requests"] == 0 and d["paused_at"] is None
    assert d["finished_at"] is None and d["timing"] is None and d["outcome"] is None
    assert d["apologies"] == [] and d["handovers"] == []
    assert d["due_soon_steps"] == [] and d["overdue_steps"] == []
    assert d["history"] == [
        {
            "at": RECEIVED,
            "type": "dossier_received",
            "state": lc.RECEIVED,
            "office_id": "X28720",
            "by": "Trần Thị Lan",
            "national_status": 2,
        }
    ]
    assert "applicant" not in d  # no personal data kept by routing


def test_a_dossier_refused_at_the_counter_starts_final_and_goes_nowhere():
    d = new("XD-01", "X28720", RECEIVED, not_accepted_reason="Thiếu bản vẽ thiết kế")
    assert d["state"] == lc.NOT_ACCEPTED
    assert d["not_accepted_reason"] == "Thiếu bản vẽ thiết kế"
    assert d["history"][0]["national_status"] == 3
    decision = domain.on_received(d, RECEIVED, CAL)
    assert not (decision.changes or decision.events or decision.transfers or decision.handovers)


def test_a_dossier_that_came_by_post_starts_its_control_sheet_with_the_post():
    handover = {"postal_worker": "Bùi Văn Tư", "at": at(11, 16, 8, 45)}
    d = new("XD-01", "X28720", RECEIVED, channel="post", postal_handover=handover)
    assert d["handovers"] == [
        {
            "from_office_id": domain.POST,
            "to_office_id": "X28720",
            "at": at(11, 16, 8, 45),
            "by": "Bùi Văn Tư",
            "by_system": False,
            "received_by": "Trần Thị Lan",
            "received_at": at(11, 16, 8, 45),
            "received_by_system": False,
            "step_due_at": None,
            "timing": None,
        }
    ]


# ---- on_received ----


def test_a_0_day_counter_step_forwards_at_once_given_by_the_receiving_officer():
    d = new("XD-01", "X28720", RECEIVED)
    decision = domain.on_received(d, RECEIVED, CAL)
    changes = decision.changes
    assert changes["state"] == lc.AWAITING_ACCEPTANCE
    assert (changes["office_id"], changes["step_index"]) == ("H824", 1)
    assert changes["at_office"] is False and changes["direction"] == "forward"
    assert changes["current_due_at"] == XD01_DUE
    # the counter's step ended at once, judged against its own due (the instant of receipt)
    assert changes["route"][0] == {
        **d["route"][0],
        "done_at": RECEIVED,
        "timing": "on_time",
        "outcome": domain.HANDED_ON,
    }
    assert changes["route"][1] == d["route"][1]  # not there yet
    row = {
        "from_office_id": "X28720",
        "to_office_id": "H824",
        "at": RECEIVED,
        "by": "Trần Thị Lan",  # a person, not the system: she hands it on by receiving it
        "by_system": False,
        "received_by": None,  # pending until an officer of H824 receives it
        "received_at": None,
        "received_by_system": False,
        "step_due_at": RECEIVED,
        "timing": "on_time",
    }
    assert decision.handovers == [row]
    assert decision.transfers == [("H824", "forward", 1, row)]
    assert [e[0] for e in decision.events] == ["dossier_forwarded"]
    payload = decision.events[0][1]
    assert (payload["from_office_id"], payload["to_office_id"]) == ("X28720", "H824")
    assert payload["national_status"] == 4 and payload["actor"] is None
    assert d["route"][0]["done_at"] is None  # the stored dossier is not touched


@pytest.mark.parametrize("lag", [timedelta(milliseconds=50), timedelta(seconds=2)])
def test_the_0_day_counter_step_is_not_late_for_the_time_routing_takes_to_read_it(lag):
    d = new("XD-01", "X28720", RECEIVED)
    decision = domain.on_received(d, RECEIVED + lag, CAL)
    assert decision.changes["route"][0]["timing"] == "on_time"
    assert decision.handovers[0]["timing"] == "on_time"


def test_a_counter_step_with_time_waits_at_the_counter_for_an_officer():
    d = new("NCC-01", "X28720", RECEIVED)
    decision = domain.on_received(d, RECEIVED, CAL)
    assert decision.changes == {"state": lc.AWAITING_ACCEPTANCE}
    assert not (decision.transfers or decision.handovers or decision.events)
    d = apply(d, decision)
    assert d["office_id"] == "X28720" and d["at_office"] and d["current_due_at"] == NCC01_DUES[0]


def test_a_sent_down_dossier_leaves_the_2025_centre_at_once_for_the_deciding_commune():
    d = new("HT-03", "T08", RECEIVED, deciding="X02269", receiver=RECEIVER_T08)
    assert [(s["office_id"], s["duration_amount"]) for s in d["route"]] == [
        ("T08", 0),
        ("X02269", 5),
    ]
    decision = domain.on_received(d, RECEIVED, CAL)
    assert decision.transfers[0][:3] == ("X02269", "forward", 1)
    assert decision.handovers[0]["by"] == "Hoàng Thị Mai"
    assert decision.changes["route"][0]["outcome"] == domain.HANDED_ON
    assert decision.changes["current_due_at"] == at(11, 23, 17)


# ---- on_arrived ----


def test_a_forward_transfer_arrives_and_waits_for_an_officer():
    fresh = new("XD-01", "X28720", RECEIVED)
    forwarded = domain.on_received(fresh, RECEIVED, CAL)
    d = apply(fresh, forwarded)
    decision = domain.on_arrived(d, transfer(forwarded), at(11, 16, 9, 5))
    assert decision.changes["at_office"] is True
    assert decision.changes["route"][1]["arrived_at"] == at(11, 16, 9, 5)
    assert decision.changes["route"][1]["done_at"] is None
    assert "handovers" not in decision.changes  # the row stays pending
    assert decision.handovers == [] and decision.transfers == []
    assert [e[0] for e in decision.events] == ["dossier_arrived"]
    assert decision.history[0]["from_office_id"] == "X28720"
    arrived = apply(d, decision)
    assert arrived["handovers"][-1]["received_by"] is None
    assert arrived["state"] == lc.AWAITING_ACCEPTANCE


def test_a_stale_transfer_changes_nothing():
    d = at_district(accepted=False)
    message = {
        "to_office_id": "H824",
        "direction": "forward",
        "step_index": 1,
        "handover": d["handovers"][-1],
    }
    assert domain.on_arrived(d, message, at(11, 16, 9, 6)).changes == {}  # already there
    elsewhere = {**message, "to_office_id": "T82"}
    assert domain.on_arrived(d, elsewhere, at(11, 16, 9, 6)).changes == {}


def test_a_result_returns_to_the_counter_received_by_the_system():
    d = act(at_district(), "resolve", HANDLER_H, at(12, 4, 10))
    decision = domain.on_arrived(d, transfer_of_last_row(d), at(12, 4, 10, 1))
    assert decision.changes["state"] == lc.READY_AT_COUNTER
    assert decision.changes["at_office"] is True
    forward, row = decision.changes["handovers"]
    assert forward == d["handovers"][0]  # signed by Phạm Minh Đức on acceptance, unchanged
    assert row["received_by"] == domain.SYSTEM and row["received_by_system"] is True
    assert row["received_at"] == at(12, 4, 10, 1)
    assert row["by"] == "Phạm Minh Đức" and row["by_system"] is False
    assert decision.transfers == []
    assert [e[0] for e in decision.events] == ["result_returned"]
    assert decision.events[0][1]["return_method"] == "counter"
    assert decision.events[0][1]["national_status"] == 9


def transfer_of_last_row(d):
    return {
        "to_office_id": d["office_id"],
        "direction": d["direction"],
        "step_index": d["step_index"],
        "handover": d["handovers"][-1],
    }


def test_a_result_passes_through_an_intermediate_level_by_the_system():
    d = receive("NCC-01", "X28720", RECEIVED)
    d = act(d, "accept", HANDLER_X, at(11, 16, 9, 30))
    d = arrive(act(d, "resolve", HANDLER_X, at(11, 20, 10)), at(11, 20, 10, 5))
    d = act(d, "accept", HANDLER_H, at(11, 20, 14))
    d = arrive(act(d, "resolve", HANDLER_H, at(11, 30, 10)), at(11, 30, 10, 5))
    d = act(d, "accept", HANDLER_T, at(11, 30, 15))
    d = act(d, "resolve", HANDLER_T, at(12, 18, 10))
    assert (d["office_id"], d["step_index"], d["direction"]) == ("H824", 1, "return")
    decision = domain.on_arrived(d, transfer_of_last_row(d), at(12, 18, 10, 5))
    # the row from T82 is received by the system at H824, which passes the result on
    signed = decision.changes["handovers"][-1]
    assert (signed["from_office_id"], signed["by"]) == ("T82", "Lê Quang Vinh")
    assert signed["received_by"] == domain.SYSTEM and signed["received_by_system"]
    [row] = decision.handovers
    assert (row["from_office_id"], row["to_office_id"]) == ("H824", "X28720")
    assert row["by"] == domain.SYSTEM and row["by_system"] is True
    assert row["received_by"] is None and row["step_due_at"] is None and row["timing"] is None
    assert decision.transfers == [("X28720", "return", 0, row)]
    assert "state" not in decision.changes  # still resolved: not at the counter yet
    assert (decision.changes["office_id"], decision.changes["at_office"]) == ("X28720", False)
    assert decision.events == []
    d = apply(d, decision)
    d = arrive(d, at(12, 18, 10, 10))
    assert d["state"] == lc.READY_AT_COUNTER
    assert (
        d["handovers"][-1]["received_by_system"] and d["handovers"][-1]["received_by"] == "system"
    )
    assert d["history"][-1]["type"] == "result_returned"


def test_the_control_sheet_of_the_worked_example():
    d = three_level_walk()
    sheet = [
        (
            r["from_office_id"],
            r["to_office_id"],
            r["by"],
            r["by_system"],
            r["received_by"],
            r["received_by_system"],
            r["step_due_at"],
            r["timing"],
        )
        for r in d["handovers"]
    ]
    assert sheet == [
        ("X28720", "H824", "Võ Văn Hùng", False, "Phạm Minh Đức", False, NCC01_DUES[0], "early"),
        ("H824", "T82", "Phạm Minh Đức", False, "Lê Quang Vinh", False, NCC01_DUES[1], "early"),
        ("T82", "H824", "Lê Quang Vinh", False, "system", True, None, None),
        ("H824", "X28720", "system", True, "system", True, None, None),
    ]
    steps = [(s["office_id"], s["outcome"], s["timing"]) for s in d["route"]]
    assert steps == [
        ("X28720", "handed_on", "early"),
        ("H824", "handed_on", "early"),
        ("T82", "resolved", "late"),
    ]
    assert [s["arrived_at"] for s in d["route"]] == [
        RECEIVED,
        at(11, 20, 10, 5),
        at(11, 30, 10, 5),
    ]
    assert (d["state"], d["outcome"], d["timing"]) == (lc.RETURNED, "resolved", "late")
    assert d["finished_at"] == at(12, 18, 10) and d["returned_at"] == at(12, 21, 9)


# ---- act: accept, resolve, refuse, stop, withdraw ----


def test_accept_signs_the_pending_row_with_the_officers_name_and_time():
    d = at_district(accepted=False)
    decision = domain.act(d, lc.ACCEPT, {}, HANDLER_H, at(11, 16, 10), CAL)
    assert decision.changes["state"] == lc.IN_PROCESS
    [row] = decision.changes["handovers"]
    assert row["received_by"] == "Phạm Minh Đức"
    assert row["received_at"] == at(11, 16, 10)
    assert row["received_by_system"] is False
    assert row["by"] == "Trần Thị Lan"  # the giver stays
    assert d["handovers"][0]["received_by"] is None  # the stored rows are not touched
    assert [e[0] for e in decision.events] == ["dossier_accepted"]
    assert decision.events[0][1]["actor"] == {
        "name": "Phạm Minh Đức",
        "role": "handler",
        "office_id": "H824",
    }
    assert decision.history[0]["by"] == "Phạm Minh Đức"


def test_accept_with_nothing_pending_signs_nothing():
    d = receive("NCC-01", "X28720", RECEIVED)
    decision = domain.act(d, lc.ACCEPT, {}, HANDLER_X, at(11, 16, 10), CAL)
    assert decision.changes == {"state": lc.IN_PROCESS}


def test_an_office_acts_only_on_a_dossier_it_holds():
    moving = receive("XD-01", "X28720", RECEIVED)  # on its way to H824
    with pytest.raises(Forbidden) as exc:
        domain.act(moving, lc.ACCEPT, {}, HANDLER_H, at(11, 16, 9, 1), CAL)
    assert exc.value.code == "not_your_office"
    d = at_district()
    for officer in (HANDLER_X, HANDLER_T, {**HANDLER_H, "office_id": "H872"}):
        with pytest.raises(Forbidden):
            domain.act(d, lc.RESOLVE, {}, officer, at(11, 17), CAL)
    with pytest.raises(Forbidden):  # a counter action of another counter
        domain.act(d, lc.WITHDRAW, {}, {**RECEIVER_X, "office_id": "X28702"}, at(11, 17), CAL)


def test_resolve_at_a_middle_step_hands_the_dossier_on_judged_against_its_own_due():
    d = in_process("NCC-01")
    decision = domain.act(d, lc.RESOLVE, {}, HANDLER_X, at(11, 20, 10), CAL)
    changes = decision.changes
    assert changes["state"] == lc.AWAITING_ACCEPTANCE
    assert (changes["office_id"], changes["step_index"], changes["at_office"]) == ("H824", 1, False)
    assert changes["current_due_at"] == NCC01_DUES[1]
    step = changes["route"][0]
    assert (step["done_at"], step["timing"], step["outcome"]) == (
        at(11, 20, 10),
        "early",  # Friday, before its due day (Monday 23)
        domain.HANDED_ON,
    )
    assert "finished_at" not in changes and "timing" not in changes  # the dossier goes on
    [row] = decision.handovers
    assert (row["by"], row["step_due_at"], row["timing"]) == ("Võ Văn Hùng", NCC01_DUES[0], "early")
    assert decision.transfers == [("H824", "forward", 1, row)]
    assert [e[0] for e in decision.events] == ["dossier_forwarded"]


@pytest.mark.parametrize(
    "done, timing",
    [
        (at(11, 20, 16, 59), "early"),
        (at(11, 23, 8, 0), "on_time"),  # on the due day
        (at(11, 23, 17, 0), "on_time"),  # at the due instant
        (at(11, 23, 17, 1), "late"),
        (at(11, 25, 9, 0), "late"),
    ],
)
def test_a_step_handed_on_is_judged_against_its_own_due(done, timing):
    d = in_process("NCC-01")
    decision = domain.act(d, lc.RESOLVE, {}, HANDLER_X, done, CAL)
    assert decision.changes["route"][0]["timing"] == timing
    assert decision.handovers[0]["timing"] == timing


@pytest.mark.parametrize(
    "done, step_timing, dossier_timing",
    [
        (at(12, 4, 10), "early", "early"),
        (at(12, 8, 16, 59), "on_time", "on_time"),
        (at(12, 8, 17), "on_time", "on_time"),
        (at(12, 9, 9), "late", "late"),
    ],
)
def test_resolve_at_the_last_step_decides_the_dossier(done, step_timing, dossier_timing):
    d = at_district()
    decision = domain.act(d, lc.RESOLVE, {}, HANDLER_H, done, CAL)
    changes = decision.changes
    assert changes["state"] == lc.RESOLVED
    assert changes["route"][1]["outcome"] == lc.RESOLVED
    assert changes["route"][1]["done_at"] == done
    assert changes["route"][1]["timing"] == step_timing
    assert (changes["finished_at"], changes["outcome"]) == (done, lc.RESOLVED)
    assert changes["timing"] == dossier_timing
    # the result goes back to the counter, handed on by the deciding officer
    [row] = decision.handovers
    assert (row["from_office_id"], row["to_office_id"], row["by"]) == (
        "H824",
        "X28720",
        "Phạm Minh Đức",
    )
    assert row["step_due_at"] is None and row["timing"] is None and row["received_by"] is None
    assert decision.transfers == [("X28720", "return", 0, row)]
    assert (changes["office_id"], changes["step_index"], changes["direction"]) == (
        "X28720",
        0,
        "return",
    )
    assert [e[0] for e in decision.events] == ["dossier_resolved"]


def test_a_dossier_decided_at_its_counter_is_ready_there_at_once():
    d = in_process("HT-03")
    decision = domain.act(d, lc.RESOLVE, {}, HANDLER_X, at(11, 20, 10), CAL)
    assert decision.changes["state"] == lc.READY_AT_COUNTER
    assert decision.changes["timing"] == "early"
    assert decision.transfers == [] and decision.handovers == []
    assert [e[0] for e in decision.events] == ["dossier_resolved", "result_returned"]


def test_refuse_at_a_middle_step_ends_the_dossier_there_and_sends_it_back():
    d = in_process("NCC-01")
    d = arrive(act(d, "resolve", HANDLER_X, at(11, 20, 10)), at(11, 20, 11))
    d = act(d, "accept", HANDLER_H, at(11, 20, 14))
    decision = domain.act(
        d, lc.REFUSE, {"reason": "Không đủ điều kiện"}, HANDLER_H, at(11, 23, 10), CAL
    )
    changes = decision.changes
    assert changes["state"] == lc.REFUSED
    assert changes["route"][1] == {
        **d["route"][1],
        "done_at": at(11, 23, 10),
        "timing": "early",  # its step was due Tue 1 Dec
        "outcome": lc.REFUSED,
    }
    assert changes["route"][2] == d["route"][2]  # never reached
    assert (changes["finished_at"], changes["outcome"], changes["timing"]) == (
        at(11, 23, 10),
        lc.REFUSED,
        "early",
    )
    assert decision.transfers[0][:3] == ("X28720", "return", 0)
    assert decision.handovers[0]["by"] == "Phạm Minh Đức"
    assert [e[0] for e in decision.events] == ["dossier_refused"]
    assert decision.events[0][1]["reason"] == "Không đủ điều kiện"


def test_stop_is_a_leaders_and_ends_the_holding_offices_step():
    d = at_district()
    with pytest.raises(IllegalAction) as exc:
        domain.act(d, lc.STOP, {}, HANDLER_H, at(11, 20), CAL)
    assert exc.value.code == "illegal_transition"
    assert "stop" not in exc.value.details["allowed_actions"]
    decision = domain.act(
        d, lc.STOP, {"reason": "Vụ việc đã có quyết định"}, LEADER_H, at(11, 20), CAL
    )
    changes = decision.changes
    assert changes["state"] == lc.STOPPED
    assert (changes["route"][1]["outcome"], changes["route"][1]["timing"]) == (lc.STOPPED, "early")
    assert (changes["finished_at"], changes["outcome"], changes["timing"]) == (
        at(11, 20),
        lc.STOPPED,
        "early",
    )
    assert decision.transfers == []
    assert [e[0] for e in decision.events] == ["dossier_stopped"]


def test_withdraw_at_the_counter_ends_the_step_of_the_office_holding_the_dossier():
    d = at_district()
    decision = domain.act(d, lc.WITHDRAW, {}, RECEIVER_X, at(11, 25, 10), CAL)
    changes = decision.changes
    assert changes["state"] == lc.WITHDRAWN
    assert changes["route"][1]["outcome"] == lc.WITHDRAWN
    assert changes["route"][1]["done_at"] == at(11, 25, 10)
    assert (changes["finished_at"], changes["outcome"]) == (at(11, 25, 10), lc.WITHDRAWN)
    assert [e[0] for e in decision.events] == ["dossier_withdrawn"]


def test_withdraw_in_transit_ends_no_step():
    d = receive("XD-01", "X28720", RECEIVED)  # on its way to H824
    decision = domain.act(d, lc.WITHDRAW, {}, RECEIVER_X, at(11, 16, 9, 1), CAL)
    assert decision.changes["state"] == lc.WITHDRAWN
    assert "route" not in decision.changes
    assert decision.changes["finished_at"] == at(11, 16, 9, 1)
    assert decision.changes["outcome"] == lc.WITHDRAWN


def test_a_finished_dossier_is_not_finished_again():
    d = act(at_district(), "resolve", HANDLER_H, at(12, 4, 10))
    d = arrive(d, at(12, 4, 11))
    decision = domain.act(d, lc.HAND_OVER, {}, RECEIVER_X, at(12, 7, 9), CAL)
    assert decision.changes == {"state": lc.RETURNED, "returned_at": at(12, 7, 9)}


# ---- request_supplement and supplement ----


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"reason": "Thiếu giấy xác nhận"},
        {"missing_documents": ["xac_nhan_hon_nhan"]},
        {"reason": "", "missing_documents": ["xac_nhan_hon_nhan"]},
        {"reason": "Thiếu giấy xác nhận", "missing_documents": []},
    ],
)
def test_a_supplement_request_says_what_is_missing_and_why(params):
    with pytest.raises(InvalidInput) as exc:
        domain.act(in_process(), lc.REQUEST_SUPPLEMENT, params, HANDLER_X, at(11, 18, 10), CAL)
    assert exc.value.code == "supplement_needs_reason" and exc.value.status == 422


def request_supplement(d, now, officer=HANDLER_X):
    params = {"reason": "Thiếu giấy xác nhận", "missing_documents": ["xac_nhan_hon_nhan"]}
    return act(d, lc.REQUEST_SUPPLEMENT, officer, now, **params)


def test_a_supplement_request_stops_the_clock():
    d = in_process()
    decision = domain.act(
        d,
        lc.REQUEST_SUPPLEMENT,
        {"reason": "Thiếu giấy xác nhận", "missing_documents": ["xac_nhan_hon_nhan"]},
        HANDLER_X,
        at(11, 18, 10),
        CAL,
    )
    assert decision.changes == {
        "state": lc.SUPPLEMENT_REQUESTED,
        "paused_at": at(11, 18, 10),
        "supplement_requests": 1,
    }
    payload = decision.events[0][1]
    assert decision.events[0][0] == "supplement_requested"
    assert payload["missing_documents"] == ["xac_nhan_hon_nhan"]
    assert payload["national_status"] == 5


@pytest.mark.parametrize(
    "paused_at, resumed_at, shifted, due",
    [
        # paused 7 h 20 min 12 s of office time (Wed 10:00-17:00 less lunch, Thu 07:30-09:50:12):
        # Mon 23 17:00 moves to Wed 25 16:50:12 (24 Nov off), given as the session's close
        (at(11, 18, 10), at(11, 19, 9, 50, 12), at(11, 25, 16, 50, 12), at(11, 25, 17)),
        # 2 h: Wed 25 09:30, given as the morning's close
        (at(11, 18, 9), at(11, 18, 11), at(11, 25, 9, 30), at(11, 25, 11, 30)),
        # a whole office day: Wed 25 17:00 exactly, which stays
        (at(11, 18, 9), at(11, 19, 9), at(11, 25, 17), at(11, 25, 17)),
        # asked and brought outside office hours: no office time passed, nothing moves
        (at(11, 18, 18), at(11, 19, 7), HT03_DUE, HT03_DUE),
    ],
)
def test_supplement_resumes_the_clock_at_a_whole_office_instant(
    paused_at, resumed_at, shifted, due
):
    d = request_supplement(in_process(), paused_at)
    paused = CAL.working_time_between(paused_at, resumed_at)
    assert CAL.shift_by_working_time(HT03_DUE, paused) == shifted
    decision = domain.act(d, lc.SUPPLEMENT, {}, RECEIVER_X, resumed_at, CAL)
    changes = decision.changes
    assert changes["state"] == lc.IN_PROCESS
    assert changes["paused_at"] is None
    assert changes["appointment_at"] == due
    assert changes["legal_due_at"] == due  # the law's appointment moves by the pause too
    assert changes["current_due_at"] == due
    assert changes["route"][0]["due_at"] == due
    assert (due.minute, due.second) in ((0, 0), (30, 0)) and CAL.session_close(due) == due
    assert [e[0] for e in decision.events] == ["dossier_supplemented"]
    assert decision.events[0][1]["appointment_at"] == due
    assert decision.events[0][1]["actor"]["name"] == "Trần Thị Lan"


def test_a_supplement_is_brought_to_the_receiving_counter_only():
    d = request_supplement(in_process(), at(11, 18, 10))
    with pytest.raises(Forbidden):
        domain.act(d, lc.SUPPLEMENT, {}, {**RECEIVER_X, "office_id": "X28702"}, at(11, 19), CAL)
    with pytest.raises(IllegalAction):
        domain.act(d, lc.SUPPLEMENT, {}, HANDLER_X, at(11, 19), CAL)


def test_a_supplement_moves_only_the_dues_ahead():
    d = in_process("NCC-01")
    d = arrive(act(d, "resolve", HANDLER_X, at(11, 20, 10)), at(11, 20, 11))
    d = act(d, "accept", HANDLER_H, at(11, 20, 14))
    d = request_supplement(d, at(11, 25, 9), HANDLER_H)
    # 1 office day stood still (Wed 25 09:00 to Thu 26 09:00)
    decision = domain.act(d, lc.SUPPLEMENT, {}, RECEIVER_X, at(11, 26, 9), CAL)
    route = decision.changes["route"]
    assert [s["due_at"] for s in route] == [NCC01_DUES[0], at(12, 2, 17), at(12, 18, 17)]
    assert decision.changes["current_due_at"] == at(12, 2, 17)
    assert decision.changes["appointment_at"] == decision.changes["legal_due_at"] == at(12, 18, 17)


def test_more_than_one_supplement_request_makes_the_dossier_late_not_the_step():
    d = in_process()
    for asked, brought in [(at(11, 17, 9), at(11, 17, 10)), (at(11, 17, 14), at(11, 17, 15))]:
        d = act(request_supplement(d, asked), lc.SUPPLEMENT, RECEIVER_X, brought)
    assert d["supplement_requests"] == 2
    decision = domain.act(d, lc.RESOLVE, {}, HANDLER_X, at(11, 18, 10), CAL)
    assert decision.changes["route"][0]["timing"] == "early"
    assert decision.changes["timing"] == "late"


# ---- extend: apology and new date (form 04) ----


def extend(d, now, new_due_at, officer=HANDLER_X, reason="Chờ ý kiến cơ quan liên quan"):
    return domain.act(d, lc.EXTEND, {"reason": reason, "new_due_at": new_due_at}, officer, now, CAL)


def test_an_apology_moves_the_appointment_not_the_legal_due():
    d = in_process()
    decision = extend(d, at(11, 20, 10), at(11, 25, 10))
    changes = decision.changes
    assert changes["state"] == lc.IN_PROCESS
    assert changes["appointment_at"] == at(11, 25, 11, 30)  # the close of that session
    assert "legal_due_at" not in changes and "current_due_at" not in changes
    assert changes["apologies"] == [
        {
            "at": at(11, 20, 10),
            "by": "Võ Văn Hùng",
            "office_id": "X28720",
            "reason": "Chờ ý kiến cơ quan liên quan",
            "original_appointment_at": HT03_DUE,
            "new_appointment_at": at(11, 25, 11, 30),
        }
    ]
    assert [e[0] for e in decision.events] == ["dossier_extended"]
    payload = decision.events[0][1]
    assert payload["appointment_at"] == at(11, 25, 11, 30)
    assert payload["original_appointment_at"] == HT03_DUE
    extended = apply(d, decision)
    assert extended["legal_due_at"] == HT03_DUE
    assert views.summary(extended, at(11, 20, 11), CAL)["legal_due_at"] == HT03_DUE


def test_a_second_apology_is_recorded_after_the_first():
    d = apply(in_process(), extend(in_process(), at(11, 20, 10), at(11, 25, 10)))
    second = extend(d, at(11, 25, 11), at(11, 26, 15))
    apologies = second.changes["apologies"]
    assert len(apologies) == 2
    assert apologies[1]["original_appointment_at"] == at(11, 25, 11, 30)
    assert apologies[1]["new_appointment_at"] == at(11, 26, 17)


@pytest.mark.parametrize(
    "now",
    [HT03_DUE, HT03_DUE + timedelta(seconds=1), at(11, 25, 9)],
)
def test_no_apology_once_the_appointment_has_come(now):
    with pytest.raises(IllegalAction) as exc:
        extend(in_process(), now, at(11, 27, 17))
    assert exc.value.code == "appointment_passed" and exc.value.status == 409
    assert exc.value.details["appointment_at"] == HT03_DUE


def test_an_apology_just_before_the_appointment_is_accepted():
    decision = extend(in_process(), HT03_DUE - timedelta(seconds=1), at(11, 27, 17))
    assert decision.changes["appointment_at"] == at(11, 27, 17)


@pytest.mark.parametrize(
    "new_due_at",
    [
        HT03_DUE,
        at(11, 23, 13, 0),  # the close of its session is the appointment itself
        at(11, 20, 16),
    ],
)
def test_the_new_date_must_be_later_than_the_appointment(new_due_at):
    with pytest.raises(InvalidInput) as exc:
        extend(in_process(), at(11, 20, 10), new_due_at)
    assert exc.value.code == "extension_not_later" and exc.value.status == 422


@pytest.mark.parametrize(
    "params",
    [
        {"new_due_at": at(11, 27, 17)},
        {"reason": "", "new_due_at": at(11, 27, 17)},
        {"reason": "Chờ ý kiến"},
        {"reason": "Chờ ý kiến", "new_due_at": "2026-11-27T17:00:00+07:00"},
    ],
)
def test_an_apology_needs_a_reason_and_a_new_date(params):
    with pytest.raises(InvalidInput) as exc:
        domain.act(in_process(), lc.EXTEND, params, HANDLER_X, at(11, 20, 10), CAL)
    assert exc.value.code == "extension_needs_date_and_reason"


def test_an_apology_is_issued_by_the_office_holding_the_dossier():
    d = at_district(accepted=False)  # awaiting acceptance at H824
    assert extend(d, at(11, 20, 10), at(12, 10, 17), HANDLER_H).changes["appointment_at"] == at(
        12, 10, 17
    )
    with pytest.raises(Forbidden):
        extend(d, at(11, 20, 10), at(12, 10, 17), HANDLER_X)
    with pytest.raises(IllegalAction):  # not a counter action
        extend(at_district(), at(11, 20, 10), at(12, 10, 17), {**RECEIVER_X, "office_id": "H824"})


@pytest.mark.parametrize(
    "done, timing",
    [
        (at(11, 20, 10), "early"),
        (at(11, 23, 16), "on_time"),
        (at(11, 25, 10), "late"),  # after the legal due, before the apology's new date
        (at(11, 25, 11, 30), "late"),  # at the apology's new date
    ],
)
def test_an_apology_does_not_make_a_late_dossier_on_time(done, timing):
    d = apply(in_process(), extend(in_process(), at(11, 20, 9), at(11, 25, 10)))
    assert d["appointment_at"] == at(11, 25, 11, 30)
    decision = domain.act(d, lc.RESOLVE, {}, HANDLER_X, done, CAL)
    assert decision.changes["timing"] == timing
    assert decision.changes["route"][0]["timing"] == timing  # the step's own due did not move


# ---- alerts, due status, actions offered ----


@pytest.mark.parametrize(
    "now, alerts",
    [
        (at(11, 20, 10), []),  # 12.5 office hours ahead
        (at(11, 20, 16, 30), []),  # 8 h ahead
        (at(11, 20, 17), ["dossier_due_soon"]),  # exactly one office day ahead
        (at(11, 21, 10), ["dossier_due_soon"]),  # Saturday
        (at(11, 23, 9), ["dossier_due_soon"]),
        (HT03_DUE + timedelta(seconds=1), ["dossier_overdue"]),  # the due instant: see below
        (at(11, 25, 9), ["dossier_overdue"]),
    ],
)
def test_due_alerts_of_the_current_step(now, alerts):
    assert domain.due_alerts(in_process(), now, CAL) == alerts


def test_an_alert_is_raised_once_per_step():
    d = in_process()
    decision = domain.raise_alert(d, "dossier_due_soon", at(11, 23, 9), CAL)
    assert decision.changes == {"due_soon_steps": [0]}
    assert [e[0] for e in decision.events] == ["dossier_due_soon"]
    assert decision.events[0][1]["due_at"] == HT03_DUE
    d = apply(d, decision)
    assert domain.due_alerts(d, at(11, 23, 10), CAL) == []
    assert domain.raise_alert(d, "dossier_due_soon", at(11, 23, 10), CAL).events == []
    d = apply(d, domain.raise_alert(d, "dossier_overdue", at(11, 25, 9), CAL))
    assert d["overdue_steps"] == [0]
    assert domain.due_alerts(d, at(11, 26, 9), CAL) == []


@pytest.mark.parametrize("now", [at(11, 23, 9), HT03_DUE, at(11, 30, 9)])
def test_a_paused_dossier_raises_no_alert(now):
    d = request_supplement(in_process(), at(11, 18, 10))
    assert domain.due_alerts(d, now, CAL) == []
    assert domain.raise_alert(d, "dossier_overdue", now, CAL).changes == {}


def test_a_finished_dossier_raises_no_alert():
    d = act(in_process(), lc.RESOLVE, HANDLER_X, at(11, 23, 9))  # ready at the counter
    assert domain.due_alerts(d, at(11, 25, 9), CAL) == []


@pytest.mark.parametrize(
    "now, status",
    [
        (at(11, 20, 10), "on_time"),
        (at(11, 23, 9), "due_soon"),
        (HT03_DUE, "due_soon"),  # not yet past it
        (HT03_DUE + timedelta(seconds=1), "overdue"),
    ],
)
def test_due_status_of_an_open_dossier(now, status):
    assert views.due_status(in_process(), now, CAL) == status


@pytest.mark.parametrize("now", [at(11, 18, 11), HT03_DUE + timedelta(days=3)])
def test_a_paused_dossier_shows_paused_whatever_its_due(now):
    d = request_supplement(in_process(), at(11, 18, 10))
    assert views.due_status(d, now, CAL) == "paused"
    assert views.summary(d, now, CAL)["due_status"] == "paused"


def test_a_finished_dossier_shows_its_timing():
    d = act(in_process(), lc.RESOLVE, HANDLER_X, at(11, 25, 9))
    assert views.due_status(d, at(11, 30), CAL) == "late"


@pytest.mark.parametrize(
    "now, offered",
    [
        (at(11, 20, 10), True),
        (HT03_DUE - timedelta(seconds=1), True),
        (HT03_DUE, False),
        (at(11, 25, 9), False),
    ],
)
def test_an_apology_is_offered_only_before_the_appointment(now, offered):
    d = in_process()
    assert (lc.EXTEND in domain.actions_for(d, HANDLER_X, now)) is offered
    assert (lc.EXTEND in domain.allowed_actions(d, lc.LEADER, now)) is offered
    summary = views.summary(d, now, CAL)
    assert (lc.EXTEND in summary["allowed_actions"]["handler"]) is offered


def test_after_an_apology_it_is_offered_again_until_the_new_date():
    d = apply(in_process(), extend(in_process(), at(11, 20, 9), at(11, 25, 10)))
    assert lc.EXTEND in domain.actions_for(d, HANDLER_X, at(11, 25, 11))
    assert lc.EXTEND not in domain.actions_for(d, HANDLER_X, at(11, 25, 11, 30))


def test_actions_for_each_officer():
    d = at_district()
    now = at(11, 20)
    assert domain.actions_for(d, HANDLER_H, now) == [
        "request_supplement",
        "resolve",
        "refuse",
        "extend",
    ]
    assert domain.actions_for(d, LEADER_H, now) == [
        "request_supplement",
        "resolve",
        "refuse",
        "extend",
        "stop",
    ]
    assert domain.actions_for(d, RECEIVER_X, now) == ["withdraw"]
    assert domain.actions_for(d, HANDLER_X, now) == []
    assert domain.actions_for(d, HANDLER_T, now) == []


# ---- the 2025 regime: a dossier sent down from the centre and back ----


def test_a_sent_down_dossier_comes_back_to_the_centres_counter():
    d = receive("HT-03", "T08", RECEIVED, deciding="X02269", receiver=RECEIVER_T08)
    d = arrive(d, at(11, 16, 9, 5))
    d = act(d, lc.ACCEPT, HANDLER_X02269, at(11, 16, 10))
    assert d["handovers"][0]["received_by"] == "Đặng Văn Long"
    d = act(d, lc.RESOLVE, HANDLER_X02269, at(11, 20, 10))
    assert (d["state"], d["timing"], d["route"][1]["timing"]) == (lc.RESOLVED, "early", "early")
    assert (d["office_id"], d["direction"]) == ("T08", "return")
    d = arrive(d, at(11, 20, 10, 5))
    assert d["state"] == lc.READY_AT_COUNTER and d["office_id"] == "T08"
    assert d["handovers"][-1]["received_by_system"]
    assert domain.actions_for(d, RECEIVER_T08, at(11, 20, 11)) == [lc.HAND_OVER]


def test_at_the_due_instant_the_step_is_not_yet_overdue():
    d = in_process()
    assert views.due_status(d, HT03_DUE, CAL) == "due_soon"
    assert domain.due_alerts(d, HT03_DUE, CAL) == ["dossier_due_soon"]


@pytest.mark.parametrize(
    "due, paused, resumed",
    [
        (HT03_DUE, timedelta(), HT03_DUE),  # no office time passed: a close stays
        (HT03_DUE, timedelta(minutes=1), at(11, 25, 11, 30)),  # never earlier, even by a minute
        (HT03_DUE, timedelta(hours=7, minutes=20, seconds=12), at(11, 25, 17)),
        (at(11, 23, 11, 30), timedelta(hours=1), at(11, 23, 17)),  # into the afternoon session
        (at(11, 23, 9, 10), timedelta(), at(11, 23, 11, 30)),  # an instant inside a session
        (at(11, 20, 16, 0), timedelta(hours=2), at(11, 23, 11, 30)),  # over the weekend
    ],
)
def test_resumed_due_is_the_close_of_the_session_of_the_shifted_due(due, paused, resumed):
    assert domain.resumed_due(due, paused, CAL) == resumed


@pytest.mark.parametrize("channel, code", [("counter", 1), ("online", 2), ("post", 3)])
def test_a_summary_carries_the_national_codes_and_both_appointments(channel, code):
    handover = {"postal_worker": "Bùi Văn Tư", "at": RECEIVED} if channel == "post" else None
    d = receive("XD-01", "X28720", RECEIVED, channel=channel, postal_handover=handover)
    summary = views.summary(d, at(11, 17), CAL)
    assert (summary["national_status"], summary["national_channel"]) == (4, code)
    assert summary["appointment_at"] == summary["legal_due_at"] == XD01_DUE
    # by role, wherever the officer is (actions_for adds the office)
    assert summary["allowed_actions"] == {
        "receiver": ["withdraw"],
        "handler": ["accept", "extend"],
        "leader": ["accept", "extend"],
    }
    full = views.full(d, at(11, 17), CAL)
    assert full["apologies"] == [] and full["control_sheet"] == d["handovers"]
