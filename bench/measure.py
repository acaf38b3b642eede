"""Small measuring helpers: percentiles, rates, ratios to a ceiling."""

import statistics


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
