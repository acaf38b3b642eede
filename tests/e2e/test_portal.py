"""The national portal, against its simulator: a dossier's whole life reaches it version after
version and in order, an outage of the portal is caught up, and an operator's resync pushes a
dossier again."""

import os
import subprocess
import sys

import pytest
import requests

from tests.e2e.conftest import eventually

pytestmark = pytest.mark.e2e
PORTAL = os.environ.get("LT_PORTAL_URL", "http://127.0.0.1:8092")
KEY = {"Authorization": f"Bearer {os.environ.get('LT_PORTAL_API_KEY', 'lienthong-dev-portal')}"}
OFFICE = "X28720"  # HT-06 is decided at Vàm Láng's counter (3 working days)


def at_portal(code: str) -> dict | None:
    r = requests.get(f"{PORTAL}/dossiers/{code}", headers=KEY, timeout=30)
    return r.json() if r.status_code == 200 else None


def synced(officer, code: str, status: int) -> tuple[dict, dict]:
    """Once the portal has the dossier at national status `status` and our sync says synced at
    the version the portal has: (the portal's answer, our sync status)."""

    def check():
        portal, sync = at_portal(code), officer.dossier(code)["portal_sync"]
        if not portal or not sync or portal["record"]["status"] != status:
            return None
        if sync["status"] != "synced" or sync["pushed_version"] != portal["versions"][-1]:
            return None
        return portal, sync

    return eventually(check, 60, f"{code} synced at status {status}")


def admin(path: str, body: dict | None = None) -> dict:
    r = requests.request("POST" if body is not None else "GET", f"{PORTAL}/admin/{path}",
                         headers=KEY, json=body, timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()


def test_a_dossiers_whole_life_reaches_the_portal_in_order(officers):
    receiver, handler = officers(OFFICE, "receiver"), officers(OFFICE, "handler")
    before = admin("stats")["out_of_order"]
    code = receiver.receive("HT-06")["code"]
    portal, _ = synced(receiver, code, 2)  # received (accepted at the counter: status 2)
    first = portal["versions"][-1]
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    handler.act(code, "resolve")
    receiver.wait_state(code, "ready_at_counter")
    receiver.act(code, "hand_over")
    portal, sync = synced(receiver, code, 10)
    record = portal["record"]
    assert portal["versions"] == sorted(set(portal["versions"])) and portal["versions"][0] <= first
    assert sync["record_version"] == portal["versions"][-1] == record["version"]
    assert record["province_id"] == "T82" and record["channel"] == 1
    assert record["timing"] in ("early", "on_time") and record["returned_at"]
    steps = [s["type"] for s in record["history"]]
    assert steps[0] == "dossier_received" and steps[-1] == "result_handed_over"
    assert "dossier_accepted" in steps and "dossier_resolved" in steps
    accepted = next(s for s in record["history"] if s["type"] == "dossier_accepted")
    assert accepted["by"] == handler.name and accepted["status"] == 4
    assert admin("stats")["out_of_order"] == before  # no push ever went back in time


def test_an_outage_of_the_portal_is_caught_up(officers):
    receiver, handler = officers(OFFICE, "receiver"), officers(OFFICE, "handler")
    code = receiver.receive("HT-06")["code"]
    synced(receiver, code, 2)
    admin("outage", {"seconds": 8})
    try:
        handler.wait_in_worklist(code)
        handler.act(code, "accept")
        handler.act(code, "refuse", reason="Không đủ điều kiện")
        waiting = eventually(
            lambda: (s := receiver.dossier(code)["portal_sync"])["failure"] and s, 30,
            "a failed push during the outage",
        )  # fmt: skip
    except BaseException:
        admin("outage", {"seconds": 0})  # leave the portal up for the other tests
        raise
    assert waiting["status"] == "pending" and "503" in waiting["failure"]
    portal, sync = synced(receiver, code, 9)  # refused: status 9, caught up after the outage
    assert sync["failure"] is None and portal["record"]["finished_at"]


def test_an_operator_pushes_a_dossier_again(officers):
    receiver = officers(OFFICE, "receiver")
    code = receiver.receive("HT-06")["code"]
    portal, sync = synced(receiver, code, 2)
    out = subprocess.run(
        [sys.executable, "-m", "services.ops.portal", "resync", "--code", code],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0 and "1 dossiers to push again" in out.stdout, out.stdout + out.stderr
    again = eventually(
        lambda: (p := at_portal(code)) and p["versions"][-1] == sync["record_version"] + 1 and p,
        60, "the resync at the portal",
    )  # fmt: skip
    assert again["record"]["history"] == portal["record"]["history"]
    status = subprocess.run(
        [sys.executable, "-m", "services.ops.portal", "status", "--code", code],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert '"status": "synced"' in status.stdout
