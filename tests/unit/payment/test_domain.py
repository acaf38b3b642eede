"""The payment service's decisions (services/payment/domain.py): payments a receipt or a notice
starts, paying at the counter, what each platform status does (paid once, whatever the number
of callbacks), refunds of refused dossiers' fees, cancellation, the overdue notice, a period's
figures and the reconciliation with the platform."""

from datetime import UTC, datetime, timedelta

import pytest

from contracts import money
from contracts.errors import IllegalAction
from services.payment import domain

NOW = datetime(2026, 12, 5, 3, tzinfo=UTC)
CODE = "X28720-261205-0001"
OFFICER = {"name": "Trần Thị Lan", "role": "receiver", "office_id": "X28720"}


def received(method="cash", fee=15000):
    return {
        "code": CODE,
        "office_id": "X28720",
        "procedure_name": "Đăng ký nhận cha, mẹ, con",
        "received_at": NOW,
        "fee": {
            "amount_vnd": fee,
            "method": method,
            "receipt_number": None if method == "online" else money.receipt_number(f"{CODE}-F"),
            "collected_by": None if method == "online" else "Trần Thị Lan",
        }
        if fee
        else None,
    }


def apply(p, changes):
    return {**p, **changes}


def event(status, ref="PAY000000000001", n=1, **more):
    return {
        "event_id": f"e-{status}-{ref}-{more.get('refunded_amount', 0)}",
        "payment_ref": ref,
        "reference": f"{CODE}-F-{n}",
        "status": status,
        "amount": 15000,
        "refunded_amount": 0,
        "channel": "card",
        "occurred_at": NOW + timedelta(minutes=5),
        "refund_ref": None,
        **more,
    }


def online_fee():
    p = domain.fee_payment(received("online"), NOW)
    answer = {"reference": f"{CODE}-F-1", "payment_ref": "PAY000000000001", "pay_url": "u"}
    return apply(p, domain.attempt_started(p, answer))


def test_a_fee_paid_at_the_counter_is_recorded_paid_with_the_receipts_number():
    p = domain.fee_payment(received("transfer"), NOW)
    assert (p["_id"], p["status"], p["method"]) == (f"{CODE}-F", "paid", "transfer")
    assert p["receipt_number"] == f"BL-{CODE}-F" and p["paid_at"] == NOW
    assert [t for t, _ in domain.created_events(p)] == ["payment_received"]
    assert not domain.needs_attempt(p, NOW)


def test_no_fee_no_payment():
    assert domain.fee_payment(received(fee=0), NOW) is None


def test_a_fee_due_online_asks_the_platform_for_a_pay_link_once():
    p = domain.fee_payment(received("online"), NOW)
    assert p["status"] == "due" and domain.needs_attempt(p, NOW)
    assert [t for t, _ in domain.created_events(p)] == ["payment_requested"]
    request = domain.attempt_request(p, "http://gw/", NOW)
    assert request["reference"] == f"{CODE}-F-1" and request["amount"] == 15000
    assert request["return_url"] == f"http://gw/track?code={CODE}"
    started = apply(
        p, domain.attempt_started(p, {**request, "payment_ref": "PAY1", "pay_url": "u"})
    )
    assert started["attempts"] == 1 and not domain.needs_attempt(started, NOW)
    # the answer to a repeated request of the same attempt changes nothing
    assert domain.attempt_started(started, {**request, "payment_ref": "PAY1", "pay_url": "u"}) == {}


def test_paid_once_whatever_the_number_of_callbacks():
    p = online_fee()
    changes, events, record = domain.apply_platform(p, event("paid"), NOW)
    paid = apply(p, changes)
    assert paid["status"] == "paid" and paid["method"] == "online"
    assert paid["receipt_number"] == f"BL-{CODE}-F" and [t for t, _ in events] == [
        "payment_received"
    ]
    assert record["status"] == "paid"
    again, events, _ = domain.apply_platform(paid, {**event("paid"), "event_id": "other"}, NOW)
    assert events == [] and set(again) == {"last_heard_at"}


@pytest.mark.parametrize("status", ["failed", "expired"])
def test_a_dead_attempt_leaves_the_payment_due_and_a_new_link_is_asked(status):
    p = online_fee()
    changes, events, _ = domain.apply_platform(p, event(status), NOW)
    after = apply(p, changes)
    assert after["status"] == "due" and after["online"]["status"] == status and events == []
    assert domain.needs_attempt(after, NOW)
    assert domain.attempt_request(after, "", NOW)["reference"] == f"{CODE}-F-2"
    spent = {**after, "attempts": domain.MAX_ATTEMPTS}
    # failed ones run out (then the counter only); an expired link is always renewed
    assert domain.needs_attempt(spent, NOW) is (status == "expired")


def test_paying_at_the_counter_issues_the_receipt_and_only_what_is_due():
    p = online_fee()
    changes, events = domain.pay_at_counter(p, "cash", OFFICER, NOW)
    assert changes["status"] == "paid" and changes["collected_by"] == OFFICER["name"]
    assert changes["receipt_number"] == f"BL-{CODE}-F"
    with pytest.raises(IllegalAction):
        domain.pay_at_counter(apply(p, changes), "cash", OFFICER, NOW)
    with pytest.raises(ValueError):
        domain.pay_at_counter(p, "online", OFFICER, NOW)


def test_a_refused_dossiers_fee_paid_in_cash_is_refunded_at_once_in_full():
    p = domain.fee_payment(received("cash"), NOW)
    changes, events = domain.refund_on_refusal(p, "từ chối", NOW)
    after = apply(p, changes)
    assert after["status"] == "refunded" and after["refunded_vnd"] == 15000
    assert [r["method"] for r in after["refunds"]] == ["cash"]
    assert [t for t, _ in events] == ["payment_refunded"]
    assert domain.refund_on_refusal(after, "again", NOW) == ({}, [])  # never twice


def test_an_online_fee_is_refunded_through_the_platform_and_recorded_when_it_confirms():
    p = apply(online_fee(), domain.apply_platform(online_fee(), event("paid"), NOW)[0])
    changes, events = domain.refund_on_refusal(p, "từ chối", NOW)
    asked = apply(p, changes)
    assert events == [] and asked["refund"]["status"] == "to_request"
    assert domain.refund_request(asked) == {
        "refund_reference": f"{CODE}-F-R",
        "amount": 15000,
        "reason": "từ chối",
    }
    confirmed = event("refunded", refunded_amount=15000)
    changes, events, _ = domain.apply_platform(asked, confirmed, NOW)
    done = apply(asked, changes)
    assert done["status"] == "refunded" and done["refunded_vnd"] == 15000 and done["refund"] is None
    assert [t for t, _ in events] == ["payment_refunded"]
    # the same confirmation again, or a larger one, never refunds more than was paid
    for again in (confirmed, event("refunded", refunded_amount=99999)):
        changes, events, _ = domain.apply_platform(done, again, NOW)
        assert events == [] and apply(done, changes)["refunded_vnd"] == 15000


def test_only_what_is_still_due_is_cancelled():
    due, paid = online_fee(), domain.fee_payment(received("cash"), NOW)
    assert domain.cancel(due)[0] == {"status": "cancelled"}
    assert domain.cancel(paid) == ({}, [])


def notice(pay_by):
    envelope = {"dossier_code": CODE, "sequence": 9, "occurred_at": NOW, "correlation_id": "c"}
    body = {"amount_vnd": 1_500_000, "pay_by": pay_by, "reason": "Lệ phí trước bạ"}
    return domain.obligation_payment(envelope, body, "X28720")


def test_a_notice_unpaid_past_its_deadline_is_raised_once():
    p = notice(NOW + timedelta(days=1))
    assert p["_id"] == f"{CODE}-N9" and p["kind"] == "obligation" and p["wants_online"]
    assert domain.overdue(p, NOW) == ({}, [])
    changes, events = domain.overdue(p, NOW + timedelta(days=2))
    assert changes == {"overdue_raised": True} and [t for t, _ in events] == ["payment_overdue"]
    assert domain.overdue(apply(p, changes), NOW + timedelta(days=3)) == ({}, [])
    # no new pay link is asked for once the deadline passed (the counter still takes it)
    assert not domain.needs_attempt(p, NOW + timedelta(days=2))


def test_the_figures_of_a_period():
    cash = domain.fee_payment(received("cash"), NOW)
    online = apply(online_fee(), domain.apply_platform(online_fee(), event("paid"), NOW)[0])
    obligation = {**notice(NOW), "status": "paid", "method": "transfer", "paid_at": NOW}
    figures = domain.figures([cash, online, obligation])
    assert figures["collected_vnd"] == {
        "cash": 15000, "transfer": 1_500_000, "post": 0, "online": 15000, "total": 1_530_000,
    }  # fmt: skip
    assert figures["fees"] == {"paid": 2, "online": 1, "online_share": 0.5}
    assert domain.figures([])["fees"]["online_share"] is None


def test_reconciliation_names_every_mismatch():
    mine = apply(online_fee(), domain.apply_platform(online_fee(), event("paid"), NOW)[0])
    theirs = {"reference": f"{CODE}-F-1", "payment_ref": "PAY000000000001", "status": "paid",
              "amount": 15000, "refunded_amount": 0}  # fmt: skip
    assert domain.reconcile([mine], [theirs]) == []
    stranger = {**theirs, "reference": "X1-260101-0001-N3-1", "payment_ref": "PAY2"}
    kinds = [m["mismatch"] for m in domain.reconcile([mine], [theirs, stranger])]
    assert kinds == ["not_recorded_here"]
    assert [m["mismatch"] for m in domain.reconcile([mine], [{**theirs, "amount": 1}])] == [
        "amount_differs"
    ]
    assert [
        m["mismatch"] for m in domain.reconcile([mine], [{**theirs, "refunded_amount": 5}])
    ] == ["refund_differs"]
    (missing,) = domain.reconcile([mine], [])
    assert (missing["mismatch"], missing["payment_id"]) == ("unknown_to_platform", f"{CODE}-F")
