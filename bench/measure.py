"""Small measuring helpers: percentiles, rates, ratios to a ceiling."""

import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def percentiles(values: list[float]) -> dict:
    """p50/p95/p99 (nearest rank) and the count; empty when there are no values."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    return {
        "n": len(ordered),
        "p50": rank(50),
        "p95": rank(95),
        "p99": rank(99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def figure(value, unit: str, ceiling: str, ceiling_value, per_op_ms: bool = False) -> dict:
    """A system figure with its ratio to a ceiling of the same run. For a latency the ratio is
    how many ceiling operations fit in it (value / ceiling's time per operation)."""
    ratio = None
    if value is not None and ceiling_value:
        ratio = value / (1000.0 / ceiling_value) if per_op_ms else value / ceiling_value
    return {
        "value": value,
        "unit": unit,
        "ceiling": ceiling,
        "ratio": round(ratio, 4) if ratio is not None else None,
    }


def closed_loop(clients: list, seconds: float, call: Callable) -> dict:
    """Each client calls `call(client)` again as soon as it has its answer, for `seconds`: the
    requests answered 201 per second, the others counted as errors, request times in ms."""
    latencies, errors, stop = [], [], time.monotonic() + seconds
    lock = threading.Lock()

    def loop(client):
        while time.monotonic() < stop:
            started = time.perf_counter()
            status = call(client).status_code
            took = (time.perf_counter() - started) * 1000
            with lock:
                (latencies if status == 201 else errors).append(took)

    started = time.perf_counter()
    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(loop, clients))
    elapsed = time.perf_counter() - started
    return {
        "clients": len(clients),
        "seconds": round(elapsed, 2),
        "accepted": len(latencies),
        "errors": len(errors),
        "per_s": len(latencies) / elapsed,
        "request_ms": percentiles(latencies),
    }
