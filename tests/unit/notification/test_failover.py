"""Unit tests of the SMS provider failover's decisions (services/notification/failover.py): pure
functions of samples, probes, the route and the time; nothing is sent, nothing is mocked."""

from datetime import UTC, datetime, timedelta

import pytest

from services.notification.failover import (
    EPOCH,
    Route,
    Sample,
    Settings,
    Unsaved,
    decide,
    health,
    initial,
    judged_since,
    outcome_of,
    provider_for,
    settings_from,
)
from services.notification.kannel import GatewayError, GatewayRefused, GatewayTimeout

T0 = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
S = Settings(("provider-a", "provider-b"), 0.5, 10.0, 3, 60.0, 30.0, 20)
A, B = "provider-a", "provider-b"
UP = {A: True, B: True}


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def sent(
    provider: str, t: float, outcome: str = "accepted", report: float | None = 0.2, failed=False
):
    """A send at `t` s, reported `report` s later (None: no report yet)."""
    reported = at(t + report) if report is not None and outcome == "accepted" else None
    return Sample(provider, at(t), outcome, reported, failed)


ROUTE_A = Route(0, A, EPOCH, "configured")


# --- settings ----------------------------------------------------------------------------------
def test_no_provider_or_one_provider_means_no_failover():
    assert not settings_from({}).enabled
    one = settings_from({"SMS_PROVIDERS": "provider-a"})
    assert one.providers == (A,) and not one.enabled
    assert decide(initial(one), [sent(A, 0, "held")] * 9, UP, at(100), one) is None


def test_settings_are_read_and_checked():
    s = settings_from(
        {
            "SMS_PROVIDERS": " provider-a, provider-b ",
            "SMS_FAILOVER_ERROR_RATE": "0.25",
            "SMS_FAILOVER_LATENCY_SECONDS": "15",
            "SMS_FAILOVER_MIN_SAMPLES": "4",
            "SMS_FAILOVER_WINDOW_SECONDS": "90",
            "SMS_FAILBACK_AFTER_SECONDS": "20",
            "SMS_FAILOVER_LAST_SAMPLES": "8",
        }
    )
    assert s == Settings((A, B), 0.25, 15.0, 4, 90.0, 20.0, 8) and s.enabled
    with pytest.raises(ValueError, match="twice"):
        settings_from({"SMS_PROVIDERS": "a,a"})
    with pytest.raises(ValueError, match="SMS_FAILOVER_ERROR_RATE"):
        settings_from({"SMS_PROVIDERS": "a,b", "SMS_FAILOVER_ERROR_RATE": "2"})
    with pytest.raises(ValueError, match="SMS_FAILOVER_LATENCY_SECONDS must be a number"):
        settings_from({"SMS_PROVIDERS": "a,b", "SMS_FAILOVER_LATENCY_SECONDS": "soon"})
    with pytest.raises(ValueError, match="smsc-id"):
        settings_from({"SMS_PROVIDERS": "a,b&smsc=c"})


# --- health ------------------------------------------------------------------------------------
def test_a_provider_with_too_few_sends_is_not_judged():
    h = health(A, [sent(A, 0, "held"), sent(A, 1, "held")], at(2), S)
    assert (h.judged, h.errors, h.healthy, h.verdict) == (2, 2, True, "too few sends")


def test_errors_at_the_rate_make_a_provider_unhealthy():
    samples = [sent(A, 0, "held"), sent(A, 1), sent(A, 2, "refused"), sent(A, 3)]
    h = health(A, samples, at(5), S)
    assert (h.judged, h.errors) == (4, 2) and not h.healthy
    assert h.verdict == "unhealthy: 2 errors in 4 sends"
    assert health(A, [*samples, sent(A, 4)], at(5), S).healthy  # 2 in 5: under 0.5


def test_a_busy_provider_is_judged_on_its_last_sends_only():
    """A minute of good sends does not hide the errors of the last seconds."""
    good = [sent(A, t / 10) for t in range(200)]
    held = [sent(A, 21 + t / 10, "held") for t in range(10)]
    h = health(A, good + held, at(23), S)
    assert (h.judged, h.errors) == (20, 10) and not h.healthy  # S: the last 20
    assert health(A, good + held[:9], at(23), S).healthy  # 9 of the last 20


def test_a_failed_report_and_a_timeout_are_errors():
    samples = [sent(A, 0, failed=True), sent(A, 1, "timeout"), sent(A, 2)]
    assert health(A, samples, at(3), S).errors == 2


def test_slow_reports_make_a_provider_unhealthy_by_their_median():
    fast, slow = [sent(A, t) for t in range(2)], [sent(A, t, report=12) for t in range(2, 5)]
    h = health(A, fast + slow, at(30), S)
    assert h.errors == 0 and h.latency == 12 and h.verdict.startswith("unhealthy: median")
    assert health(A, fast + slow[:1] + fast, at(30), S).healthy  # one slow of five


def test_a_send_without_report_counts_once_it_is_later_than_the_threshold():
    waiting = [sent(A, t, report=None) for t in range(3)]
    young = health(A, waiting, at(5), S)
    assert young.judged == 0 and young.healthy  # too young to say anything
    late = health(A, waiting, at(15), S)
    assert late.judged == 3 and late.latency == 14 and not late.healthy


def test_other_providers_samples_are_ignored():
    assert health(A, [sent(B, t, "held") for t in range(5)], at(6), S).judged == 0


# --- decisions ---------------------------------------------------------------------------------
def test_an_unhealthy_provider_is_left_for_one_whose_probe_succeeds():
    samples = [sent(A, t, "held") for t in range(3)]
    switched = decide(ROUTE_A, samples, UP, at(3), S)
    assert switched == Route(1, B, at(3), "provider-a unhealthy: 3 errors in 3 sends")


def test_no_switch_to_a_provider_that_is_down_or_not_probed():
    samples = [sent(A, t, "held") for t in range(3)]
    assert decide(ROUTE_A, samples, {A: False, B: False}, at(3), S) is None
    assert decide(ROUTE_A, samples, {A: None, B: None}, at(3), S) is None  # Kannel away


def test_a_healthy_active_provider_stays():
    assert decide(ROUTE_A, [sent(A, t) for t in range(9)], UP, at(10), S) is None


def test_switching_back_waits_for_the_probe_and_the_hold():
    on_b = Route(1, B, at(0), "provider-a unhealthy")
    fine = [sent(B, t) for t in range(1, 5)]
    assert decide(on_b, fine, {A: False, B: True}, at(40), S) is None  # A still away
    assert decide(on_b, fine, UP, at(20), S) is None  # A back, but only 20 s on B
    back = decide(on_b, fine, UP, at(31), S)
    assert back == Route(2, A, at(31), "provider-a's probe succeeded")


def test_the_active_provider_is_judged_only_since_it_became_active():
    old_errors = [sent(A, t, "held") for t in range(3)]  # before the switch back at 31 s
    back = Route(2, A, at(31), "provider-a's probe succeeded")
    since = judged_since(back, at(35), S)
    assert since == at(31)
    assert decide(back, [s for s in old_errors if s.sent_at >= since], UP, at(35), S) is None
    # … and within the window: an active provider is judged on its last minute only
    assert judged_since(ROUTE_A, at(600), S) == at(540)


def test_a_clock_moved_back_neither_sticks_the_route_nor_hides_errors():
    """The stack's clock moved forward (a test, the chaos run at night), a switch made then, the
    clock back: the route counts as an old one, and sends dated ahead of the clock are left out."""
    ahead = Route(1, B, at(3600), "provider-a unhealthy")
    assert judged_since(ahead, at(100), S) == at(40)  # the window, not an hour ahead
    assert decide(ahead, [], UP, at(100), S) == Route(2, A, at(100), "provider-a's probe succeeded")
    future_errors = [sent(A, 3000 + t, "held") for t in range(5)]
    assert health(A, future_errors + [sent(A, t) for t in range(3)], at(10), S).errors == 0


def test_a_fallback_that_fails_too_moves_on_or_stays():
    three = Settings((A, B, "provider-c"), 0.5, 10.0, 3, 60.0, 30.0, 20)
    on_b = Route(1, B, at(0), "x")
    errors = [sent(B, t, "refused") for t in range(1, 4)]
    probes = {A: False, B: True, "provider-c": True}
    assert decide(on_b, errors, probes, at(5), three).active == "provider-c"
    assert decide(on_b, errors, {**probes, "provider-c": False}, at(5), three) is None


def test_a_route_naming_a_provider_no_longer_configured_goes_to_the_preferred_one():
    gone = Route(4, "provider-old", at(0), "x")
    assert decide(gone, [], UP, at(1), S) == Route(5, A, at(1), "provider-old not configured")


def test_the_preferred_provider_is_the_first_and_the_route_starts_there():
    assert initial(S) == Route(0, A, EPOCH, "configured")


# --- one message, one provider -----------------------------------------------------------------
def test_a_message_kannel_may_hold_for_a_provider_goes_only_through_that_provider():
    assert provider_for({"_id": "m"}, B) == B
    assert provider_for({"_id": "m", "held_by": A}, B) == A
    assert provider_for({"_id": "m"}, None) is None  # Kannel's own route


def test_outcomes_of_a_send():
    assert outcome_of("0: Accepted for delivery", None) == "accepted"
    assert outcome_of("3: Queued for later delivery", None) == "held"
    assert outcome_of(None, GatewayRefused("kannel 503")) == "refused"
    assert outcome_of(None, GatewayTimeout("no answer")) == "timeout"
    assert outcome_of(None, GatewayError("kannel unreachable")) is None  # no provider's fault
    assert outcome_of(None, GatewayError("rate limit")) is None


# --- what a process holds before writing it ------------------------------------------------
def test_unsaved_reports_keep_the_first_time_and_any_failure():
    held = Unsaved()
    held.report("m1", T0 + timedelta(seconds=5), failed=False)
    held.report("m1", T0 + timedelta(seconds=2), failed=True)  # came first, said failed
    held.report("m1", T0 + timedelta(seconds=9), failed=False)
    assert held.reports == {"m1": (T0 + timedelta(seconds=2), True)}


def test_unsaved_is_full_at_its_limit_and_empty_once_taken():
    held = Unsaved(limit=3)
    held.send("provider-a", "m1", T0, "accepted")
    held.report("m1", T0, failed=False)
    assert not held.full
    held.send("provider-a", "m2", T0, "held")
    assert held.full
    sends, reports = held.take()
    assert [s["message_id"] for s in sends] == ["m1", "m2"] and list(reports) == ["m1"]
    assert (held.sends, held.reports, held.full) == ([], {}, False)


def test_unsaved_given_back_comes_before_what_came_since_and_stays_bounded():
    held = Unsaved(keep=3)
    held.send("provider-a", "m1", T0, "accepted")
    held.send("provider-a", "m2", T0, "accepted")
    sends, reports = held.take()
    held.send("provider-a", "m3", T0, "accepted")
    held.send("provider-a", "m4", T0, "accepted")
    held.give_back(sends, {"m0": (T0, True), **reports})
    assert [s["message_id"] for s in held.sends] == ["m2", "m3", "m4"]  # the oldest dropped
    assert held.reports == {"m0": (T0, True)}
