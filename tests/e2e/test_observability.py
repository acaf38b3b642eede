"""What operators see of the running stack: JSON log lines with the message's ids and no phone or
ID number in clear, the Prometheus series each process exposes, a consumer on every work queue."""

import json
import os
import re
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bench.stack import SERVICES, service_url
from services.common.messaging import DEAD_LETTER_QUEUE, RETRY_TIERS
from services.common.metrics import SERIES
from tests.e2e.conftest import eventually, required_documents

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
LOGS = Path(os.environ.get("LT_STACK_DIR", ROOT / ".stack")) / "logs"
RABBITMQ_API = os.environ.get("LT_RABBITMQ_API", "http://127.0.0.1:15672/api")
RABBITMQ_AUTH = (
    os.environ.get("LT_RABBITMQ_USER", "guest"),
    os.environ.get("LT_RABBITMQ_PASSWORD", "guest"),
)


def log_lines(name: str) -> list[str]:
    """The JSON lines of a process's log (not the warnings Python prints before logging starts)."""
    text = (LOGS / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    return [line for line in text.splitlines() if line.startswith("{")]


def strings(value):
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def test_log_lines_carry_the_message_ids_and_mask_phone_and_id_numbers(officers):
    receiver = officers("X28720", "receiver")
    phone, id_number = "0987654321", "079123456789"
    body = {
        "procedure_code": "HT-03",
        "applicant": {"name": "Trần Thị Bình", "phone": phone, "id_number": id_number},
        "documents": required_documents("HT-03"),
    }
    r = receiver.post("/api/dossiers", body)
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    # A citizen's number typed where a dossier code goes reaches the access log.
    for typed in (phone, id_number, "+84 987 654 321"):
        assert receiver.get(f"/api/dossiers/{typed}").status_code == 404

    def handled_receipt():
        for line in log_lines("routing"):
            entry = json.loads(line)
            if entry["dossier_code"] == code and entry["event"].startswith("handled"):
                return entry
        return None

    entry = eventually(handled_receipt, what=f"routing's log line about {code}")
    assert entry["message_id"] and entry["correlation_id"]
    # the dossier's SMS (ids included) show the number masked only
    dossier = eventually(
        lambda: (d := receiver.dossier(code)).get("sms") and d, what=f"the SMS of {code}"
    )
    for text in strings(dossier):
        assert phone[1:] not in re.sub(r"[ .\-+]", "", text), text
    eventually(
        lambda: any(phone[-3:] in line and "*" in line for line in log_lines("gateway")),
        what="the masked number in the gateway's access log",
    )
    for name in SERVICES:
        for line in log_lines(name):
            entry = json.loads(line)
            assert {"dossier_code", "message_id", "correlation_id"} <= entry.keys(), line
            digits = re.sub(r"[ .\-+]", "", line)
            assert phone[1:] not in digits and id_number not in digits, f"{name}: {line}"


def test_every_process_exposes_its_series_and_health():
    expected = {
        "intake": {"outbox_backlog"},
        "routing": {"outbox_backlog", "dossiers", "dossiers_overdue"},
        "postal": {"outbox_backlog"},
        "notification": {"sms_messages"},
        "gateway": set(),
    }
    common = {
        "messages_handled",
        "messages_failed",
        "handler_seconds",
        "dead_letter_depth",
        "db_commands",
    }
    for name, own in expected.items():
        url = service_url(name)
        wanted = {f"lienthong_{n}" for n in common | own}
        families = set()

        def exposed(url=url, wanted=wanted, families=families):
            # the gauges come from a snapshot read in the background: the first scrape starts it
            r = requests.get(f"{url}/metrics", timeout=10)
            assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
            families.clear()
            families.update(f.name for f in text_string_to_metric_families(r.text))
            return wanted <= families

        eventually(exposed, what=f"{name} exposing {sorted(wanted)}")
        assert families <= {s.removesuffix("_total") for s in SERIES}
        health = requests.get(f"{url}/healthz", timeout=10)
        assert health.status_code == 200
        assert health.json()["checks"] == {"broker": True, "database": True}
        assert requests.get(f"{url}/livez", timeout=10).status_code == 200


def test_handled_messages_are_counted_by_type(officers):
    def handled():
        r = requests.get(f"{service_url('routing')}/metrics", timeout=10)
        for family in text_string_to_metric_families(r.text):
            for s in family.samples:
                if s.name == "lienthong_messages_handled_total" and (
                    s.labels["type"] == "dossier_received"
                ):
                    return s.value
        return 0

    before = handled()
    officers("X28720", "receiver").receive("HT-03")
    eventually(lambda: handled() > before, what="routing counting the receipt")


def queues_without_consumer(definitions: dict) -> list[str]:
    """Queues that should have a consumer and have none (and queues missing from the broker)."""
    r = requests.get(f"{RABBITMQ_API}/queues", auth=RABBITMQ_AUTH, timeout=10)
    assert r.status_code == 200, r.text
    live = {q["name"]: q for q in r.json()}
    wrong = []
    for queue in definitions["queues"]:
        name = queue["name"]
        if name not in live:
            wrong.append(f"{name} (not declared)")
        elif name in RETRY_TIERS:
            # a retry tier: messages wait out their TTL, then dead-letter back to their queue
            policy = live[name].get("effective_policy_definition") or {}
            assert "message-ttl" in policy and policy.get("dead-letter-exchange") == ""
            assert live[name]["consumers"] == 0
        elif name == DEAD_LETTER_QUEUE:
            assert live[name]["consumers"] == 0  # parked: `make dlq` lists, `make redrive` moves
        elif not live[name].get("consumers"):
            wrong.append(name)
    # and the queues nameko declares for event handlers and RPC
    wrong += [n for n, q in live.items() if n.startswith(("evt-", "rpc-")) and not q["consumers"]]
    return wrong


def test_every_work_queue_of_the_broker_definitions_has_a_consumer():
    definitions = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    # the management API's consumer counts lag a few seconds behind the broker
    try:
        eventually(lambda: not queues_without_consumer(definitions), timeout=20)
    except AssertionError:
        pytest.fail(f"no consumer on {queues_without_consumer(definitions)}")
