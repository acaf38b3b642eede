"""The counter's check of a dossier filed online (services/routing/domain.py): it waits with its
clock stopped, accepting it starts the clock as a counter receipt at that instant would, a
supplement asked before acceptance is not held against the office, a refusal needs its reason,
and a fee to pay online is awaited after the check unless it was paid before. Dates in 2026,
Vietnam (21-22 Nov a weekend)."""

import pytest

from contracts import lifecycle as lc
from contracts.errors import IllegalAction, InvalidInput
from services.intake.domain import ONLINE_DESK
from services.routing import domain, stats, views
from tests.unit.routing.dossiers import CAL, HANDLER_X, RECEIVER_X, act, apply, at, new, receive
from tests.unit.routing.test_money import paid

DESK = {"name": ONLINE_DESK, "role": "receiver", "office_id": "X28720", "online": True}


def filed(code: str, when, **kwargs) -> dict:
    """Filed online at X28720 at `when`, as routing records it."""
    d = new(code, "X28720", when, channel="online", receiver=DESK, fee_method="online", **kwargs)
    return apply(d, domain.on_received(d, when, CAL))


def test_filed_at_the_weekend_it_waits_unjudged_and_is_judged_from_its_check():
    d = filed("NCC-01", at(11, 21, 22))  # Saturday night
    assert d["state"] == lc.SUBMITTED_ONLINE and lc.national_status(d["state"]) == 1
    assert d["channel"] == "online" and d["at_office"] and not d["handovers"]
    assert views.due_status(d, at(11, 30), CAL) == "paused"
    with pytest.raises(IllegalAction):  # not a handler's to accept: the counter checks it
        domain.act(d, "accept", {}, HANDLER_X, at(11, 23, 10), CAL)
    checked = act(d, "accept_online", RECEIVER_X, at(11, 23, 10))  # Monday 10:00
    entry = next(h for h in checked["history"] if h["type"] == "online_dossier_accepted")
    assert entry["national_status"] == 2 and entry["by"] == RECEIVER_X["name"]
    # the same appointment as a dossier handed in at the counter at that instant
    counter = receive("NCC-01", "X28720", at(11, 23, 10))
    assert checked["appointment_at"] == counter["appointment_at"]
    assert checked["legal_due_at"] == counter["legal_due_at"]
    assert checked["paused_at"] is None and checked["state"] == lc.AWAITING_ACCEPTANCE


def test_a_supplement_before_acceptance_is_not_held_against_the_office():
    d = filed("NCC-01", at(11, 23, 9))
    with pytest.raises(InvalidInput):
        domain.act(d, "request_online_supplement", {"reason": "mờ"}, RECEIVER_X, at(11, 23), CAL)
    asked = act(
        d,
        "request_online_supplement",
        RECEIVER_X,
        at(11, 23, 10),
        missing_documents=["Bản khai"],
        reason="Ảnh bản khai bị mờ",
    )
    assert asked["state"] == lc.ONLINE_SUPPLEMENT_REQUESTED and asked["supplement_requests"] == 0
    assert asked["history"][-1]["type"] == "supplement_requested"  # form 02, its SMS
    # only the citizen's upload on the tracking page brings it back to check
    assert domain.on_online_supplemented(d, "ban_khai_ncc", at(11, 23, 11)).is_empty()
    back = apply(asked, domain.on_online_supplemented(asked, "ban_khai_ncc", at(11, 24, 8)))
    assert back["state"] == lc.SUBMITTED_ONLINE
    accepted = act(back, "accept_online", RECEIVER_X, at(11, 24, 9))
    assert accepted["supplement_requests"] == 0 and accepted["paused_at"] is None


def test_refused_at_the_check_with_its_reason():
    d = filed("NCC-01", at(11, 23, 9))
    with pytest.raises(InvalidInput):
        domain.act(d, "refuse_online", {}, RECEIVER_X, at(11, 23, 10), CAL)
    refused = act(d, "refuse_online", RECEIVER_X, at(11, 23, 10), reason="Sai thẩm quyền")
    assert (
        refused["state"] == lc.NOT_ACCEPTED and refused["not_accepted_reason"] == "Sai thẩm quyền"
    )
    assert refused["history"][-1]["type"] == "dossier_not_accepted"
    with pytest.raises(IllegalAction):
        domain.act(refused, "accept_online", {}, RECEIVER_X, at(11, 23, 11), CAL)


def test_another_counter_does_not_check_it():
    d = filed("NCC-01", at(11, 23, 9))
    elsewhere = {**RECEIVER_X, "office_id": "X28702"}
    with pytest.raises(Exception, match="not at office"):
        domain.act(d, "accept_online", {}, elsewhere, at(11, 23, 10), CAL)


def test_a_fee_unpaid_at_the_check_is_awaited_then_and_one_paid_before_is_not():
    d = filed("XD-01", at(11, 23, 9))
    assert d["fee_due"]
    waiting = act(d, "accept_online", RECEIVER_X, at(11, 23, 10))
    assert waiting["state"] == lc.AWAITING_FEE and waiting["paused_at"] == at(11, 23, 10)
    payment = paid("fee", at(11, 24, 9))
    started = apply(
        waiting, domain.on_payment(waiting, "payment_received", payment, at(11, 24, 9), CAL)
    )
    assert started["state"] == lc.AWAITING_ACCEPTANCE and started["paused_at"] is None
    # paid before the check: accepted at once when checked
    early = apply(d, domain.on_payment(d, "payment_received", payment, at(11, 23, 9, 30), CAL))
    assert early["state"] == lc.SUBMITTED_ONLINE and not early["fee_due"]
    checked = act(early, "accept_online", RECEIVER_X, at(11, 23, 10))
    assert checked["state"] == lc.AWAITING_ACCEPTANCE


def test_the_counter_counts_what_it_has_to_check_apart():
    rows = stats.contributions(filed("NCC-01", at(11, 23, 9)))
    now = rows["X28720|now"]
    assert now.get("awaiting_check") == 1 and "suspended" not in now
    day = next(v for k, v in rows.items() if k.startswith("X28720|d|"))
    assert day["received:online"] == 1
