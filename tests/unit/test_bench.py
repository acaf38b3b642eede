"""The benchmark's pure parts: the closed-loop driver's counting and the table's ceilings."""

from types import SimpleNamespace

from bench.measure import closed_loop
from bench.report import table


def test_closed_loop_counts_201_as_answered_and_the_rest_as_errors():
    calls = []

    def call(client):
        calls.append(client)
        return SimpleNamespace(status_code=201 if len(calls) % 3 else 503)

    result = closed_loop(["a", "b"], 0.05, call)
    assert result["clients"] == 2
    assert result["accepted"] + result["errors"] == len(calls)
    assert result["errors"] == len(calls) // 3
    assert result["request_ms"]["n"] == result["accepted"]
    assert result["accepted"] > 0 and result["per_s"] > 0
    assert set(calls) == {"a", "b"}


def _result(ceilings: dict) -> dict:
    return {
        "finished_at": "2026-12-03T21:00:00",
        "size": "small",
        "machine": {"cores": 2, "memory_gb": 23.5},
        "ceilings": {
            "rabbitmq": {"publish_confirmed_per_s": 1600.0, "consume_per_s": 9000.0},
            "database": {"update_by_id_per_s": 900.0, "find_by_id_per_s": 1600.0},
            **ceilings,
        },
        "figures": {
            "intake_dossiers_per_s": {
                "value": 18.0,
                "unit": "dossiers/s",
                "ceiling": "http_rpc_per_s",
                "ratio": 0.0643,
            }
        },
    }


def test_table_shows_the_framework_ceilings_when_measured():
    framework = {"framework": {"clients": 16, "http_per_s": 420.0, "http_rpc_per_s": 280.0}}
    text = table(_result(framework))
    assert "| nameko HTTP, empty handler (16 clients) | 420 req/s |" in text
    assert "| nameko HTTP + one RPC, empty handlers | 280 req/s |" in text
    assert "| intake_dossiers_per_s | 18.0 dossiers/s | 0.0643 × http_rpc_per_s |" in text


def test_table_of_an_older_run_without_framework_ceiling():
    text = table(_result({}))
    assert "nameko" not in text
    assert "| database update_one by _id | 900 ops/s |" in text
