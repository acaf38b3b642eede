"""The gateway's edges: its OpenAPI document, who may read and act where (403), unknown and
revoked tokens (401), the worklist a page at a time, the citizen's tracking view and its limit
on failures."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta

import pytest
import requests

from services.common.signing import url_token
from tests.e2e.conftest import BASE, eventually, issue_token

pytestmark = pytest.mark.e2e


def officers_cli(*args, token_days: int | None = None, check=True) -> str:
    env = dict(os.environ)
    if token_days is not None:
        env["LT_OFFICER_TOKEN_DAYS"] = str(token_days)
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "services.gateway.officers", *args],
        check=check,
        capture_output=True,
        text=True,
        env=env,
    )
    return out.stdout


@pytest.fixture(scope="module")
def journey(officers):
    """A dossier received at Vàm Láng (X28720), waiting at Gò Công Đông district (H824)."""
    receiver = officers("X28720", "receiver")
    received = receiver.receive("XD-01", phone="0911222333")
    handler = officers("H824", "handler")
    handler.wait_in_worklist(received["code"])
    return received["code"]


def test_openapi_document_is_served():
    r = requests.get(f"{BASE}/api/openapi.json", timeout=30)
    assert r.status_code == 200
    spec = r.json()
    assert spec["openapi"].startswith("3.")
    assert "/api/track/{code}" in spec["paths"]
    assert spec["components"]["securitySchemes"]["officer"]["scheme"] == "bearer"


def test_unknown_and_revoked_tokens_are_401():
    name = f"Phạm Văn {secrets.token_hex(4)}"
    token = issue_token("X28720", "receiver", name)
    headers = {"Authorization": f"Bearer {token}"}
    me = requests.get(f"{BASE}/api/me", headers=headers, timeout=30)
    assert me.status_code == 200 and me.json()["office_id"] == "X28720"
    unknown = {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}
    assert requests.get(f"{BASE}/api/me", headers=unknown, timeout=30).status_code == 401
    assert requests.get(f"{BASE}/api/me", timeout=30).status_code == 401

    line = next(row for row in officers_cli("list").splitlines() if name in row)
    assert line.split()[5:7] == ["never", "-"]  # issued day and time, no end, not revoked
    assert officers_cli("revoke", line.split()[0]).strip() == "revoked"
    r = requests.get(f"{BASE}/api/me", headers=headers, timeout=30)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    r = requests.get(f"{BASE}/api/offices/X28720/worklist", headers=headers, timeout=30)
    assert r.status_code == 401


def test_cross_office_reads_and_actions_are_403(journey, officers):
    code = journey
    other_commune = officers("X28702", "receiver")
    other_district = officers("H872", "handler")
    for officer in (other_commune, other_district):
        for path in (f"/api/dossiers/{code}", f"/api/dossiers/{code}/receipt"):
            r = officer.get(path)
            assert r.status_code == 403, (officer.office, path, r.text)
            assert r.json()["error"]["code"] == "not_your_office"
        officer.act(code, "accept", expect=403)
        officer.act(code, "withdraw", expect=403)
    assert other_commune.get("/api/offices/X28720/worklist").status_code == 403
    assert other_district.get("/api/offices/H824/worklist").status_code == 403
    r = other_district.get(
        "/api/stats", office="H824", **{"from": "2026-01-01", "to": "2026-01-31"}
    )
    assert r.status_code == 403
    # the province's leader reads it, and acts on nothing that is not at the province
    leader = officers("T82", "leader")
    assert leader.dossier(code)["actions"] == []
    leader.act(code, "accept", expect=403)
    assert officers("T87", "leader").get(f"/api/dossiers/{code}").status_code == 403


def test_the_receipt_prints_at_once_for_its_counter_only(officers):
    """The console prints form 01 straight after the receipt, when routing has often not taken
    the dossier in yet: the receipt's counter reads it, another commune does not."""
    receiver, other = officers("X28720", "receiver"), officers("X28702", "receiver")
    for _ in range(3):
        code = receiver.receive("HT-04", phone="0911222444")["code"]
        r = receiver.get(f"/api/dossiers/{code}/receipt")
        assert r.status_code == 200 and r.json()["code"] == code, r.text
        assert other.get(f"/api/dossiers/{code}/receipt").status_code == 403


def test_each_officer_is_offered_what_they_may_do(journey, officers):
    code = journey
    handler = officers("H824", "handler")
    assert handler.dossier(code)["actions"] == ["accept", "extend"]
    receiver = officers("X28720", "receiver")
    dossier = receiver.dossier(code)
    assert dossier["actions"] == ["withdraw"]
    assert dossier["allowed_actions"]["handler"] == ["accept", "extend"]
    receipt = receiver.get(f"/api/dossiers/{code}/receipt").json()
    assert receipt["applicant"]["phone"] == "0911222333"
    assert receipt["code"] == code


def test_bad_statistics_period_and_unknown_sms_report(officers):
    leader = officers("H824", "leader")
    for start, end in [("9999-01-01", "9999-12-31"), ("0001-01-01", "0001-01-02"), ("x", "y")]:
        r = leader.get("/api/stats", office="H824", **{"from": start, "to": end})
        assert r.status_code == 422, r.text
    secret = os.environ.get("LT_SMS_DLR_SECRET", "lienthong-dev-dlr")
    report = {"id": "nope", "type": "1", "t": url_token(secret, "nope")}
    r = requests.get(f"{BASE}/api/callbacks/sms", params=report, timeout=30)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_message"
    # without the SMS's own token (or with another's) a report is refused
    for token in (None, url_token(secret, "other"), "0" * 32):
        r = requests.get(f"{BASE}/api/callbacks/sms", params={**report, "t": token}, timeout=30)
        assert r.status_code == 401 and r.json()["error"]["code"] == "bad_token"


def test_the_worklist_pages_through_every_row_once_in_due_order(officers):
    """Three more dossiers wait at the district; pages of one row, each after the `next` of the
    page before, give the same rows in the same order as one page of them all."""
    receiver, handler = officers("X28720", "receiver"), officers("H824", "handler")
    codes = [receiver.receive("XD-01")["code"] for _ in range(3)]
    for code in codes:
        handler.wait_in_worklist(code)
    whole = handler.worklist(limit=200)
    in_order = [d["code"] for d in whole]
    assert [d["code"] for d in handler.worklist(limit=1)] == in_order
    assert len(set(in_order)) == len(in_order) and set(codes) <= set(in_order)
    due = [d["current_due_at"] for d in whole]
    assert due == sorted(due)
    first = handler.get("/api/offices/H824/worklist", limit=2).json()
    assert [d["code"] for d in first["dossiers"]] == in_order[:2]
    assert first["next"].endswith(f"|{in_order[1]}")
    if len(whole) <= 200:
        assert handler.get("/api/offices/H824/worklist", limit=len(whole)).json()["next"] is None


@pytest.mark.parametrize(
    "query", [{"limit": "0"}, {"limit": "201"}, {"after": "H824|"}, {"after": '{"$gt": ""}'}]
)
def test_a_bad_worklist_page_is_422(officers, query):
    r = officers("H824", "handler").get("/api/offices/H824/worklist", **query)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input", r.text


def new_client() -> str:
    """A client address of its own (IPv6 documentation prefix), so that failures counted in
    earlier runs within the window do not carry over."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def track(code, phone, client):
    return requests.get(
        f"{BASE}/api/track/{code}",
        params={"phone": phone},
        headers={"X-Forwarded-For": client},
        timeout=30,
    )


def test_tokens_expire_and_rotate_without_an_outage(stack_clock):
    def me(token):
        headers = {"Authorization": f"Bearer {token}"}
        return requests.get(f"{BASE}/api/me", headers=headers, timeout=30).status_code

    name = f"Lê Thị {secrets.token_hex(4)}"
    args = ("issue", "--office", "X28720", "--role", "leader", "--name", name)
    old = officers_cli(*args, token_days=1).strip()
    assert me(old) == 200
    new = officers_cli("rotate", old, "--grace-hours", "2", token_days=1).strip()
    assert new != old and me(old) == me(new) == 200  # both work while clients switch
    stack_clock.set(timedelta(hours=3))  # past the grace: the old one has ended
    assert (me(old), me(new)) == (401, 200)
    stack_clock.set(timedelta(days=1, hours=1))  # past the new one's day
    assert me(new) == 401
    assert officers_cli("rotate", old, check=False) == ""  # an ended token cannot be rotated


def test_citizen_tracking_shows_no_personal_data(journey):
    code, client = journey, new_client()
    r = track(code, "2333", client)
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["code"] == code
    assert view["status"] == "Đã chuyển đến cơ quan giải quyết"
    assert [s["status"] for s in view["steps"]] == ["done", "current"]
    assert [s["office_name"] for s in view["steps"]] == ["Thị trấn Vàm Láng", "Huyện Gò Công Đông"]
    text = r.text
    assert "0911222333" not in text and "Nguyễn Văn An" not in text and "applicant" not in text
    wrong = track(code, "9999", client)
    unknown = track("X28720-990101-0001", "2333", client)
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()  # a wrong phone tells nothing about the code
    assert track(code, "23", client).status_code == 422


def test_failed_lookups_are_limited_per_client(journey):
    code = journey
    client = new_client()
    other = new_client()
    for n in range(10):
        assert track(f"X28720-990101-{n:04d}", "1234", client).status_code == 404
    r = track(code, "2333", client)
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_lookups"
    assert track(code, "2333", other).status_code == 200  # another client is not blocked


def test_failed_lookups_of_one_code_lock_it_whatever_the_clients(officers):
    code = officers("X28720", "receiver").receive("HT-03", phone="0911222444")["code"]
    assert track(code, "2444", new_client()).status_code == 200
    for _ in range(8):  # eight addresses, one guess each
        assert track(code, "0000", new_client()).status_code == 404
    locked = track(code, "2444", new_client())  # the right digits, from a fresh address
    unknown = track("X28720-990101-0002", "2444", new_client())
    assert locked.status_code == unknown.status_code == 404
    assert locked.json() == unknown.json()  # a locked code tells nothing either


def test_tracking_follows_the_dossier_to_its_result(officers):
    receiver = officers("X28720", "receiver")
    code = receiver.receive("XD-01", phone="0900000042")["code"]
    handler = officers("H824", "handler")
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    handler.act(code, "resolve")
    receiver.wait_state(code, "ready_at_counter")
    receiver.act(code, "hand_over")
    client = new_client()
    view = eventually(
        lambda: (r := track(code, "0042", client).json()).get("state") == "returned" and r,
        what="returned on the citizen page",
    )
    assert view["status"] == "Đã trả kết quả"
    assert view["returned_at"] and all(s["status"] == "done" for s in view["steps"])
