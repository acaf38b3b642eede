"""Money in the workflow (services/routing/domain.py on_payment, request_obligation): a fee to
be paid online holds the dossier at its counter with the clock stopped until it is paid; a
notice of financial obligation (status 6) stops the clock until it is paid, and an unpaid
notice past its deadline is raised to the office. Dates as in test_workflow.py (2026, Vietnam;
24 Nov a holiday, 21-22 and 28-29 Nov weekends)."""

from datetime import timedelta

import pytest

from contracts import lifecycle as lc
from contracts.errors import IllegalAction, InvalidInput
from services.routing import domain, stats, views
from tests.unit.routing.dossiers import (
    CAL,
    HANDLER_H,
    HANDLER_T,
    HANDLER_X,
    act,
    apply,
    arrive,
    at,
    receive,
)

RECEIVED = at(11, 16)  # Monday 16 Nov 2026 09:00
XD01_DUE = at(12, 8, 17)  # XD-01 at X28720 received then: the district's 15 days end Tue 8 Dec


def paid(kind: str, when, amount=75000, payment_id="P") -> dict:
    return {
        "payment_id": payment_id,
        "kind": kind,
        "amount_vnd": amount,
        "status": "paid",
        "method": "online",
        "paid_at": when,
        "pay_by": None,
    }


def test_a_fee_awaited_online_holds_the_dossier_at_its_counter_with_the_clock_stopped():
    d = receive("XD-01", "X28720", RECEIVED, fee_method="online")
    assert d["state"] == lc.AWAITING_FEE and lc.national_status(d["state"]) == 1
    assert d["paused_at"] == RECEIVED and d["office_id"] == "X28720" and d["at_office"]
    assert not d["handovers"] and views.due_status(d, at(12, 30), CAL) == "paused"
    with pytest.raises(IllegalAction):  # nobody accepts it before it is paid
        domain.act(d, "accept", {}, HANDLER_X, at(11, 16, 10), CAL)
    # a fee paid at the counter at receipt changes nothing here
    assert domain.on_payment(
        d, "payment_received", paid("obligation", at(11, 17)), at(11, 17), CAL
    ).is_empty()


def test_paying_the_fee_accepts_the_dossier_then_and_moves_every_due_by_the_time_it_waited():
    d = receive("XD-01", "X28720", RECEIVED, fee_method="online")
    paid_at = at(11, 18, 9)  # two working days later
    decision = domain.on_payment(d, "payment_received", paid("fee", paid_at), at(11, 18, 9, 1), CAL)
    after = apply(d, decision)
    waited = CAL.working_time_between(RECEIVED, paid_at)
    assert waited == 2 * CAL.day_length
    assert after["appointment_at"] == domain.resumed_due(XD01_DUE, waited, CAL)
    assert after["legal_due_at"] == after["appointment_at"] and after["paused_at"] is None
    # accepted when paid: the counter's 0-day step hands it on at that instant
    assert after["state"] == lc.AWAITING_ACCEPTANCE and after["office_id"] == "H824"
    assert [h["type"] for h in after["history"][-2:]] == ["fee_confirmed", "dossier_forwarded"]
    assert after["handovers"][-1]["at"] == paid_at
    assert decision.events[0][1]["appointment_at"] == after["appointment_at"]
    # the news again (a redelivery the store did not catch) changes nothing
    assert domain.on_payment(
        after, "payment_received", paid("fee", paid_at), paid_at, CAL
    ).is_empty()


def _at_province():
    """DD-04 received at X28720 (0 days there), accepted at T82 (7 days)."""
    d = arrive(receive("DD-04", "X28720", RECEIVED), at(11, 16, 9, 5))
    return act(d, "accept", HANDLER_T, at(11, 16, 10))


NOTICE = {"amount_vnd": 1_500_000, "reason": "Lệ phí trước bạ", "pay_by": at(11, 27, 17)}


def test_a_notice_of_obligation_stops_the_clock_and_names_amount_deadline_and_counter():
    d = _at_province()
    assert "request_obligation" in domain.actions_for(d, HANDLER_T, at(11, 17))
    after = act(d, "request_obligation", HANDLER_T, at(11, 17), **NOTICE)
    assert after["state"] == lc.OBLIGATION_REQUESTED and lc.national_status(after["state"]) == 6
    assert after["paused_at"] == at(11, 17) and after["obligation"]["amount_vnd"] == 1_500_000
    (history,) = [h for h in after["history"] if h["type"] == "obligation_requested"]
    assert history["amount_vnd"] == 1_500_000 and history["pay_by"] == NOTICE["pay_by"]
    assert history["receiving_office_id"] == "X28720"  # where it can be paid at a counter
    assert domain.due_alerts(after, at(12, 30), CAL) == []  # no deadline runs while it waits


@pytest.mark.parametrize(
    "params, code",
    [
        ({**NOTICE, "amount_vnd": None}, "obligation_needs_amount_deadline_reason"),
        ({**NOTICE, "reason": ""}, "obligation_needs_amount_deadline_reason"),
        ({**NOTICE, "pay_by": None}, "obligation_needs_amount_deadline_reason"),
        ({**NOTICE, "pay_by": at(11, 16, 12)}, "pay_by_passed"),
    ],
)
def test_a_notice_needs_an_amount_a_reason_and_a_deadline_ahead(params, code):
    with pytest.raises(InvalidInput) as err:
        domain.act(_at_province(), "request_obligation", params, HANDLER_T, at(11, 17), CAL)
    assert err.value.code == code


def test_only_a_procedure_that_may_owe_offers_a_notice():
    d = arrive(receive("XD-01", "X28720", RECEIVED), at(11, 16, 9, 5))
    d = act(d, "accept", HANDLER_H, at(11, 16, 10))
    assert "request_obligation" not in domain.actions_for(d, HANDLER_H, at(11, 17))
    with pytest.raises(IllegalAction):
        domain.act(d, "request_obligation", NOTICE, HANDLER_H, at(11, 17), CAL)


def test_paying_the_notice_resumes_the_clock_and_moves_the_appointment_by_the_time_it_stood():
    d = _at_province()
    before = d["appointment_at"]
    d = act(d, "request_obligation", HANDLER_T, at(11, 17, 9), **NOTICE)
    overdue = domain.on_payment(
        d, "payment_overdue", {**paid("obligation", None), "status": "due",
                               "pay_by": NOTICE["pay_by"]}, at(11, 30), CAL,
    )  # fmt: skip
    d = apply(d, overdue)
    assert (
        d["history"][-1]["type"] == "obligation_overdue" and d["state"] == lc.OBLIGATION_REQUESTED
    )
    paid_at = at(11, 30, 9)  # paid late: 8 working days (the 24th is a holiday)
    after = apply(
        d,
        domain.on_payment(d, "payment_received", paid("obligation", paid_at), at(11, 30, 10), CAL),
    )
    stood = CAL.working_time_between(at(11, 17, 9), paid_at)
    assert stood == 8 * CAL.day_length
    assert after["state"] == lc.IN_PROCESS and after["paused_at"] is None
    assert after["appointment_at"] == domain.resumed_due(before, stood, CAL)
    assert after["supplement_requests"] == 0  # a payment is no supplement: it is not late for it
    assert after["history"][-1]["type"] == "obligation_fulfilled"
    finished = act(after, "resolve", HANDLER_T, after["appointment_at"] - timedelta(hours=1))
    assert finished["timing"] == "on_time"


def test_an_open_dossier_waiting_for_money_is_counted_apart_from_supplements():
    d = act(_at_province(), "request_obligation", HANDLER_T, at(11, 17), **NOTICE)
    rows = stats.contributions(d)
    assert rows["T82|now"] == {"awaiting_payment": 1}
    awaiting = receive("XD-01", "X28720", RECEIVED, fee_method="online")
    assert stats.contributions(awaiting)["X28720|now"] == {"open": 1, "awaiting_payment": 1}
