"""The short chaos run (`make test-chaos`, part of `make test`): 300 dossiers over every route
shape while each service is killed once and RabbitMQ and the database server restart once; the
run's own verification must find nothing lost, nothing applied twice, nothing stuck.

The runner's log is kept in tests/artifacts/chaos/runner.log, whatever the outcome."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.chaos

LOG = Path(__file__).resolve().parents[1] / "artifacts" / "chaos" / "runner.log"


def test_short_chaos_run_loses_nothing_and_applies_nothing_twice():
    args = ["--dossiers", "300", "--kills", "1", "--workers", "16"]
    args += ["--journey-timeout", "300", "--run-timeout", "900"]
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with LOG.open("w", encoding="utf-8") as log:
        out = subprocess.run(
            [sys.executable, "-W", "ignore", "-m", "tests.chaos.runner", *args],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            timeout=2000,
        )
    tail = LOG.read_text(encoding="utf-8")[-4000:]
    summary = (out.stdout.strip().splitlines() or [""])[-1]
    counts = dict(re.findall(r"(\w+)=(\d+)", summary))
    assert summary.startswith("chaos: "), tail
    assert counts["dossiers"] == "300" and int(counts["faults"]) == 7, summary
    assert (counts["lost"], counts["duplicated"], counts["stuck"]) == ("0", "0", "0"), (
        summary + "\n" + tail
    )
    assert counts["parked"] == "0" and counts["dead"] == "0" and out.returncode == 0, (
        summary + "\n" + tail
    )
