"""The short chaos run (`make test-chaos`, part of `make test`): 300 dossiers over every route
shape, 60 of them paying online (30 fees paid on the platform's pay page before acceptance, 30
notices of financial obligation the platform pays by itself), while each service (payment
included) is killed once, RabbitMQ and the database server restart once and one SMS provider is
away for 20 s (SMS fail over to the other and back; none sent twice across them); the run's own
verification must find nothing lost, nothing applied twice, nothing stuck (no payment missing,
doubled, charged twice or left unpaid; no dossier left waiting for its money), and every
service running at the end; and the counters must then agree with the dossiers. A service that
exited by itself and was started again by its supervisor (deploy/local/supervise.sh, as compose
and Kubernetes do) is named with its last errors in a warning (`crashed=` in the summary).

The runner's log is kept in tests/artifacts/chaos/runner.log, whatever the outcome."""

import io
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from pymongo import MongoClient

from services.ops.recount import recount
from tests.chaos.plan import SERVICES

pytestmark = pytest.mark.chaos

LOG = Path(__file__).resolve().parents[1] / "artifacts" / "chaos" / "runner.log"


def account(log: str) -> str:
    """What a failure message shows of the runner's log: its faults and events (the deaths of
    services with their last errors among them), then the first few problem dossiers."""
    lines = log.splitlines()
    problems = [x for x in lines if re.search(r"\] (stuck|lost|duplicated)", x)]
    events = [x for x in lines if x not in problems and "settling:" not in x]
    settling = [x for x in lines if "settling:" in x][-1:]  # what a stack that never settled held
    shown = events[-40:] + settling + problems[:10]
    if len(problems) > 10:
        shown.append(f"... and {len(problems) - 10} more problem lines in {LOG}")
    return "\n".join(shown)[-8000:]


# on a cluster (LT_RABBITMQ_NODES=3, `make test-cluster`) each node is killed once too
NODES = int(os.environ.get("LT_RABBITMQ_NODES") or 1)
NODE_KILLS = NODES if NODES > 1 else 0


def test_short_chaos_run_loses_nothing_and_applies_nothing_twice():
    args = ["--dossiers", "300", "--kills", "1", "--workers", "16"]
    args += ["--journey-timeout", "300", "--run-timeout", "900"]
    args += ["--fault-window", str(90 + 10 * NODE_KILLS)]
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with LOG.open("w", encoding="utf-8") as log:
        out = subprocess.run(
            [sys.executable, "-W", "ignore", "-m", "tests.chaos.runner", *args],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            timeout=2000,
        )
    tail = account(LOG.read_text(encoding="utf-8"))
    summary = (out.stdout.strip().splitlines() or [""])[-1]
    counts = dict(re.findall(r"(\w+)=(\d+)", summary))
    assert summary.startswith("chaos: "), tail
    faults = len(SERVICES) + 3 + NODE_KILLS
    assert counts["dossiers"] == "300" and int(counts["faults"]) == faults, summary
    assert (counts["lost"], counts["duplicated"], counts["stuck"]) == ("0", "0", "0"), (
        summary + "\n" + tail
    )
    assert counts["parked"] == "0" and counts["dead"] == "0" and out.returncode == 0, (
        summary + "\n" + tail
    )
    # 30 fees paid online, 30 obligations (each dossier's fee paid at the counter too)
    assert counts["payments"] == "90", summary
    assert counts["portal"] == "300", summary  # every dossier at the portal at its last version
    if counts["crashed"] != "0":  # started again by the supervisor, nothing lost: say it loudly
        warnings.warn(f"{summary}: a service exited by itself\n{tail}", stacklevel=1)
    if counts["broker_started"] != "0":  # a RabbitMQ node a fault left down: say it too
        warnings.warn(f"{summary}: a RabbitMQ node stayed down\n{tail}", stacklevel=1)


def test_the_counters_agree_with_the_dossiers_after_the_chaos_run():
    """`make recount` after the run: every counter row kept by the folders through the kills and
    restarts equals the sum of what the stored aggregates count for (nothing counted twice or
    missed), once the changes still in flight have landed."""
    client = MongoClient(os.environ["LT_MONGO_URI"], tz_aware=True)
    prefix = os.environ.get("LT_MONGO_DATABASE_PREFIX", "lienthong_")
    adapter = os.environ.get("LT_STORE_ADAPTER") or "journal"
    out = io.StringIO()
    assert recount(client, prefix, adapter, settle=90, out=out) == {}, out.getvalue()[-4000:]
