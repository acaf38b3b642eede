"""What becomes of a message the gateway did not take (domain.after_failed_send): backoff, then
failed for good; a send our own rate limit held back is no attempt."""

from datetime import UTC, datetime, timedelta

import pytest

from services.notification import domain
from services.notification.gateways import RateLimitedGateway
from services.notification.kannel import GatewayError, RateLimited

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("before", range(len(domain.RETRY_DELAYS)))
def test_a_gateway_error_is_an_attempt_retried_after_its_backoff(before):
    status, fields = domain.after_failed_send(before, NOW, rate_limited=False)
    assert status == "queued"
    assert fields == {
        "attempts": before + 1,
        "next_attempt_at": NOW + timedelta(seconds=domain.RETRY_DELAYS[before]),
    }


def test_the_attempt_after_the_last_backoff_fails_for_good():
    last = len(domain.RETRY_DELAYS)
    assert domain.after_failed_send(last, NOW, rate_limited=False) == (
        "failed",
        {"attempts": last + 1},
    )


@pytest.mark.parametrize("before", [0, 3, len(domain.RETRY_DELAYS), 50])
def test_the_rate_limit_is_no_attempt_and_the_message_is_due_again_at_once(before):
    # however often the limit held it back, it never fails for that and keeps its attempts
    assert domain.after_failed_send(before, NOW, rate_limited=True) == (
        "queued",
        {"next_attempt_at": NOW},
    )


def test_the_rate_limited_gateway_says_rate_limited_which_is_a_gateway_error():
    class NoToken:
        def acquire(self, timeout):
            return False

    with pytest.raises(RateLimited) as raised:
        RateLimitedGateway(object(), NoToken()).send("84912345678", "x", "GSM7", "S", "")
    assert isinstance(raised.value, GatewayError)
