"""Phone verification by SMS one-time code through the real Kannel: the code as the phone gets
it, wrong codes counted and locked, expiry on the stack's clock, the limits per phone and per
client address, and the proof the notification service gives other services."""

import os
from datetime import timedelta

import pytest
import requests
from nameko.standalone.rpc import ClusterRpcProxy

from contracts.verification import CLIENT_LIMIT, MAX_TRIES, PHONE_LIMIT
from services.notification.fakesmsc import read_received
from tests.e2e.conftest import (
    BASE,
    FAKESMSC_LOG,
    client_headers,
    fresh_client,
    fresh_phone,
    msisdn_of,
    sms_code,
    verify_phone,
)

pytestmark = pytest.mark.e2e
AMQP_URI = os.environ.get("LT_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def ask(phone: str, client: str, purpose="online_submission") -> requests.Response:
    return requests.post(
        f"{BASE}/api/verifications",
        json={"phone": phone, "purpose": purpose},
        headers=client_headers(client),
        timeout=15,
    )


def answer(verification_id: str, code: str, client: str) -> requests.Response:
    return requests.post(
        f"{BASE}/api/verifications/{verification_id}",
        json={"code": code},
        headers=client_headers(client),
        timeout=15,
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def proven(verification_id: str, purpose: str):
    with ClusterRpcProxy({"AMQP_URI": AMQP_URI}) as rpc:
        return rpc.notification.verified_phone(verification_id, purpose)


def test_the_code_comes_by_sms_and_confirms_the_phone():
    phone, client = fresh_phone(), fresh_client()
    since = len(read_received(FAKESMSC_LOG))
    sent = ask(phone, client)
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["to"] == f"84******{phone[-3:]}"
    code = sms_code(phone, since)
    sms = [s for s in read_received(FAKESMSC_LOG)[since:] if s.to == msisdn_of(phone)]
    assert len(sms) == 1 and sms[0].coding == "text"  # one GSM-7 part
    assert sms[0].text.startswith(f"{code} la ma xac minh Mot cua de nop ho so truc tuyen")
    verification_id = body["verification_id"]
    assert proven(verification_id, "online_submission") is None  # not confirmed yet

    first = answer(verification_id, wrong(code), client)
    assert first.status_code == 422
    assert first.json()["error"]["code"] == "wrong_code"
    assert first.json()["error"]["tries_left"] == MAX_TRIES - 1
    right = answer(verification_id, code, client)
    assert right.status_code == 200, right.text
    assert right.json() == {"verified": True, "tries_left": MAX_TRIES - 1}
    # the proof: the phone, for this purpose only
    assert proven(verification_id, "online_submission") == msisdn_of(phone)
    assert proven(verification_id, "feedback") is None
    assert proven("not-an-id", "online_submission") is None


def test_wrong_codes_lock_the_verification():
    phone, client = fresh_phone(), fresh_client()
    since = len(read_received(FAKESMSC_LOG))
    verification_id = ask(phone, client).json()["verification_id"]
    code = sms_code(phone, since)
    answers = [answer(verification_id, wrong(code), client) for _ in range(MAX_TRIES)]
    assert [a.status_code for a in answers] == [422] * (MAX_TRIES - 1) + [429]
    assert answers[-1].json()["error"]["code"] == "too_many_tries"
    late = answer(verification_id, code, client)  # the right code, too late
    assert late.status_code == 429
    assert proven(verification_id, "online_submission") is None


def test_a_code_expires(stack_clock):
    phone, client = fresh_phone(), fresh_client()
    since = len(read_received(FAKESMSC_LOG))
    verification_id = ask(phone, client).json()["verification_id"]
    code = sms_code(phone, since)
    stack_clock.set(timedelta(minutes=11))
    expired = answer(verification_id, code, client)
    assert expired.status_code == 410
    assert expired.json()["error"]["code"] == "code_expired"


def test_a_proof_lasts_half_an_hour(stack_clock):
    phone = fresh_phone()
    verification_id = verify_phone(phone, "feedback")
    assert proven(verification_id, "feedback") == msisdn_of(phone)
    stack_clock.set(timedelta(minutes=31))
    assert proven(verification_id, "feedback") is None


def test_codes_are_limited_per_phone_and_per_client():
    phone_limit, client_limit = PHONE_LIMIT[0], CLIENT_LIMIT[0]
    # one phone, from different addresses
    phone = fresh_phone()
    asked = [ask(phone, fresh_client()) for _ in range(phone_limit + 1)]
    assert [a.status_code for a in asked] == [201] * phone_limit + [429]
    assert asked[-1].json()["error"]["code"] == "too_many_codes"
    # one address, different phones
    client = fresh_client()
    asked = [ask(fresh_phone(), client) for _ in range(client_limit + 1)]
    assert [a.status_code for a in asked] == [201] * client_limit + [429]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"phone": "0283123456", "purpose": "feedback"}, 422, "invalid_phone"),  # a landline
        ({"phone": "12ab", "purpose": "feedback"}, 422, "invalid_phone"),
        ({"phone": "0912345678", "purpose": "lottery"}, 422, "invalid_input"),
        ({"phone": "0912345678"}, 422, "invalid_input"),
    ],
)
def test_bad_requests_are_refused(body, status, code):
    r = requests.post(
        f"{BASE}/api/verifications", json=body, headers=client_headers(fresh_client()), timeout=15
    )
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code


def test_an_unknown_or_malformed_verification_is_404():
    client = fresh_client()
    for verification_id in ("A" * 24, "short"):
        r = answer(verification_id, "123456", client)
        assert r.status_code == 404
    r = answer("A" * 24, "12345x", client)
    assert r.status_code == 422
