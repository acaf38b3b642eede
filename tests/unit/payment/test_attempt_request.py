"""The payment service's request for a pay link: the link lives until a notice's deadline, but
never longer than the platform accepts (a week), whatever the deadline."""

from datetime import UTC, datetime, timedelta

import pytest

from contracts import money
from contracts.payment_platform import PaymentRequestSchema
from services.payment.domain import attempt_request

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


def notice(pay_by: datetime | None) -> dict:
    return {
        "_id": "X28720-261205-0001-N4",
        "kind": money.OBLIGATION,
        "amount_vnd": 1_500_000,
        "dossier_code": "X28720-261205-0001",
        "reason": "Lệ phí trước bạ nhà, đất",
        "pay_by": pay_by,
        "attempts": 0,
    }


@pytest.mark.parametrize(
    ("pay_by", "seconds"),
    [
        (NOW + timedelta(days=10), money.FEE_ATTEMPT_SECONDS),  # capped at the platform's week
        (NOW + timedelta(days=2), 2 * 24 * 3600),
        (NOW + timedelta(seconds=5), 60),
        (None, money.FEE_ATTEMPT_SECONDS),  # a fee: the default
    ],
)
def test_the_pay_link_lives_until_the_deadline_within_the_platforms_limit(pay_by, seconds):
    request = attempt_request(notice(pay_by), "http://127.0.0.1:8200", NOW)
    assert request["expires_in_seconds"] == seconds
    assert PaymentRequestSchema().validate(request) == {}  # the platform accepts it
