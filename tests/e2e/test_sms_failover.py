"""SMS provider failover on the real Kannel with two SMS centres (README: SMS provider failover):
provider-a's fakesmsc stopped, the SMS Kannel holds for it stay its own, new SMS go out through
provider-b once provider-a crossed the error threshold, provider-a back, its probe succeeds and
the route comes back; every SMS reaches the phone once, counted over both fakesmsc logs; the
counts per provider and the active provider are on notification's /metrics."""

import math
import os
import random
import time
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
    pool = iter(phones(20))
    used: list[str] = []

    def send() -> str:
        phone, msisdn = next(pool)
        receiver.receive("HT-03", phone=phone)
        used.append(msisdn)
        return msisdn

    def at(log: str, since: int) -> set[str]:
        return {to for to, _ in received(log, since, set(used))}

    stack("provider-stop", A)
    # SMS one a second, as citizens come: Kannel holds them for provider-a (errors) until the
    # route leaves it (the local threshold: half of its last 10 judged sends, 3 judged at least)
    before_switch = []
    for _ in range(12):
        before_switch.append(send())
        time.sleep(1)
        if active() == B:
            break
    assert active() == B, "no switch to provider-b"
    through_b = {send() for _ in range(3)}
    eventually(lambda: through_b <= at(B_LOG, since_b), 30, "the SMS after the switch at B")
    assert at(FAKESMSC_LOG, since_a) == set()  # provider-a is away

    stack("provider-start", A)  # Kannel delivers what it held, through provider-a
    eventually(
        lambda: at(FAKESMSC_LOG, since_a) | at(B_LOG, since_b) == set(used),
        30,
        "every SMS at one SMS centre once provider-a is back",
    )
    held = at(FAKESMSC_LOG, since_a)
    # the errors that made it switch: at least the error rate of the fewest sends judged
    rate = float(os.environ.get("LT_SMS_FAILOVER_ERROR_RATE") or 0.5)
    fewest = int(os.environ.get("LT_SMS_FAILOVER_MIN_SAMPLES") or 5)
    assert held <= set(before_switch) and len(held) >= math.ceil(rate * fewest), held
    eventually(lambda: active() == A, 60, "the switch back after provider-a's probe")
    last = send()
    eventually(lambda: last in at(FAKESMSC_LOG, since_a), 30, "the SMS after the switch back")

    # every SMS once, over both SMS centres; none held for provider-a went out through B
    in_a, in_b = received(FAKESMSC_LOG, since_a, set(used)), received(B_LOG, since_b, set(used))
    both = Counter(in_a + in_b)
    assert len(both) == len(used) and set(both.values()) == {1}, both
    assert {to for to, _ in in_a} == held | {last} and not held & {to for to, _ in in_b}

    now = metrics()

    def grew(name: str, provider: str, outcome: str | None = None) -> float:
        key = (f"lienthong_{name}", provider, outcome)
        return now.get(key, 0) - before.get(key, 0)

    assert grew("sms_sent_total", B) >= len(in_b)
    assert grew("sms_sent_total", A) >= len(in_a)  # those held for it, and the one after
    assert grew("sms_send_errors_total", A, "held") >= len(held)
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
