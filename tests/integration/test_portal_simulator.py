"""The national public-service portal simulator as a real process: the key, versions accepted in
order and never overwritten by an older one, invalid records, and every fault (rate limit,
outage, failures, latency) with the admin API's counts."""

import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contracts.portal import AdminStatsSchema, DossierVersionsSchema

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "test-portal-key"
_NUMBERS = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(base: str, method: str, path: str, body=None, key: str | None = API_KEY):
    """(status, JSON body, headers)."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()), exc.headers


def start(*flags: str):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "services.portal.simulator", "--port", str(port), *flags],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            if call(base, "GET", "/health", key=None)[0] == 200:
                return process, base
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("portal simulator did not start")
        time.sleep(0.1)


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def portal():
    process, base = start("--api-key", API_KEY, "--seed", "7")
    yield base
    stop(process)


@pytest.fixture(autouse=True)
def no_faults(request):
    """Every test leaves the module's simulator without faults."""
    yield
    if "portal" in request.fixturenames:
        base = request.getfixturevalue("portal")
        assert call(base, "POST", "/admin/outage", {"seconds": 0})[0] == 200
        faults = {"latency": 0, "fail_rate": 0, "rate_limit": 0}
        assert call(base, "POST", "/admin/faults", faults)[0] == 200


def new_code() -> str:
    return f"X28720-261205-{next(_NUMBERS):04d}"


def record(code: str, version: int, status: int = 4, **changes) -> dict:
    received = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    body = {
        "code": code,
        "version": version,
        "province_id": "T82",
        "receiving_office_id": "X28720",
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "channel": 1,
        "status": status,
        "received_at": received.isoformat(),
        "appointment_at": (received + timedelta(days=3)).isoformat(),
        "legal_due_at": (received + timedelta(days=3)).isoformat(),
        "return_method": "counter",
        "history": [
            {
                "at": received.isoformat(),
                "type": "receive",
                "status": 2,
                "office_id": "X28720",
                "by": "Nguyễn Văn A",
            }
        ],
        "fees": [
            {
                "payment_id": "FEE-1",
                "kind": "fee",
                "amount_vnd": 50000,
                "method": "cash",
                "paid_at": received.isoformat(),
                "receipt_number": "BL-000001",
                "refunded_vnd": 0,
            }
        ],
    }
    body.update(changes)
    return body


def put(base: str, body: dict, key: str | None = API_KEY):
    return call(base, "PUT", f"/dossiers/{body['code']}", body, key=key)


def stats(base: str) -> dict:
    status, body, _ = call(base, "GET", "/admin/stats")
    assert status == 200
    assert AdminStatsSchema().validate(body) == {}
    return body


# ---- the key ----------------------------------------------------------------------------------


def test_every_request_needs_the_key(portal):
    code = new_code()
    for key in (None, "wrong-key"):
        status, body, headers = put(portal, record(code, 1), key=key)
        assert status == 401
        assert body["error"]["code"] == "unauthorized"
        assert headers["WWW-Authenticate"] == "Bearer"
        assert call(portal, "GET", f"/dossiers/{code}", key=key)[0] == 401
        assert call(portal, "GET", "/dossiers", key=key)[0] == 401
        assert call(portal, "GET", "/admin/stats", key=key)[0] == 401
        assert call(portal, "POST", "/admin/outage", {"seconds": 60}, key=key)[0] == 401
    assert call(portal, "GET", f"/dossiers/{code}")[0] == 404  # nothing was stored
    assert call(portal, "GET", "/health", key=None)[0] == 200


# ---- versions ---------------------------------------------------------------------------------


def test_versions_are_accepted_in_order_and_never_overwritten_by_an_older_one(portal):
    code = new_code()
    status, body, _ = put(portal, record(code, 1, status=2))
    assert (status, body) == (
        201,
        {"code": code, "version": 1, "accepted": True, "unchanged": False},
    )
    status, body, _ = put(portal, record(code, 3, status=4))
    assert (status, body["accepted"], body["unchanged"]) == (200, True, False)

    status, body, _ = put(portal, record(code, 3, status=4))  # a repeat: nothing changes
    assert (status, body) == (
        200,
        {"code": code, "version": 3, "accepted": False, "unchanged": True},
    )

    status, body, _ = put(portal, record(code, 2, status=9))  # late: refused
    assert status == 409
    assert body["error"]["code"] == "stale_version"
    assert body["error"]["stored_version"] == 3

    status, body, _ = put(portal, record(code, 3, status=9))  # same version, another record
    assert status == 409
    assert body["error"] == {**body["error"], "code": "version_conflict", "stored_version": 3}

    status, body, _ = call(portal, "GET", f"/dossiers/{code}")
    assert status == 200
    assert DossierVersionsSchema().validate(body) == {}
    assert body["versions"] == [1, 3]
    assert len(body["received_at"]) == 2
    assert body["received_at"] == sorted(body["received_at"])
    assert body["record"]["version"] == 3 and body["record"]["status"] == 4
    assert body["record"]["fees"][0]["amount_vnd"] == 50000
    assert body["record"]["postal"] == [] and body["record"]["digitisation"] == {}


def test_out_of_order_pushes_are_counted(portal):
    code = new_code()
    before = stats(portal)
    put(portal, record(code, 5))
    put(portal, record(code, 4))
    put(portal, record(code, 1))
    after = stats(portal)
    assert after["out_of_order"] - before["out_of_order"] == 2
    assert after["dossiers"] - before["dossiers"] == 1


def test_the_list_by_province_and_time(portal):
    since = datetime.now(UTC).isoformat()
    code, other = new_code(), new_code()
    put(portal, record(code, 2, status=9))
    put(portal, record(other, 1, province_id="T01"))
    status, body, _ = call(
        portal, "GET", "/dossiers?province=T82&updated_since=" + since.replace("+", "%2B")
    )
    assert status == 200
    assert [(d["code"], d["version"], d["status"]) for d in body["dossiers"]] == [(code, 2, 9)]
    later = (datetime.now(UTC) + timedelta(seconds=5)).isoformat().replace("+", "%2B")
    assert call(portal, "GET", f"/dossiers?updated_since={later}")[1] == {"dossiers": []}
    assert call(portal, "GET", "/dossiers?updated_since=2026-12-05T08:00:00")[0] == 422  # naive


def test_unknown_dossier_is_404(portal):
    status, body, _ = call(portal, "GET", "/dossiers/X28720-261205-9999")
    assert status == 404
    assert body["error"]["code"] == "not_found"


def test_invalid_records_are_422_and_store_nothing(portal):
    code = new_code()
    fee = record(code, 1)["fees"][0]
    for body in (
        record(code, 1, status=11),
        record(code, 1, status=0),
        record(code, 1, channel=4),
        record(code, 0),
        record(code, 1, timing="soon"),
        record(code, 1, received_at="2026-12-05T08:00:00"),
        record(code, 1, fees=[{**fee, "amount_vnd": 50000.0}]),
        record(code, 1, surprise=True),
        record("X28720-261205-9998", 1),  # not the URL's dossier
    ):
        status, answer, _ = call(portal, "PUT", f"/dossiers/{code}", body)
        assert status == 422, body
        assert answer["error"]["code"] == "invalid_request"
    status, answer, _ = call(portal, "PUT", f"/dossiers/{code}", record(code, 1, status=11))
    assert "status" in answer["error"]["message"]
    request = urllib.request.Request(
        f"{portal}/dossiers/{code}",
        data=b"not json",
        method="PUT",
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=5)
    assert exc.value.code == 422
    assert call(portal, "GET", f"/dossiers/{code}")[0] == 404


# ---- faults -----------------------------------------------------------------------------------


def test_the_rate_limit_answers_429_with_retry_after(portal):
    assert call(portal, "POST", "/admin/faults", {"rate_limit": 2})[1]["rate_limit"] == 2
    code = new_code()
    answers = [put(portal, record(code, version)) for version in range(1, 7)]
    limited = [(status, headers) for status, _, headers in answers if status == 429]
    assert limited, [status for status, _, _ in answers]
    assert all(int(headers["Retry-After"]) >= 1 for _, headers in limited)
    _, body, _ = next(answer for answer in answers if answer[0] == 429)
    assert body["error"]["code"] == "rate_limited"
    accepted = [version for version, (s, _, _) in enumerate(answers, 1) if s in (200, 201)]
    time.sleep(1.1)  # the bucket refills
    status, body, _ = call(portal, "GET", f"/dossiers/{code}")
    assert status == 200
    assert body["versions"] == accepted  # what was refused was not stored
    assert call(portal, "GET", "/health", key=None)[0] == 200  # never limited


def test_an_outage_answers_503_then_the_portal_recovers(portal):
    code = new_code()
    assert put(portal, record(code, 1))[0] == 201
    status, faults, _ = call(portal, "POST", "/admin/outage", {"seconds": 1})
    assert status == 200 and 0 < faults["outage_seconds_left"] <= 1
    status, body, headers = put(portal, record(code, 2))
    assert status == 503
    assert body["error"]["code"] == "unavailable"
    assert headers["Retry-After"] == "1"
    assert call(portal, "GET", f"/dossiers/{code}")[0] == 503
    assert call(portal, "GET", "/health", key=None)[0] == 200  # the probe and admin stay up
    assert call(portal, "GET", "/admin/stats")[0] == 200
    time.sleep(1.1)
    assert put(portal, record(code, 2))[0] == 200
    assert call(portal, "GET", f"/dossiers/{code}")[1]["versions"] == [1, 2]


def test_a_failing_portal_answers_500_and_stores_nothing(portal):
    code = new_code()
    assert put(portal, record(code, 1))[0] == 201
    assert call(portal, "POST", "/admin/faults", {"fail_rate": 1.0})[1]["fail_rate"] == 1.0
    for version in (2, 3):
        status, body, _ = put(portal, record(code, version, status=9))
        assert status == 500
        assert body["error"]["code"] == "internal_error"
    status, body, _ = call(portal, "GET", f"/dossiers/{code}")  # reads do not fail
    assert status == 200
    assert body["versions"] == [1] and body["record"]["status"] == 4
    call(portal, "POST", "/admin/faults", {"fail_rate": 0})
    assert put(portal, record(code, 3, status=9))[0] == 200


def test_latency_delays_every_answer(portal):
    code = new_code()
    call(portal, "POST", "/admin/faults", {"latency": 0.3})
    for method, path, body in (
        ("PUT", f"/dossiers/{code}", record(code, 1)),
        ("GET", f"/dossiers/{code}", None),
    ):
        started = time.monotonic()
        status, _, _ = call(portal, method, path, body)
        assert status in (200, 201)
        assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    call(portal, "GET", "/admin/stats")
    assert time.monotonic() - started < 0.3  # admin is never delayed


def test_admin_faults_and_stats(portal):
    status, body, _ = call(portal, "POST", "/admin/faults", {"fail_rate": 2})
    assert status == 422
    status, body, _ = call(portal, "POST", "/admin/faults", {"surprise": 1})
    assert status == 422
    before = stats(portal)
    code = new_code()
    put(portal, record(code, 1))
    put(portal, record(code, 1))
    put(portal, record(code, 1, status=11))
    put(portal, record(code, 1), key="wrong")
    call(portal, "GET", f"/dossiers/{code}")
    after = stats(portal)

    def delta(status: str) -> int:
        return after["requests"].get(status, 0) - before["requests"].get(status, 0)

    assert {s: delta(s) for s in ("200", "201", "401", "422")} == {
        "200": 2,
        "201": 1,
        "401": 1,
        "422": 1,
    }
    assert after["faults"] == {
        "latency": 0.0,
        "fail_rate": 0.0,
        "rate_limit": 0.0,
        "outage_seconds_left": 0.0,
    }


def test_the_page_lists_the_last_dossiers(portal):
    code = new_code()
    put(portal, record(code, 2, status=10))
    with urllib.request.urlopen(portal + "/", timeout=5) as response:
        html = response.read().decode()
    assert "Cổng Dịch vụ công quốc gia (mô phỏng)" in html
    assert code in html and "Đã trả kết quả" in html


# ---- the command line ---------------------------------------------------------------------


def test_faults_from_the_command_line():
    process, base = start(
        "--api-key",
        "cli-key",
        "--latency",
        "0.2",
        "--fail-rate",
        "1",
        "--rate-limit",
        "1",
        "--seed",
        "1",
    )
    try:
        code = new_code()
        started = time.monotonic()
        status, _, _ = put(base, record(code, 1), key="cli-key")
        assert time.monotonic() - started >= 0.2
        assert status == 500
        status, _, headers = put(base, record(code, 1), key="cli-key")
        assert status == 429 and headers["Retry-After"] == "1"
        _, body, _ = call(base, "GET", "/admin/stats", key="cli-key")
        assert body["faults"] == {
            "latency": 0.2,
            "fail_rate": 1.0,
            "rate_limit": 1.0,
            "outage_seconds_left": 0.0,
        }
        assert body["requests"] == {"429": 1, "500": 1} and body["dossiers"] == 0
    finally:
        stop(process)


def test_bad_command_lines_are_refused():
    for flags in (
        ["--api-key", "k", "--fail-rate", "2"],
        ["--api-key", "k", "--latency", "-1"],
        [],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "services.portal.simulator", *flags],
            cwd=ROOT,
            capture_output=True,
            timeout=30,
        )
        assert result.returncode == 2, flags
