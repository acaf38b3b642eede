"""Unit tests for the token bucket, on a fake clock: nothing here really sleeps."""

import pytest

from services.notification.ratelimit import RateLimiter


class FakeTime:
    """A clock whose sleep moves it forward, recording each wait."""

    def __init__(self, now: float = 100.0):
        self.now, self.sleeps = now, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(rate, burst, t: FakeTime) -> RateLimiter:
    return RateLimiter(rate, burst, clock=t.clock, sleep=t.sleep)


def test_starts_with_a_full_burst_then_refuses():
    t = FakeTime()
    rl = limiter(20, 5, t)
    assert [rl.try_acquire() for _ in range(6)] == [True] * 5 + [False]


def test_refills_at_the_rate_up_to_the_burst():
    t = FakeTime()
    rl = limiter(10, 3, t)
    for _ in range(3):
        assert rl.try_acquire()
    t.now += 0.1  # one token
    assert rl.try_acquire()
    assert not rl.try_acquire()
    t.now += 60  # far more than the burst
    assert [rl.try_acquire() for _ in range(4)] == [True] * 3 + [False]


def test_fractional_tokens_add_up():
    t = FakeTime()
    rl = limiter(4, 1, t)
    assert rl.try_acquire()
    t.now += 0.125
    assert not rl.try_acquire()
    t.now += 0.125
    assert rl.try_acquire()


def test_acquire_waits_for_the_next_token():
    t = FakeTime()
    rl = limiter(20, 1, t)
    assert rl.acquire(2.0)
    assert rl.acquire(2.0)
    assert t.sleeps == [pytest.approx(0.05)]


def test_acquire_gives_up_at_once_when_a_token_cannot_come_in_time():
    t = FakeTime()
    rl = limiter(0.25, 1, t)  # one token every 4 s
    assert rl.try_acquire()
    assert not rl.acquire(2.0)
    assert t.sleeps == []
    assert rl.acquire(5.0)
    assert sum(t.sleeps) == pytest.approx(4.0)


def test_zero_timeout_is_try_acquire():
    t = FakeTime()
    rl = limiter(1, 1, t)
    assert rl.acquire(0)
    assert not rl.acquire(0)
    assert t.sleeps == []


def test_acquire_without_timeout_waits_as_long_as_needed():
    t = FakeTime()
    rl = limiter(0.01, 1, t)
    assert rl.try_acquire()
    assert rl.acquire()
    assert sum(t.sleeps) == pytest.approx(100.0)


def test_steady_rate_over_many_acquires():
    t = FakeTime(0.0)
    rl = limiter(20, 20, t)
    for _ in range(220):
        assert rl.acquire(2.0)
    # 20 from the burst, then 200 more at 20 a second
    assert t.now == pytest.approx(10.0)


def test_token_taken_meanwhile_by_another_caller_means_waiting_again():
    t = FakeTime()
    rl = limiter(10, 1, t)
    assert rl.try_acquire()

    def sleep_while_another_takes_the_token(seconds):
        t.sleep(seconds)
        if len(t.sleeps) == 1:
            assert rl.try_acquire()

    rl._sleep = sleep_while_another_takes_the_token
    assert rl.acquire(1.0)
    assert t.sleeps == [pytest.approx(0.1), pytest.approx(0.1)]


def test_clock_going_back_adds_no_tokens():
    t = FakeTime()
    rl = limiter(10, 1, t)
    assert rl.try_acquire()
    t.now -= 50
    assert not rl.try_acquire()
    t.now += 0.1
    assert rl.try_acquire()


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0), (1, 1.5)])
def test_invalid_settings(rate, burst):
    with pytest.raises(ValueError):
        RateLimiter(rate, burst)
