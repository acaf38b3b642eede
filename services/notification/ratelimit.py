"""A token bucket limiting how fast SMS go to the gateway (carriers throttle per account)."""

import threading
import time
from collections.abc import Callable

# A token that is all but whole after float arithmetic counts as whole.
_EPSILON = 1e-9


class RateLimiter:
    """rate_per_second tokens a second, at most burst of them saved up; the bucket starts full.

    Safe to share between threads and eventlet greenthreads: the lock is held only for the
    arithmetic, never while waiting, and waiting is time.sleep looked up at call time, so it is
    green once eventlet has monkey-patched time. clock and sleep are for tests."""

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
    ):
        if not rate_per_second > 0:
            raise ValueError(f"rate_per_second must be > 0, got {rate_per_second!r}")
        if int(burst) != burst or burst < 1:
            raise ValueError(f"burst must be a whole number >= 1, got {burst!r}")
        self.rate, self.burst = float(rate_per_second), int(burst)
        self._clock, self._sleep = clock, sleep
        self._tokens = float(self.burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def _take(self) -> float:
        """Take a token and return 0.0, or return the seconds until one will be there."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)  # a clock going back adds nothing
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
            self._updated = now
            if self._tokens >= 1.0 - _EPSILON:
                self._tokens = max(0.0, self._tokens - 1.0)
                return 0.0
            return (1.0 - self._tokens) / self.rate

    def try_acquire(self) -> bool:
        """Take a token if there is one now."""
        return self._take() == 0.0

    def acquire(self, timeout: float | None = None) -> bool:
        """Take a token, waiting for one at most timeout seconds (None: as long as it takes).
        False at once when the next token cannot come within the timeout."""
        deadline = None if timeout is None else self._clock() + timeout
        while True:
            wait = self._take()
            if wait == 0.0:
                return True
            if deadline is not None:
                remaining = deadline - self._clock()
                if wait > remaining + _EPSILON:
                    return False
            (self._sleep or time.sleep)(wait)
