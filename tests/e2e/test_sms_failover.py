"""SMS provider failover on the real Kannel with two SMS centres (README: SMS provider failover):
provider-a's fakesmsc stopped, the SMS Kannel holds for it stay its own, new SMS go out through
provider-b once provider-a crossed the error threshold, provider-a back, its probe succeeds and
the route comes back; every SMS reaches the phone once, counted over both fakesmsc logs; the
counts per provider and the active provider are on notification's /metrics."""

import os
import random
from collections import Counter

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from services.notification.fakesmsc import read_received
from tests.e2e.conftest import FAKESMSC_LOG, eventually, stack

pytestmark = pytest.mark.e2e
A, B = "provider-a", "provider-b"
B_LOG = os.environ.get("LT_FAKESMSC_B_LOG", ".stack/kannel/fakesmsc-b.log")
NOTIFICATION = f"http://127.0.0.1:{int(os.environ.get('LT_SERVICE_PORT_BASE', 8000)) + 4}"


def metrics() -> dict[tuple, float]:
    """notification's SMS series: {(name, provider, outcome): value}."""
    r = requests.get(f"{NOTIFICATION}/metrics", timeout=10)
    found = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            if s.name.startswith("lienthong_sms_") and "provider" in s.labels:
                found[s.name, s.labels["provider"], s.labels.get("outcome")] = s.value
    return found


def active() -> str | None:
    on = [p for (name, p, _), v in metrics().items() if name.endswith("active_provider") and v]
    return on[0] if len(on) == 1 else None


def phones(n: int) -> list[tuple[str, str]]:
    """(phone as typed, msisdn) pairs no other test uses."""
    picked = random.sample(range(10**7), n)
    return [(f"094{x:07d}", f"8494{x:07d}") for x in picked]


def received(log: str, since: int, msisdns: set[str]) -> list[tuple[str, str]]:
    return [(s.to, s.text) for s in read_received(log)[since:] if s.to in msisdns]


@pytest.fixture
def provider_a_back():
    """Whatever happens, provider-a's SMS centre is started again after the test."""
    yield
    stack("provider-start", A)


def test_provider_down_fails_over_then_back_and_no_sms_goes_out_twice(officers, provider_a_back):
    receiver = officers("X28720", "receiver")
    eventually(lambda: active() == A, 90, "provider-a active before the test")
    since_a, since_b = len(read_received(FAKESMSC_LOG)), len(read_received(B_LOG))
    before = metrics()
    numbers = phones(7)
    held, through_b, after = numbers[:3], numbers[3:6], numbers[6:]
    mine = {m for _, m in numbers}

    stack("provider-stop", A)
    for phone, _ in held:  # Kannel holds them for provider-a: three errors, the threshold
        receiver.receive("HT-03", phone=phone)
    eventually(lambda: active() == B, 30, "the switch to provider-b")
    for phone, _ in through_b:
        receiver.receive("HT-03", phone=phone)
    want_b = {m for _, m in through_b}
    eventually(
        lambda: {to for to, _ in received(B_LOG, since_b, mine)} == want_b,
        30,
        "the SMS sent after the switch at provider-b",
    )
    assert received(FAKESMSC_LOG, since_a, mine) == []  # provider-a is away

    stack("provider-start", A)  # Kannel delivers what it held, through provider-a
    want_a = {m for _, m in held}
    eventually(
        lambda: {to for to, _ in received(FAKESMSC_LOG, since_a, mine)} == want_a,
        30,
        "the held SMS at provider-a once it is back",
    )
    eventually(lambda: active() == A, 60, "the switch back after provider-a's probe")
    for phone, _ in after:
        receiver.receive("HT-03", phone=phone)
    want_a |= {m for _, m in after}
    eventually(
        lambda: {to for to, _ in received(FAKESMSC_LOG, since_a, mine)} == want_a,
        30,
        "the SMS sent after the switch back at provider-a",
    )

    # every SMS once, over both SMS centres, each where the route sent it
    in_a, in_b = received(FAKESMSC_LOG, since_a, mine), received(B_LOG, since_b, mine)
    both = Counter(in_a + in_b)
    assert len(both) == len(numbers) and set(both.values()) == {1}, both
    assert {to for to, _ in in_a} == want_a and {to for to, _ in in_b} == want_b

    now = metrics()

    def grew(name: str, provider: str, outcome: str | None = None) -> float:
        key = (f"lienthong_{name}", provider, outcome)
        return now.get(key, 0) - before.get(key, 0)

    assert grew("sms_sent_total", B) >= 3
    assert grew("sms_sent_total", A) >= 4  # the three held for it, and the one after
    assert grew("sms_send_errors_total", A, "held") >= 3
    assert now[("lienthong_sms_active_provider", A, None)] == 1
    assert now[("lienthong_sms_active_provider", B, None)] == 0
    assert now[("lienthong_sms_provider_connected", A, None)] == 1


@pytest.fixture
def single_provider():
    """notification restarted with the settings of one provider: SMS_PROVIDERS empty."""
    stack("service-stop", "notification")
    configured = os.environ.get("LT_SMS_PROVIDERS")
    os.environ["LT_SMS_PROVIDERS"] = ""
    try:
        stack("service-start", "notification")
        yield
    finally:
        if configured is None:
            del os.environ["LT_SMS_PROVIDERS"]
        else:
            os.environ["LT_SMS_PROVIDERS"] = configured
        stack("service-stop", "notification")
        stack("service-start", "notification")


def test_the_single_provider_setting_sends_through_kannels_default_route(officers, single_provider):
    """The settings an operator had before failover: no SMS_PROVIDERS, no smsc= in the send;
    Kannel's default-smsc (provider-a) takes it, and the counter names the gateway."""
    ((phone, msisdn),) = phones(1)
    since_a, since_b = len(read_received(FAKESMSC_LOG)), len(read_received(B_LOG))
    officers("X28720", "receiver").receive("HT-03", phone=phone)
    eventually(lambda: received(FAKESMSC_LOG, since_a, {msisdn}), 30, "the SMS at provider-a")
    assert received(B_LOG, since_b, {msisdn}) == []
    found = metrics()
    assert found.get(("lienthong_sms_sent_total", "kannel", None)) == 1
    assert not any(name.endswith("active_provider") for name, _, _ in found)
