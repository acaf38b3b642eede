"""Idempotency-Key: a client that lost an answer asks again with the same key, and the dossier
is received once, the action applied once, even when the service died while answering."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.conftest import BASE, eventually, required_documents, stack

pytestmark = pytest.mark.e2e
OFFICE = "X28702"


def body() -> dict:
    return {
        "procedure_code": "HT-03",
        "applicant": {"name": "Trần Thị Bình", "phone": "0912345678"},
        "documents": required_documents("HT-03"),
    }


def post(officer, path: str, data: dict, key: str):
    return officer.post_with(path, data, {"Idempotency-Key": key})


@pytest.fixture
def receiver(officers):
    officer = officers(OFFICE, "receiver")

    def post_with(path, data, headers):
        return requests.post(
            f"{BASE}{path}", json=data, headers={**officer.headers, **headers}, timeout=60
        )

    officer.post_with = post_with
    return officer


def test_a_repeated_receive_makes_one_dossier(receiver):
    key = uuid.uuid4().hex
    first = post(receiver, "/api/dossiers", body(), key)
    again = post(receiver, "/api/dossiers", body(), key)
    other = post(receiver, "/api/dossiers", body(), uuid.uuid4().hex)
    assert first.status_code == again.status_code == other.status_code == 201, first.text
    assert first.json()["code"] == again.json()["code"] != other.json()["code"]
    assert first.json()["receipt"] == again.json()["receipt"]


def test_a_repeated_action_is_applied_once(receiver, officers):
    handler = officers(OFFICE, "handler")
    code = receiver.receive("HT-03")["code"]
    handler.wait_in_worklist(code)
    key = uuid.uuid4().hex

    def act(data, k):
        return requests.post(
            f"{BASE}/api/dossiers/{code}/actions",
            json=data,
            headers={**handler.headers, "Idempotency-Key": k},
            timeout=60,
        )

    assert act({"action": "accept"}, key).status_code == 200
    assert act({"action": "accept"}, key).status_code == 200  # not 409: it was this request
    assert act({"action": "accept"}, uuid.uuid4().hex).status_code == 409  # a new request
    extend = {
        "action": "extend",
        "reason": "cần xác minh",
        "new_due_at": "2099-01-05T09:00:00+07:00",
    }
    k2 = uuid.uuid4().hex
    assert act(extend, k2).status_code == act(extend, k2).status_code == 200
    history = [h["type"] for h in handler.dossier(code)["history"]]
    assert history.count("dossier_accepted") == 1 and history.count("dossier_extended") == 1


def test_a_bad_key_is_400(receiver):
    for key in ("short", "x" * 65, "has space here", "a/b/c/d/e/f"):
        r = post(receiver, "/api/dossiers", body(), key)
        assert r.status_code == 400, (key, r.text)


@pytest.mark.parametrize("queued", [1, 4])
def test_receive_asked_again_after_intake_died_makes_one_dossier(receiver, queued):
    """intake stops; the client's attempts wait in its queue (the gateway answers 503); intake
    comes back and handles them all at once, with the client's next attempt: each takes a number,
    one wins the key, the others answer with its dossier and store nothing of their own (found
    by a chaos run: four queued attempts made four dossiers)."""
    key = uuid.uuid4().hex
    before = receiver.receive("HT-03")["code"]
    stack("service-stop", "intake")
    try:
        with ThreadPoolExecutor(queued) as pool:
            waited = list(
                pool.map(lambda _: post(receiver, "/api/dossiers", body(), key), range(queued))
            )
        assert [r.status_code for r in waited] == [503] * queued, [r.text for r in waited]
    finally:
        stack("service-start", "intake")
    again = post(receiver, "/api/dossiers", body(), key)
    assert again.status_code == 201, again.text
    code = again.json()["code"]
    after = receiver.receive("HT-03")["code"]
    # Between the dossiers received before and after there is exactly one: the request's; the
    # numbers the losers took stay unused.
    prefix, first, last = before[:-4], int(before[-4:]), int(after[-4:])
    assert 2 <= last - first <= queued + 2, (before, after)
    eventually(lambda: receiver.get(f"/api/dossiers/{code}").status_code == 200, 30, code)
    found = {
        n: receiver.get(f"/api/dossiers/{prefix}{n:04d}").status_code
        for n in range(first + 1, last)
    }
    assert found.pop(int(code[-4:])) == 200, found
    assert set(found.values()) <= {404}, found
