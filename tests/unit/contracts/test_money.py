"""The rules of money (contracts/money.py): whole VND only, formatting, receipt numbers, what
may be refunded, and when a notice is overdue."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from contracts import money

NOW = datetime(2026, 12, 5, 3, tzinfo=UTC)


class Amount(Schema):
    amount_vnd = money.vnd_field(required=True)


@pytest.mark.parametrize(
    "value, ok",
    [
        (1, True),
        (150_000, True),
        (money.MAX_VND, True),
        (0, False),
        (-5, False),
        (money.MAX_VND + 1, False),
        (150000.0, False),  # a float, even a whole one
        (150000.5, False),
        ("150000", False),
        (True, False),
        (None, False),
    ],
)
def test_an_amount_is_a_whole_number_of_vnd(value, ok):
    if ok:
        assert Amount().load({"amount_vnd": value}) == {"amount_vnd": value}
    else:
        with pytest.raises(ValidationError):
            Amount().load({"amount_vnd": value})


@pytest.mark.parametrize(
    "body, found",
    [
        ({"amount_vnd": 1500000}, []),
        ({"amount_vnd": 1500000.5}, ["amount_vnd"]),
        ({"amount_vnd": 1500000.0}, ["amount_vnd"]),
        ({"fee": {"amount_vnd": 2.5}, "x": [{"amount_vnd": 1.5}]}, ["amount_vnd", "amount_vnd"]),
        ({"reason": 1.5}, []),
        ([], []),
        ("text", []),
    ],
)
def test_fractional_amounts_are_found_at_any_depth(body, found):
    assert money.fractional_amounts(body) == found


@pytest.mark.parametrize(
    "amount, text",
    [(0, "0 ₫"), (2000, "2.000 ₫"), (15000, "15.000 ₫"), (1_500_000, "1.500.000 ₫")],
)
def test_amounts_are_written_the_vietnamese_way(amount, text):
    assert money.format_vnd(amount) == text
    assert money.format_vnd_ascii(amount) == text.replace("₫", "d")


def test_ids_and_receipt_numbers_name_their_dossier_and_notice():
    code = "X28720-261205-0001"
    assert money.fee_payment_id(code) == f"{code}-F"
    assert money.obligation_payment_id(code, 7) == f"{code}-N7"
    assert money.receipt_number(f"{code}-N7") == f"BL-{code}-N7"
    assert money.attempt_reference(f"{code}-F", 2) == f"{code}-F-2"
    assert money.refund_reference(f"{code}-F") == f"{code}-F-R"


def payment(status="paid", amount=15000, refunded=0, pay_by=None):
    return {"status": status, "amount_vnd": amount, "refunded_vnd": refunded, "pay_by": pay_by}


@pytest.mark.parametrize(
    "p, left",
    [
        (payment(), 15000),
        (payment(refunded=5000), 10000),
        (payment("refunded", refunded=15000), 0),
        (payment("due"), 0),
        (payment("cancelled"), 0),
    ],
)
def test_what_may_still_be_refunded(p, left):
    assert money.refundable(p) == left


@given(st.integers(1, 10**7), st.integers(0, 10**7), st.integers(-10, 2 * 10**7))
def test_a_refund_never_exceeds_what_was_paid(amount, refunded, ask):
    p = payment(amount=amount, refunded=min(refunded, amount))
    if 0 < ask <= money.refundable(p):
        money.check_refund(p, ask)
    else:
        with pytest.raises(ValueError):
            money.check_refund(p, ask)


def test_a_refund_is_a_whole_number():
    with pytest.raises(ValueError):
        money.check_refund(payment(), 100.0)


@pytest.mark.parametrize(
    "p, overdue",
    [
        (payment("due", pay_by=NOW - timedelta(seconds=1)), True),
        (payment("due", pay_by=NOW), False),  # at the deadline it is still on time
        (payment("due", pay_by=None), False),  # a fee has no deadline
        (payment("paid", pay_by=NOW - timedelta(days=1)), False),
    ],
)
def test_a_notice_is_overdue_once_its_deadline_passed_unpaid(p, overdue):
    assert money.is_overdue(p, NOW) is overdue
