"""Two routing and two intake processes at once: no duplicate code, transition or event."""

import json
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from kombu import Connection, Exchange, Queue

from tests.e2e.conftest import stack

pytestmark = pytest.mark.e2e

AMQP_URI = os.environ.get("LT_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
DOSSIERS = 24


@pytest.fixture
def second_instances():
    for name in ("routing:2", "intake:2"):
        stack("service-start", name)
    yield
    for name in ("routing-2", "intake-2"):
        stack("service-stop", name)


@pytest.fixture
def event_tap():
    """Every routing and intake event published while the test runs."""
    with Connection(AMQP_URI) as conn:
        queue = Queue(
            "",
            exclusive=True,
            auto_delete=True,
            bindings=[],
        )
        channel = conn.channel()
        queue = queue(channel)
        queue.declare()
        for service in ("routing", "intake"):
            exchange = Exchange(f"{service}.events", type="topic", durable=True)
            exchange(channel).declare()
            queue.bind_to(exchange=exchange, routing_key="#")
        seen: list[dict] = []

        def drain() -> list[dict]:
            while (message := queue.get(no_ack=True)) is not None:
                body = message.body
                seen.append(json.loads(body) if isinstance(body, bytes | str) else body)
            return seen

        yield drain


def journey(receiver, handler, code):
    handler.wait_in_worklist(code, timeout=90)
    with ThreadPoolExecutor(2) as pool:  # two officers press "accept" at the same moment
        answers = list(
            pool.map(
                lambda _: handler.post(f"/api/dossiers/{code}/actions", {"action": "accept"}),
                range(2),
            )
        )
    assert sorted(a.status_code for a in answers) == [200, 409]
    handler.act(code, "resolve")
    receiver.wait_state(code, "ready_at_counter", timeout=90)
    receiver.act(code, "hand_over")
    return receiver.dossier(code)


def test_two_routing_and_two_intake_processes(officers, second_instances, event_tap):
    receiver, handler = officers("X28702", "receiver"), officers("H824", "handler")
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: receiver.receive("XD-01")["code"], range(DOSSIERS)))
    assert len(set(codes)) == DOSSIERS, "a dossier code was given twice"
    with ThreadPoolExecutor(6) as pool:
        dossiers = list(pool.map(lambda c: journey(receiver, handler, c), codes))

    once = [
        "dossier_received",
        "dossier_forwarded",
        "dossier_arrived",
        "dossier_accepted",
        "dossier_resolved",
        "result_returned",
        "result_handed_over",
    ]
    for d in dossiers:
        assert d["state"] == "returned"
        counts = Counter(e["type"] for e in d["history"])
        assert {t: counts[t] for t in once} == dict.fromkeys(once, 1), d["code"]
        assert len(d["control_sheet"]) == 2

    events = event_tap()
    mine = [e for e in events if e["dossier_code"] in set(codes)]
    distinct = {(e["dossier_code"], e["type"], e["message_id"]) for e in mine}
    per_type = Counter((code, type_) for code, type_, _ in distinct)
    for code in codes:
        for type_ in once[1:]:
            assert per_type[code, type_] == 1, (code, type_)
        assert per_type[code, "dossier_received"] == 1
