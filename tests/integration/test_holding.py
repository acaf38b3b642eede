"""A holding event handler on the real RabbitMQ (services/common/messaging.py): a message whose
handler returned a `Held` stays unacknowledged, beyond the container's worker count, until it is
released; a process that dies first gets it delivered again."""

import time
import uuid

import pytest
from kombu import Connection
from nameko.standalone.events import event_dispatcher

from services.common.messaging import Held, hold_handler

pytestmark = pytest.mark.integration
SOURCE = f"lt_hold_{uuid.uuid4().hex[:6]}"
HELD: list[tuple[dict, Held]] = []


class HoldingService:
    name = f"{SOURCE}_service"

    @hold_handler(SOURCE, "ping")
    def on_ping(self, body):
        held = Held()
        HELD.append((body, held))
        return held


def wait_for(count: int, timeout: float = 20.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while len(HELD) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return sorted(body["n"] for body, _ in HELD)


def test_held_messages_are_acked_on_release_and_come_again_if_not(
    runner_factory, service_config, servers
):
    config = {**service_config, "max_workers": 4}
    runner = runner_factory(config, HoldingService)
    runner.start()
    dispatch = event_dispatcher(config)
    for n in range(12):
        dispatch(SOURCE, "ping", {"n": n})
    # three times the worker count, all held at once: a held message keeps no worker busy
    assert wait_for(12) == list(range(12))

    for _, held in HELD[:5]:
        held.release()
    time.sleep(0.5)
    runner.kill()  # the seven never released go back to the queue
    HELD.clear()

    runner = runner_factory(config, HoldingService)
    runner.start()
    try:
        assert wait_for(7) == list(range(5, 12))
        time.sleep(1)
        assert len(HELD) == 7  # the five released are not delivered again
        for _, held in HELD:
            held.release()
        time.sleep(0.5)
    finally:
        runner.kill()
        with Connection(servers["amqp"]) as conn:
            conn.channel().queue_delete(f"evt-{SOURCE}-ping--{HoldingService.name}.on_ping")
