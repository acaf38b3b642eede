"""Unit tests for choosing the SMS gateway and rate-limiting it (nothing is sent)."""

import pytest

from services.notification.gateways import RateLimitedGateway, make_gateway
from services.notification.kannel import GatewayError, KannelGateway
from services.notification.ratelimit import RateLimiter
from services.notification.smpp import SmppGateway

KANNEL = {
    "KANNEL_SENDSMS_URL": "http://kannel:13013/cgi-bin/sendsms",
    "KANNEL_USERNAME": "lienthong",
    "KANNEL_PASSWORD": "pw",
}
SMPP = {
    "SMS_GATEWAY": "smpp",
    "SMPP_HOST": "smsc.example.vn",
    "SMPP_PORT": "2775",
    "SMPP_SYSTEM_ID": "lienthong",
    "SMPP_PASSWORD": "secret",
}


def test_kannel_is_the_default():
    made = make_gateway(KANNEL)
    assert isinstance(made, RateLimitedGateway)
    assert isinstance(made.gateway, KannelGateway)
    assert (made.gateway.url, made.gateway.username, made.gateway.password) == (
        "http://kannel:13013/cgi-bin/sendsms",
        "lienthong",
        "pw",
    )


def test_explicit_kannel():
    assert isinstance(make_gateway({**KANNEL, "SMS_GATEWAY": "kannel"}).gateway, KannelGateway)


def test_smpp_gateway_from_config():
    gw = make_gateway(SMPP).gateway
    assert isinstance(gw, SmppGateway)
    assert (gw.host, gw.port, gw.system_id, gw.password) == (
        "smsc.example.vn",
        2775,
        "lienthong",
        "secret",
    )
    assert gw._client is None  # binds lazily, on the first send


def test_unknown_gateway_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown SMS_GATEWAY 'http'.*kannel, smpp"):
        make_gateway({**KANNEL, "SMS_GATEWAY": "http"})


def test_missing_settings_are_named():
    with pytest.raises(ValueError, match="SMPP_PORT, SMPP_PASSWORD"):
        make_gateway({k: v for k, v in SMPP.items() if k not in ("SMPP_PORT", "SMPP_PASSWORD")})


def test_rate_defaults_and_overrides():
    default = make_gateway(KANNEL).limiter
    assert (default.rate, default.burst) == (20.0, 20)
    custom = make_gateway({**KANNEL, "SMS_RATE_PER_SECOND": "2.5", "SMS_BURST": 5}).limiter
    assert (custom.rate, custom.burst) == (2.5, 5)


def test_bad_rate_is_a_clear_error():
    with pytest.raises(ValueError, match="SMS_RATE_PER_SECOND"):
        make_gateway({**KANNEL, "SMS_RATE_PER_SECOND": "fast"})


class RecordingGateway:
    def __init__(self):
        self.sent = []

    def send(self, to, text, encoding, sender, dlr_url):
        self.sent.append((to, text, encoding, sender, dlr_url))
        return f"ref{len(self.sent)}"


class FakeLimiter:
    def __init__(self, grants: bool):
        self.grants, self.waits = grants, []

    def acquire(self, timeout):
        self.waits.append(timeout)
        return self.grants


def test_send_takes_a_token_then_sends():
    inner, limiter = RecordingGateway(), FakeLimiter(True)
    gw = RateLimitedGateway(inner, limiter)
    assert gw.send("84912345678", "x", "GSM7", "MOTCUA", "http://cb") == "ref1"
    assert inner.sent == [("84912345678", "x", "GSM7", "MOTCUA", "http://cb")]
    assert limiter.waits == [2.0]


def test_no_token_within_two_seconds_is_a_retryable_error_and_nothing_is_sent():
    inner = RecordingGateway()
    gw = RateLimitedGateway(inner, FakeLimiter(False))
    with pytest.raises(GatewayError, match="rate limit"):
        gw.send("84912345678", "x", "GSM7", "MOTCUA", "")
    assert inner.sent == []


def test_with_a_real_limiter_on_a_fake_clock():
    now, sleeps = [0.0], []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    inner = RecordingGateway()
    gw = RateLimitedGateway(inner, RateLimiter(0.4, 2, clock=lambda: now[0], sleep=sleep))
    gw.send("1", "a", "GSM7", "S", "")
    gw.send("2", "b", "GSM7", "S", "")
    assert sleeps == []
    with pytest.raises(GatewayError, match="rate limit"):  # the next token is 2.5 s away
        gw.send("3", "c", "GSM7", "S", "")
    now[0] += 1.0
    gw.send("4", "d", "GSM7", "S", "")  # 1.5 s away now: waits for it
    assert sleeps == [pytest.approx(1.5)]
    assert [m[0] for m in inner.sent] == ["1", "2", "4"]


def test_only_smpp_answers_carry_references_for_receipts():
    """Kannel's reports come to the dlr-url, which names the message: its answer is no reference
    (and no messages_by_ref entry is written for it); SMPP's receipts name each part's id."""
    kannel = make_gateway(KANNEL)
    assert kannel.refs("0: Accepted for delivery") == []
    smpp = make_gateway(SMPP)
    assert smpp.refs("a1,b2") == ["a1", "b2"]
