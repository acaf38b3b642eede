"""deploy/grafana/lienthong.json asks only for series the services expose, and shows them all."""

import json
import re
from pathlib import Path

from services.common.metrics import SERIES

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "lienthong.json"
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [t["expr"] for p in dashboard["panels"] for t in p["targets"]]


def test_every_query_uses_only_exposed_series():
    exposed = set(SERIES) | {s + suffix for s in SERIES for suffix in HISTOGRAM_SUFFIXES}
    used = {name for e in exprs() for name in re.findall(r"\blienthong_[a-z_]+", e)}
    assert used, "the dashboard queries nothing"
    assert used <= exposed, f"not exposed: {used - exposed}"


def test_every_exposed_series_is_on_the_dashboard():
    text = " ".join(exprs())
    missing = [s for s in SERIES if not re.search(rf"\b{s}(_bucket|_sum|_count)?\b", text)]
    assert not missing
