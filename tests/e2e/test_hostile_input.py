"""Hostile HTTP input against the running gateway: oversized and deeply nested bodies, MongoDB
operators smuggled into any field, odd Unicode, path tricks in codes and office ids. Each gets a
4xx with a JSON error, never a 500, and changes nothing: the dossier and the worklist read the
same before and after."""

import http.client
import json
from urllib.parse import urlsplit

import pytest
import requests

from services.common.web import MAX_BODY_BYTES, MAX_JSON_DEPTH
from tests.e2e.conftest import BASE, required_documents

pytestmark = pytest.mark.e2e
OFFICE = "X28720"


def raw_request(method: str, path: str, body: bytes = b"", headers=None) -> tuple[int, bytes]:
    """Send exactly this path and body (requests would normalise `..` and encode the path)."""
    url = urlsplit(BASE)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        sent = {"Content-Length": str(len(body)), "Content-Type": "application/json"}
        for k, v in {**sent, **(headers or {})}.items():
            conn.putheader(k, v)
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def assert_json_error(status: int, body: bytes, expect=None) -> dict:
    assert 400 <= status < 500, (status, body[:300])
    if expect:
        assert status == expect, (status, body[:300])
    error = json.loads(body)["error"]
    assert error["code"] and error["message"], error
    return error


@pytest.fixture(scope="module")
def world(officers):
    receiver, handler = officers(OFFICE, "receiver"), officers(OFFICE, "handler")
    code = receiver.receive("HT-03")["code"]
    handler.wait_in_worklist(code)
    return receiver, handler, code


def snapshot(handler, code):
    d = handler.dossier(code)
    stable = {k: d[k] for k in ("state", "history", "control_sheet", "route", "appointment_at")}
    worklist = sorted((x["code"], x["state"]) for x in handler.worklist())
    return stable, worklist


def good_body(**changes) -> dict:
    body = {
        "procedure_code": "HT-03",
        "applicant": {"name": "Nguyễn Văn An", "phone": "0912345678"},
        "documents": required_documents("HT-03"),
    }
    body.update(changes)
    return body


def nested(depth: int):
    value: object = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


BODIES = {
    "operator in a string field": good_body(procedure_code={"$gt": ""}),
    "$where at the top": {**good_body(), "$where": "sleep(10000) || true"},
    "operator in the applicant": good_body(applicant={"name": {"$ne": None}, "phone": "0912"}),
    "operator key inside the applicant": good_body(
        applicant={"name": "An", "phone": "0912345678", "$set": {"state": "returned"}}
    ),
    "operator in a document id": good_body(documents=[{"id": {"$regex": ".*"}, "count": 1}]),
    "dotted key": {**good_body(), "applicant.name": "An"},
    "NUL in a name": good_body(applicant={"name": "An\x00admin", "phone": "0912345678"}),
    "right-to-left override": good_body(applicant={"name": "An\u202egnp.exe", "phone": "0912"}),
    "escape sequence": good_body(applicant={"name": "\x1b[2J An", "phone": "0912345678"}),
    "too deep": {**good_body(), "extra": nested(MAX_JSON_DEPTH + 5)},
    "a list, not an object": [good_body()],
    "a string": "HT-03",
}
RAW_BODIES = {
    "lone surrogate": (
        b'{"procedure_code": "HT-03", "applicant": {"name": "An \\ud800", "phone": "0912"}}'
    ),
    "not UTF-8": b'{"procedure_code": "HT-03\xff\xfe"}',
    "not JSON": b"procedure_code=HT-03",
    "NaN": b'{"procedure_code": "HT-03", "documents": [{"id": "x", "count": NaN}]}',
    "huge number": b'{"procedure_code": "HT-03", "documents": [{"id": "x", "count": 1e999}]}',
    "recursion bomb": b"[" * 100_000 + b"]" * 100_000,
    "truncated": b'{"procedure_code": "HT-0',
}
ACTIONS = {
    "operator as the action": {"action": {"$ne": "stop"}},
    "operator beside the action": {"action": "accept", "$where": "1"},
    "operator in a reason": {"action": "request_supplement", "reason": {"$gt": ""}},
    "dotted key in an action": {"action": "accept", "history.0": "x"},
    "unknown field": {"action": "accept", "state": "returned"},
    "NUL in a note": {"action": "accept", "note": "ok\x00"},
    "deep note": {"action": "accept", "note": nested(MAX_JSON_DEPTH + 1)},
}


def test_hostile_bodies_are_refused_and_change_nothing(world):
    receiver, handler, code = world
    before = snapshot(handler, code)
    auth = {"Content-Type": "application/json", **receiver.headers}
    for name, body in BODIES.items():
        status, raw = raw_request("POST", "/api/dossiers", json.dumps(body).encode(), auth)
        assert_json_error(status, raw), name
    for name, body in RAW_BODIES.items():
        status, raw = raw_request("POST", "/api/dossiers", body, auth)
        assert_json_error(status, raw, 400), name
    for name, body in ACTIONS.items():
        for who in (receiver, handler):
            path = f"/api/dossiers/{code}/actions"
            status, raw = raw_request("POST", path, json.dumps(body).encode(), who.headers)
            assert_json_error(status, raw), (name, who.role)
    # a good body that does not say it is JSON is not taken for one
    for media_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        headers = {**receiver.headers, "Content-Type": media_type}
        body = json.dumps(good_body()).encode()
        status, raw = raw_request("POST", "/api/dossiers", body, headers)
        assert_json_error(status, raw, 415), media_type
    assert snapshot(handler, code) == before


def test_oversized_bodies_get_413_with_or_without_a_length(world):
    receiver, handler, code = world
    before = snapshot(handler, code)
    big = json.dumps(good_body(note="x" * (MAX_BODY_BYTES + 10))).encode()
    status, raw = raw_request("POST", "/api/dossiers", big, receiver.headers)
    assert_json_error(status, raw, 413)

    def chunks():  # chunked transfer: no Content-Length to refuse on
        yield b'{"action": "accept", "note": "'
        for _ in range(MAX_BODY_BYTES // 4096 + 2):
            yield b"x" * 4096
        yield b'"}'

    r = requests.post(
        f"{BASE}/api/dossiers/{code}/actions", data=chunks(), headers=handler.headers, timeout=30
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    assert snapshot(handler, code) == before


def test_path_tricks_in_codes_and_office_ids_are_404_json(world):
    receiver, handler, code = world
    before = snapshot(handler, code)
    paths = [
        f"/api/dossiers/{code}%00",
        f"/api/dossiers/{code}%2f..%2f..%2foffices%2f{OFFICE}%2fworklist",
        f"/api/dossiers/..%2f{code}",
        "/api/dossiers/%24where",
        "/api/dossiers/X28720-260230-0001",  # 30 February
        f"/api/dossiers/{code.lower()}",
        "/api/dossiers/X28720-%EF%BC%92%EF%BC%96%EF%BC%90%EF%BC%91%EF%BC%90%EF%BC%91-0001",
        "/api/offices/%24gt/worklist",
        f"/api/offices/{OFFICE}%00/worklist",
        f"/api/offices/..%2F{OFFICE}/worklist",
        f"/api/offices/{OFFICE.lower()}/worklist",
        "/api/offices/X28720%E2%80%AE/worklist",
        f"/api/dossiers/{code}/../../offices/{OFFICE}/worklist",
        "/api/../../etc/passwd",
        "/api/nothing-here",
    ]
    for path in paths:
        status, raw = raw_request("GET", path, headers=handler.headers)
        assert_json_error(status, raw, 404), path
    status, raw = raw_request("DELETE", f"/api/dossiers/{code}", headers=handler.headers)
    assert json.loads(raw)["error"]["allowed"] == ["GET", "HEAD"]
    assert_json_error(status, raw, 405)
    status, raw = raw_request("POST", f"/api/dossiers/{code}%00/actions", b'{"action":"accept"}')
    assert_json_error(status, raw)
    assert snapshot(handler, code) == before


def test_hostile_query_parameters_are_400(world):
    receiver, handler, code = world
    before = snapshot(handler, code)
    queries = [
        "/api/stats?office[$gt]=&from=2026-01-01&to=2026-12-31",
        "/api/stats?office=X28720&from=2026-01-01%00&to=2026-12-31",
        "/api/stats?office=X28720&from=2026-01-01&to=2026-12-31&$where=1",
        "/api/stats?office=X28720&from=2026-01-01&to=2026-12-31&a.b=1",
        f"/api/offices/{OFFICE}/worklist?state[$ne]=x",
        "/api/callbacks/sms?id[$ne]=1&type=1",
        "/api/callbacks/sms?id=" + "a" * 300 + "&type=1",
    ]
    for path in queries:
        status, raw = raw_request("GET", path, headers=handler.headers)
        assert_json_error(status, raw, 400), path
    for path in (
        "/api/stats?office=%24gt&from=2026-01-01&to=2026-12-31",
        "/api/stats?office=X28720&from=%ED%A0%80&to=2026-12-31",  # a surrogate, UTF-8 encoded
        "/api/stats?office=X28720&from=2026-13-01&to=2026-12-31",
    ):
        status, raw = raw_request("GET", path, headers=handler.headers)
        assert_json_error(status, raw), path
    assert snapshot(handler, code) == before


def test_odd_authorization_headers_are_401_json(world):
    _, handler, code = world
    # (a header line over 8 KB is refused by the HTTP server itself, before the gateway)
    for value in ("Bearer " + "a" * 5_000, 'Bearer {"$ne": null}', "Bearer\tabc", "Basic x"):
        status, raw = raw_request("GET", f"/api/dossiers/{code}", headers={"Authorization": value})
        assert_json_error(status, raw, 401), value


def test_good_input_still_works_after_the_attacks(world):
    receiver, handler, code = world
    handler.act(code, "accept", note="Ghi chú: hồ sơ đủ, tiếp nhận 🙂")
    assert handler.dossier(code)["state"] == "in_process"
