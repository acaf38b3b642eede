"""The hostile set (make test-security): generated and hand-made hostile requests against every
public endpoint of the running gateway, callbacks included — schemathesis's negative mode,
forged and replayed signatures, delivery reports without their token, path and header tricks,
oversized bodies — and a slow client holding many connections open while others are served.

It passes when no answer is a 500, what is stored is the same after as before (every aggregate's
count and version), and at least 1,000 hostile inputs were sent. The tests run in file order;
the last one compares what is stored and reports the count."""

import contextlib
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import requests
from pymongo import MongoClient

from contracts.carrier import SIGNATURE_HEADER as CARRIER_HEADER
from contracts.payment_platform import SIGNATURE_HEADER as PAYMENT_HEADER
from services.common.signing import sign, url_token
from tests.e2e.conftest import BASE, eventually
from tests.e2e.test_hostile_input import raw_request

pytestmark = pytest.mark.e2e
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MONGO_URI = os.environ.get("LT_MONGO_URI", "mongodb://127.0.0.1:27017/")
PREFIX = os.environ.get("LT_MONGO_DATABASE_PREFIX", "lienthong_")
CARRIER_SECRET = os.environ.get("LT_CARRIER_SECRET", "lienthong-dev-carrier")
PAYMENT_SECRET = os.environ.get("LT_PAYMENT_PLATFORM_SECRET", "lienthong-dev-payment")
DLR_SECRET = os.environ.get("LT_SMS_DLR_SECRET", "lienthong-dev-dlr")
INBOUND_SECRET = os.environ["LT_SMS_INBOUND_SECRET"]
# Each hostile input speaks as a client address of this run, so that the limits per client
# (tracking, SMS codes) count for it and not for the tests that follow.
CLIENT = f"2001:db8:5ec::{secrets.token_hex(2)}"
SENT = {"by hand": 0, "schemathesis": 0}
STATUSES: list[int] = []


def hostile(method: str, path: str, body: bytes = b"", headers=None) -> tuple[int, bytes]:
    """Send one hostile request exactly as given, count it, and fail on a 5xx."""
    status, raw = raw_request(method, path, body, {"X-Forwarded-For": CLIENT, **(headers or {})})
    SENT["by hand"] += 1
    STATUSES.append(status)
    assert status < 500, (method, path[:120], status, raw[:300])
    return status, raw


# ---- what is stored -------------------------------------------------------------------------

# the aggregates (services/common/repository.py) and the other records a request could add to
AGGREGATES = {
    "intake": ("receipts", "requests", "book"),
    "routing": ("dossiers",),
    "notification": ("messages", "verifications", "recipients"),
    "payment": ("payments",),
    "postal": ("shipments", "recipients"),
    "portal_sync": ("syncs",),
    "documents": ("records", "fs.files"),  # the files themselves too (GridFS)
    "feedback": ("evaluations", "feedback"),
    "gateway": ("officer_tokens",),
}


def stored() -> dict[str, tuple[int, int]]:
    """Each collection above: (documents, sum of their versions)."""
    client = MongoClient(MONGO_URI, tz_aware=True)
    try:
        out = {}
        for service, names in AGGREGATES.items():
            db = client[PREFIX + service]
            for name in names:
                versions = [d.get("version", 0) for d in db[name].find({}, {"version": 1})]
                out[f"{service}.{name}"] = (len(versions), sum(versions))
        return out
    finally:
        client.close()


def settled() -> dict[str, tuple[int, int]]:
    """What is stored once the earlier tests' work has stopped changing it (5 s unchanged)."""
    last, since = stored(), time.monotonic()
    deadline = since + 120
    while time.monotonic() - since < 5:
        assert time.monotonic() < deadline, "the stack never settled"
        time.sleep(1)
        now = stored()
        if now != last:
            last, since = now, time.monotonic()
    return last


@pytest.fixture(scope="module")
def before():
    return settled()


def test_00_what_is_stored_before(before):
    assert before["gateway.officer_tokens"][0] >= 1  # the token the generated set uses


# ---- generated: schemathesis's negative mode --------------------------------------------------


def test_generated_hostile_input_never_gets_a_500(before):
    """schemathesis generates requests that break the documented schemas on every operation
    (bodies, paths, queries, headers) with a leader's token of a district: none may be a 500."""
    token = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "services.gateway.officers", "issue"]
        + ["--office", "H824", "--role", "leader", "--name", "hostile set"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    out = subprocess.run(
        [os.path.join(ROOT, ".venv", "bin", "schemathesis"), "run", f"{BASE}/api/openapi.json"]
        + ["-H", f"Authorization: Bearer {token}", "-H", f"X-Forwarded-For: {CLIENT}"]
        + ["--mode", "negative", "--checks", "not_a_server_error"]
        + ["--max-examples", os.environ.get("EXAMPLES", "40"), "--no-color"]
        # not the "examples" phase: the documented examples are valid requests, which store
        + ["--phases", "coverage,fuzzing"],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    summary = re.search(r"(\d+) generated, (\d+) passed", out.stdout)
    assert out.returncode == 0 and summary, out.stdout[-3000:]
    generated, passed = map(int, summary.groups())
    assert generated == passed, out.stdout[-3000:]
    SENT["schemathesis"] = generated


# ---- forged and replayed callbacks ------------------------------------------------------------

CALLBACKS = (
    ("/api/callbacks/postal", CARRIER_HEADER, CARRIER_SECRET),
    ("/api/callbacks/payment", PAYMENT_HEADER, PAYMENT_SECRET),
)


def forgeries(body: bytes, secret: str) -> list[str | None]:
    """Signature headers that must all be refused for `body`."""
    now = int(time.time())
    good = sign(secret, body, now)
    digest = good.split("v1=")[1]
    return [
        None,
        "",
        sign("not-the-secret", body, now),
        sign(secret, body + b" ", now),  # signed another body
        sign(secret, body, now - 400),  # a captured callback replayed after the tolerance
        sign(secret, body, now - 86_400),
        sign(secret, body, now + 400),
        f"t={now},v1={'0' * 64}",
        f"t={now},v1={digest.upper()}",
        f"t={now}",
        f"v1={digest}",
        f"t={now},v1={digest},v1={digest}",
        f"t=-{now},v1={digest}",
        f"t={now}.0,v1={digest}",
        f"t={now},v1={digest[:-1]}",
        f"t={now};v1={digest}",
        "t=99999999999999999999,v1=" + digest,
        "Bearer " + digest,
        "t=" + "9" * 5000 + ",v1=" + digest,
    ]


def callback_bodies() -> list[bytes]:
    occurred = datetime.now(UTC).isoformat()
    return [
        json.dumps(
            {
                "event_id": f"forged-{secrets.token_hex(4)}",
                "tracking_number": "EB123456789VN",
                "status": "delivered",
                "occurred_at": occurred,
            }
        ).encode(),
        json.dumps(
            {
                "event_id": f"forged-{secrets.token_hex(4)}",
                "payment_ref": "PAY-0000000001",
                "reference": "X28720-261205-0001-F",
                "status": "paid",
                "amount": 75000,
                "refunded_amount": 0,
                "channel": "card",
                "occurred_at": occurred,
                "refund_ref": None,
            }
        ).encode(),
        b"{}",
        b"",
        b"not json",
        json.dumps({"$where": "1", "event_id": {"$ne": None}}).encode(),
    ]


def test_forged_and_replayed_callbacks_are_401(before):
    for path, header, secret in CALLBACKS:
        for body in callback_bodies():
            for signature in forgeries(body, secret):
                headers = {"Content-Type": "application/json"}
                if signature is not None:
                    headers[header] = signature
                status, raw = hostile("POST", path, body, headers)
                assert status in (400, 401, 413), (path, signature, status, raw[:200])


def test_delivery_reports_without_their_token_are_refused(before):
    ids = ["nope", "X28720-261205-0001:abc", "a" * 200, "%00", "x:y:z"]
    tokens = [None, "", "0" * 32, url_token("guess", "nope"), url_token(DLR_SECRET, "other")]
    tokens += ["A" * 5000, "%27%20OR%201=1", url_token(DLR_SECRET, "nope").upper()]
    for message_id in ids:
        for token in tokens:
            path = f"/api/callbacks/sms?id={message_id}&type=1"
            if token is not None:
                path += f"&t={token}"
            status, _ = hostile("GET", path)
            assert status in (400, 401, 404), (message_id, token, status)
    for dlr_type in ("1", "2", "8", "16", "-1", "99999999999999999999", "1e3"):
        status, _ = hostile("GET", f"/api/callbacks/sms?id=nope&type={dlr_type}&t=00")
        assert status in (400, 401)


def test_citizens_sms_without_the_shared_secret_are_refused(before):
    """Kannel's inbound endpoint on the notification service's own port: 401 without the
    secret, whatever the message; 400 with it but without a sender or an id."""
    url = urlsplit(BASE)
    port = int(os.environ.get("LT_SERVICE_PORT_BASE", "8000")) + 4
    inbound = f"http://{url.hostname}:{port}/sms/inbound"
    secrets_ = [None, "", "wrong", "x" * 5000, "%00", INBOUND_SECRET.upper() + "x"]
    for secret in secrets_:
        for text in ("1", "", "' OR 1=1", "\u0000", "9" * 1000):
            params = {"from": "84912300999", "id": f"hostile-{secrets.token_hex(4)}", "text": text}
            if secret is not None:
                params["secret"] = secret
            r = requests.get(inbound, params=params, timeout=30)
            SENT["by hand"] += 1
            # a NUL or an overlong value is refused before anything else (input_rules.py)
            plain = len(secret or "") < 100 and text in ("1", "", "' OR 1=1")
            expected = (401,) if plain else (400, 401)
            assert r.status_code in expected, (secret, text[:20], r.status_code)
    for params in ({}, {"from": "84912300999"}, {"id": "x"}, {"from": "", "id": "x"}):
        r = requests.get(inbound, params={"secret": INBOUND_SECRET, **params}, timeout=30)
        SENT["by hand"] += 1
        assert r.status_code == 400, (params, r.status_code)


# ---- path and header tricks -------------------------------------------------------------------

PATHS = [
    "/api/../api/openapi.json",
    "/api/%2e%2e/%2e%2e/etc/passwd",
    "/static/../service.py",
    "/static/..%2fservice.py",
    "/static/%2e%2e%2fstore.py",
    "/static/..\\service.py",
    "/static/console.js%00.png",
    "/static/" + "a" * 4000,
    "/api/dossiers/X28720-261205-0001%00",
    "/api/dossiers/X28720-261205-0001/../../offices/X28720/worklist",
    "/api/dossiers/%58%32%38%37%32%30-261205-0001",
    "/api/dossiers/X28720-261205-0001%2F..%2F..",
    "/api/track/" + "A" * 8000 + "?phone=1234",
    "/api/track/X28720-261205-0001?phone=1234&phone=5678",
    "/api/track/%EF%BC%B828720-261205-0001?phone=1234",  # a fullwidth X
    "/api/track/X28720-261205-0001?phone=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94",
    "//api//dossiers",
    "/API/DOSSIERS",
    "/api/dossiers;jsessionid=1",
    "/api/dossiers?%00=1",
    "/api/offices/%2e/worklist",
    "/api/offices/X28720%0d%0aSet-Cookie:%20a=1/worklist",
    "/api/verifications/..%2f..%2fopenapi.json",
    "/api/verifications/" + "A" * 24 + "%00",
    "/console/../../etc/passwd",
    "/track?code=<script>alert(1)</script>",
    "/%ff%fe",
    "/api/stats?office=X28720&from=2026-01-01&to=2026-12-31&office=H824",
]
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND")


def test_path_tricks_never_reach_a_file_or_a_500(before):
    for path in PATHS:
        for method in METHODS:
            status, raw = hostile(method, path, b"{}" if method in ("POST", "PUT") else b"")
            assert b"import " not in raw and b"root:x:0" not in raw, (method, path)
            if status == 200:  # only a page or the API document, never a source file
                assert method == "GET" and path.startswith(("/api/", "/track")), path


HEADERS = [
    {"Authorization": "Bearer " + "A" * 8000},
    {"Authorization": "Bearer \u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"},
    {"Authorization": "Basic YWRtaW46YWRtaW4="},
    {"Authorization": "Bearer x, Bearer y"},
    {"Content-Type": "application/xml"},
    {"Content-Type": "application/json; charset=utf-7"},
    {"Content-Type": "multipart/form-data; boundary=" + "-" * 5000},
    {"X-Forwarded-For": ", ".join(["10.0.0.1"] * 2000)},
    {"X-Forwarded-For": "not an address"},
    {"Host": "evil.example"},
    {"Idempotency-Key": "../../etc/passwd"},
    {"Idempotency-Key": "k" * 5000},
    {"Accept": "application/x-evil"},
    {"X-Huge": "h" * 60_000},
]


def test_header_tricks_never_get_a_500(before):
    targets = [
        ("POST", "/api/dossiers"),
        ("POST", "/api/dossiers/X28720-261205-0001/actions"),
        ("GET", "/api/offices/X28720/worklist"),
        ("POST", "/api/verifications"),
        ("POST", "/api/callbacks/payment"),
        ("GET", "/api/track/X28720-261205-0001?phone=1234"),
    ]
    for method, path in targets:
        for headers in HEADERS:
            # the server may close a connection whose headers are too large
            with contextlib.suppress(ConnectionError, OSError):
                hostile(method, path, b'{"procedure_code": "HT-03"}', headers)
        # a Content-Length shorter than the body, negative, not a number
        for length in ("5", "-1", "abc"):
            with contextlib.suppress(ConnectionError, OSError, ValueError):
                hostile(method, path, b'{"a": 1}', {"Content-Length": length})


# ---- a slow client ---------------------------------------------------------------------------


def test_a_slow_client_does_not_starve_the_others(before):
    """Slowloris on 127.0.0.1: 400 connections each send a request one header line at a time,
    every 2 s, for 20 s; meanwhile another client's requests are all answered. Reports the
    other client's latencies with and without the slow one."""
    url = urlsplit(BASE)

    def timed(n: int) -> list[float]:
        out = []
        for _ in range(n):
            start = time.perf_counter()
            r = requests.get(f"{BASE}/api/catalog/offices", timeout=10)
            assert r.status_code == 200
            out.append((time.perf_counter() - start) * 1000)
        return out

    quiet = timed(30)
    slow = []
    for _ in range(400):
        s = socket.create_connection((url.hostname, url.port), timeout=5)
        s.sendall(b"GET /api/catalog/offices HTTP/1.1\r\nHost: x\r\n")
        slow.append(s)
    try:
        loaded: list[float] = []
        until = time.monotonic() + 20
        n = 0
        while time.monotonic() < until:
            for s in slow:
                with contextlib.suppress(OSError):  # the server dropped it: fine
                    s.sendall(f"X-Slow-{n}: {n}\r\n".encode())
            loaded += timed(10)
            n += 1
            time.sleep(max(0.0, 2 - 0.01 * len(slow) / 100))
    finally:
        for s in slow:
            s.close()
    SENT["by hand"] += len(slow)
    q = statistics.quantiles(quiet, n=100)
    lq = statistics.quantiles(loaded, n=100)
    print(
        f"\nslow client: 400 connections; other client {len(loaded)} requests all answered: "
        f"p50 {lq[49]:.1f} ms p99 {lq[98]:.1f} ms (quiet: p50 {q[49]:.1f} ms p99 {q[98]:.1f} ms)"
    )
    assert len(loaded) >= 50


# ---- nothing stored -------------------------------------------------------------------------


def test_zz_nothing_was_stored_and_the_count(before):
    after = settled()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    # the hostile set's own officer token is the one record it adds
    tokens_before, tokens_after = changed.pop("gateway.officer_tokens", ((0, 0), (1, 0)))
    assert tokens_after[0] - tokens_before[0] == 1
    assert changed == {}
    total = SENT["by hand"] + SENT["schemathesis"]
    print(
        f"\nhostile set: {total} inputs ({SENT['schemathesis']} generated by schemathesis, "
        f"{SENT['by hand']} by hand), 0 answers of 500, nothing stored"
    )
    assert total >= 1000
    assert eventually(lambda: requests.get(f"{BASE}/healthz", timeout=5).ok, 10)
