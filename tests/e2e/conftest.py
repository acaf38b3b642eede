"""Helpers for the end-to-end tests: officers with real tokens, the HTTP API, the stack's clock."""

import os
import random
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from services.notification.fakesmsc import read_received

BASE = os.environ.get("LT_PUBLIC_URL", "http://127.0.0.1:8000")
FAKESMSC_LOG = os.environ.get("LT_FAKESMSC_LOG", ".stack/kannel/fakesmsc.log")
CLOCK_OFFSET_FILE = Path(os.environ.get("LT_CLOCK_OFFSET_FILE", ".stack/clock_offset"))
STACK = Path(__file__).resolve().parents[2] / "deploy" / "local" / "stack.sh"


def eventually(check, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} not met in {timeout:.0f} s")


def stats_when(leader, office: str, start: str, end: str, expected: dict, timeout=20.0) -> dict:
    """An office's statistics once they show `expected` (a subset of the answer): the counters
    follow the dossiers by a second or so (the folder adds each change after its commit). Fails
    with the difference if they never do."""
    last: dict = {}

    def shown():
        nonlocal last
        r = leader.get("/api/stats", office=office, **{"from": start, "to": end})
        assert r.status_code == 200, r.text
        last = r.json()
        return {k: last[k] for k in expected} == expected

    try:
        eventually(shown, timeout, f"statistics of {office}")
    except AssertionError:
        assert {k: last[k] for k in expected} == expected
    return last


def issue_token(office: str, role: str, name: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "services.gateway.officers", "issue"]
        + ["--office", office, "--role", role, "--name", name],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


class Officer:
    """One officer talking to the gateway with a bearer token."""

    def __init__(self, office: str, role: str, name: str):
        self.office, self.role, self.name = office, role, name
        self.headers = {"Authorization": f"Bearer {issue_token(office, role, name)}"}

    def get(self, path: str, **params) -> requests.Response:
        return requests.get(f"{BASE}{path}", headers=self.headers, params=params, timeout=30)

    def post(self, path: str, body) -> requests.Response:
        return requests.post(f"{BASE}{path}", headers=self.headers, json=body, timeout=30)

    def receive(self, procedure_code: str, phone="0912345678", **extra) -> dict:
        body = {
            "procedure_code": procedure_code,
            "applicant": {"name": "Nguyễn Văn An", "phone": phone},
            "documents": required_documents(procedure_code),
            **extra,
        }
        r = self.post("/api/dossiers", body)
        assert r.status_code == 201, r.text
        return r.json()

    def act(self, code: str, action: str, expect=200, **params) -> dict:
        r = self.post(f"/api/dossiers/{code}/actions", {"action": action, **params})
        assert r.status_code == expect, f"{action} on {code}: {r.status_code} {r.text}"
        return r.json()

    def dossier(self, code: str) -> dict:
        r = self.get(f"/api/dossiers/{code}")
        assert r.status_code == 200, r.text
        return r.json()

    def worklist(self, office: str | None = None, limit: int = 200) -> list[dict]:
        """The whole worklist of an office, page after page."""
        rows, after = [], None
        while True:
            query = {"limit": limit, **({"after": after} if after else {})}
            r = self.get(f"/api/offices/{office or self.office}/worklist", **query)
            assert r.status_code == 200, r.text
            rows += r.json()["dossiers"]
            if not (after := r.json()["next"]):
                return rows

    def wait_in_worklist(self, code: str, timeout=30.0) -> dict:
        return eventually(
            lambda: next((d for d in self.worklist() if d["code"] == code), None),
            timeout,
            f"{code} in the worklist of {self.office}",
        )

    def wait_state(self, code: str, state: str, timeout=30.0) -> dict:
        """The dossier once it is in `state`; routing may not have made it yet just after its
        receipt (a 404 until then)."""

        def reached():
            r = self.get(f"/api/dossiers/{code}")
            if r.status_code == 404:
                return None
            assert r.status_code == 200, r.text
            return r.json() if r.json()["state"] == state else None

        return eventually(reached, timeout, f"{code} in state {state}")


_PROCEDURES: dict = {}


def required_documents(procedure_code: str) -> list[dict]:
    """What the catalog says a complete dossier of this procedure holds."""
    if not _PROCEDURES:
        r = requests.get(f"{BASE}/api/catalog/procedures", timeout=30)
        _PROCEDURES.update({p["code"]: p for p in r.json()["procedures"]})
    return [
        {"id": d["id"], "count": d.get("count", 1)}
        for d in _PROCEDURES[procedure_code]["documents"]
        if d.get("required", True)
    ]


@pytest.fixture(scope="session")
def officers():
    """officers(office, role) → an Officer, one token per office and role for the session."""
    cache: dict = {}

    def get(office: str, role: str) -> Officer:
        if (office, role) not in cache:
            cache[office, role] = Officer(office, role, f"{role.title()} {office}")
        return cache[office, role]

    return get


class StackClock:
    """The offset every service adds to its clock (the file LT_CLOCK_OFFSET_FILE)."""

    def set(self, offset: timedelta) -> None:
        CLOCK_OFFSET_FILE.parent.mkdir(parents=True, exist_ok=True)
        CLOCK_OFFSET_FILE.write_text(f"{offset.total_seconds():.0f}\n", encoding="ascii")

    def reset(self) -> None:
        CLOCK_OFFSET_FILE.unlink(missing_ok=True)


@pytest.fixture
def stack_clock():
    clock = StackClock()
    yield clock
    clock.reset()


def stack(*args: str) -> None:
    subprocess.run(["bash", str(STACK), *args], check=True, capture_output=True, timeout=180)


def msisdn_of(phone: str) -> str:
    """A test's 0xxxxxxxxx number as the SMS centre sees it (84xxxxxxxxx)."""
    return "84" + phone[1:]


def sms_code(phone: str, since: int, timeout=30.0) -> str:
    """The one-time code in the last verification SMS fakesmsc got for `phone` after the
    `since`-th message of its log."""

    def code():
        texts = [s.text for s in read_received(FAKESMSC_LOG)[since:] if s.to == msisdn_of(phone)]
        found = [t.split()[0] for t in texts if "ma xac minh" in t]
        return found[-1] if found else None

    return eventually(code, timeout, f"a verification SMS to {phone}")


def fresh_phone() -> str:
    """A mobile number no earlier run used lately: each number may ask for 3 codes in 15
    minutes (contracts/verification.py)."""
    return f"091{random.randrange(10**7):07d}"


def fresh_client() -> str:
    """A client address of its own (a header only: nothing is sent to it)."""
    return f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"


def client_headers(client: str) -> dict:
    """Speak as another client address (the local gateway trusts 127.0.0.1's X-Forwarded-For):
    the limits per client address are then this test's own."""
    return {"X-Forwarded-For": client}


def verify_phone(phone: str, purpose: str, client: str | None = None) -> str:
    """Confirm `phone` for `purpose` as a citizen does: ask for a code, read it off the SMS
    through Kannel, send it back. Returns the verification id, the proof the next request
    names. Each number may ask for 3 codes in 15 minutes: use a fresh_phone() per test."""
    client = client or fresh_client()
    since = len(read_received(FAKESMSC_LOG))
    headers = client_headers(client)
    sent = requests.post(
        f"{BASE}/api/verifications",
        json={"phone": phone, "purpose": purpose},
        headers=headers,
        timeout=15,
    )
    assert sent.status_code == 201, sent.text
    verification_id = sent.json()["verification_id"]
    checked = requests.post(
        f"{BASE}/api/verifications/{verification_id}",
        json={"code": sms_code(phone, since)},
        headers=headers,
        timeout=15,
    )
    assert checked.status_code == 200, checked.text
    return verification_id
