"""The short chaos run (`make test-chaos`, part of `make test`): 300 dossiers over every route
shape while each service is killed once and RabbitMQ and the database server restart once; the
run's own verification must find nothing lost, nothing applied twice, nothing stuck."""

import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.chaos


def test_short_chaos_run_loses_nothing_and_applies_nothing_twice():
    args = ["--dossiers", "300", "--kills", "1", "--workers", "16"]
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "tests.chaos.runner", *args],
        capture_output=True,
        text=True,
        timeout=1500,
    )
    summary = (out.stdout.strip().splitlines() or [""])[-1]
    counts = dict(re.findall(r"(\w+)=(\d+)", summary))
    assert summary.startswith("chaos: "), out.stderr[-4000:]
    assert counts["dossiers"] == "300" and int(counts["faults"]) == 7, summary
    assert (counts["lost"], counts["duplicated"], counts["stuck"]) == ("0", "0", "0"), (
        summary + "\n" + out.stderr[-4000:]
    )
    assert counts["parked"] == "0" and out.returncode == 0, summary
