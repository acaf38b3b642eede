"""Results home by post, against the carrier simulator: delivered first time, delivered after
failed attempts, brought back to the counter, callbacks forged or replayed, callbacks that stop,
and a dossier that came in by post."""

import json
import os
import re
import time
import uuid
from datetime import UTC, datetime

import pytest
import requests

from contracts.carrier import SIGNATURE_HEADER, TRACKING_PATTERN
from services.common.signing import sign
from services.notification.fakesmsc import read_received
from tests.e2e.conftest import BASE, FAKESMSC_LOG, eventually, required_documents, stack

pytestmark = pytest.mark.e2e
SECRET = os.environ.get("LT_CARRIER_SECRET", "lienthong-dev-carrier")
OFFICE = "X28720"  # Vàm Láng: HT-06 is decided there, so the result is at its counter at once


def send_by_post(officers, receiver_name: str, phone: str) -> str:
    """Receive HT-06 for return by post, decide it, and send the result by post."""
    receiver, handler = officers(OFFICE, "receiver"), officers(OFFICE, "handler")
    code = receiver.receive(
        "HT-06",
        phone=phone,
        return_method="post",
        postal_address={"line": "Ấp 3", "commune_id": OFFICE, "receiver_name": receiver_name},
    )["code"]
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    handler.act(code, "resolve")
    receiver.wait_state(code, "ready_at_counter")
    assert "return_result" in receiver.dossier(code)["allowed_actions"]["receiver"]
    receiver.act(code, "return_result")
    return code


def sms_texts(phone: str, since: int) -> list[str]:
    return [s.text for s in read_received(FAKESMSC_LOG)[since:] if s.to == phone]


def postal_timeline(dossier: dict) -> list[str]:
    return [e["status"] for e in dossier["timeline"] if e["kind"] == "postal"]


def callback(body: dict, secret=SECRET, at=None) -> requests.Response:
    raw = json.dumps(body).encode()
    header = sign(secret, raw, int(at if at is not None else time.time()))
    return requests.post(
        f"{BASE}/api/callbacks/postal",
        data=raw,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: header},
        timeout=30,
    )


def test_delivered_on_the_first_attempt(officers):
    receiver = officers(OFFICE, "receiver")
    since = len(read_received(FAKESMSC_LOG))
    code = send_by_post(officers, "Nguyễn Thị Lan", "0912000201")
    d = receiver.wait_state(code, "returned")

    (shipment,) = d["shipments"]
    tracking = shipment["tracking_number"]
    assert re.match(TRACKING_PATTERN, tracking)
    assert shipment["status"] == "delivered" and shipment["attempts"] == 1
    assert shipment["receiver_name"] == "Nguyễn Thị Lan"
    assert shipment["fee_vnd"] == 25000
    assert postal_timeline(d) == ["requested", "picked_up", "in_transit", "delivered"]
    # the hand-over record, signed by the postal worker and the counter officer
    handover = shipment["handover"]
    assert handover["officer"] == receiver.name and handover["postal_worker"]
    row = d["control_sheet"][-1]
    assert (row["from_office_id"], row["to_office_id"]) == (OFFICE, "post")
    assert (row["by"], row["received_by"]) == (receiver.name, handover["postal_worker"])
    assert [h["type"] for h in d["history"]][-2:] == [
        "result_sent_by_post",
        "result_delivered_by_post",
    ]
    assert d["returned_at"] and d["national_status"] == 10

    track = f"{BASE}/track?code={code}"
    # received, sent by post, delivered: no "collect it at the counter" for a result by post;
    # and, the result returned, the invitation to evaluate (its own event: in any order)
    texts = eventually(lambda: len(t := sms_texts("84912000201", since)) >= 4 and t)
    invitations = [t for t in texts if t.startswith("UBND Vam Lang: Moi danh gia")]
    assert len(invitations) == 1 and code in invitations[0]
    texts = [t for t in texts if t not in invitations]
    assert len(texts) == 3
    assert texts[1] == (
        f"UBND Vàm Láng: Kết quả hồ sơ {code} đã gửi qua bưu điện, mã vận đơn {tracking}. "
        f"Tra cứu: {track}"
    )
    assert texts[2] == (
        f"UBND Vam Lang: Ket qua ho so {code} da duoc buu dien phat thanh cong. Tra cuu: {track}"
    )


def test_two_failed_attempts_then_delivered(officers):
    receiver = officers(OFFICE, "receiver")
    code = send_by_post(officers, "Trần Văn Minh [fail:2]", "0912000202")
    d = receiver.wait_state(code, "returned")
    assert postal_timeline(d) == [
        "requested",
        "picked_up",
        "in_transit",
        "failed_attempt",
        "failed_attempt",
        "delivered",
    ]
    (shipment,) = d["shipments"]
    assert shipment["attempts"] == 3 and shipment["receiver_name"] == "Trần Văn Minh"
    attempts = [e["attempt"] for e in d["timeline"] if e["kind"] == "postal"][3:]
    assert attempts == [1, 2, 3]


def test_every_attempt_failed_back_at_the_counter(officers):
    receiver = officers(OFFICE, "receiver")
    since = len(read_received(FAKESMSC_LOG))
    code = send_by_post(officers, "Lê Thị Hồng [fail:9]", "0912000203")
    eventually(lambda: receiver.dossier(code)["shipments"][0]["status"] == "returned", 60)
    d = receiver.wait_state(code, "ready_at_counter")
    assert postal_timeline(d)[-4:] == ["failed_attempt"] * 3 + ["returned"]
    assert d["history"][-1]["type"] == "result_returned_from_post"
    assert d["returned_at"] is None  # not returned to the citizen: only on delivery or hand-over

    texts = eventually(lambda: len(t := sms_texts("84912000203", since)) >= 3 and t)
    assert texts[2] == (
        f"UBND Vàm Láng: Bưu điện không phát được kết quả hồ sơ {code}. "
        f"Mời nhận tại Bộ phận Một cửa. Tra cứu: {BASE}/track?code={code}"
    )
    receiver.act(code, "hand_over")
    assert receiver.dossier(code)["state"] == "returned"


def test_forged_or_stale_callbacks_are_401_and_change_nothing(officers):
    receiver = officers(OFFICE, "receiver")
    code = send_by_post(officers, "Phạm Văn Đức", "0912000204")
    before = receiver.wait_state(code, "returned")
    (shipment,) = before["shipments"]
    forged = {
        "tracking_number": shipment["tracking_number"],
        "reference": shipment["_id"],
        "status": "returned",
        "at": datetime.now(UTC).isoformat(),
        "attempt": 3,
        "event_id": uuid.uuid4().hex,
    }
    r = callback(forged, secret="not-the-carrier")
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_signature"
    r = callback(forged, at=time.time() - 3600)  # a captured request, replayed an hour later
    assert r.status_code == 401
    r = requests.post(f"{BASE}/api/callbacks/postal", json=forged, timeout=30)
    assert r.status_code == 401
    after = receiver.dossier(code)
    assert after["shipments"] == before["shipments"]
    assert after["history"] == before["history"]


def test_the_same_callback_twice_is_one_event(officers):
    receiver = officers(OFFICE, "receiver")
    code = send_by_post(officers, "Võ Thị Mai", "0912000205")
    before = receiver.wait_state(code, "returned")
    (shipment,) = before["shipments"]
    # the carrier's own in-transit callback, delivered again
    sent = next(e for e in shipment["events"] if e["status"] == "in_transit")
    replay = {
        "tracking_number": shipment["tracking_number"],
        "reference": shipment["_id"],
        **{k: sent[k] for k in ("event_id", "status", "at", "attempt", "detail", "by")},
    }
    r = callback(replay)
    assert r.status_code == 409 and r.json()["error"]["code"] == "replayed_callback"
    # a new event, delivered twice: applied once
    late = {**replay, "event_id": uuid.uuid4().hex, "detail": "scanned again at the hub"}
    assert callback(late).status_code == 200
    assert callback(late).status_code == 409
    after = receiver.dossier(code)
    ids = [e["event_id"] for e in after["shipments"][0]["events"]]
    assert ids.count(late["event_id"]) == 1 and ids.count(sent["event_id"]) == 1
    assert len(ids) == len(shipment["events"]) + 1
    assert after["state"] == "returned" and after["history"] == before["history"]


@pytest.fixture
def callbacks_lost():
    """The carrier's callbacks go nowhere; postal polls after 1 s of silence."""
    os.environ["LT_CARRIER_CALLBACK_URL"] = "http://127.0.0.1:9/nowhere"
    os.environ["LT_CARRIER_POLL_AFTER"] = "1"
    try:
        stack("carrier-restart")
        stack("service-stop", "postal")
        stack("service-start", "postal")
        yield
    finally:
        del os.environ["LT_CARRIER_CALLBACK_URL"], os.environ["LT_CARRIER_POLL_AFTER"]
        stack("carrier-restart")
        stack("service-stop", "postal")
        stack("service-start", "postal")


def test_when_callbacks_stop_postal_polls(officers, callbacks_lost):
    receiver = officers(OFFICE, "receiver")
    code = send_by_post(officers, "Đặng Văn Hùng [fail:1]", "0912000206")
    d = receiver.wait_state(code, "returned", timeout=60)
    assert postal_timeline(d) == [
        "requested",
        "picked_up",
        "in_transit",
        "failed_attempt",
        "delivered",
    ]


def test_a_dossier_that_came_by_post(officers):
    receiver = officers(OFFICE, "receiver")
    body = {
        "procedure_code": "HT-06",
        "channel": "post",
        "applicant": {"name": "Ngô Văn Sáu", "phone": "0912000207"},
        "documents": required_documents("HT-06"),
    }
    r = receiver.post("/api/dossiers", body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "postal_handover_required"
    handover = {"postal_worker": "Hoàng Văn Em", "tracking_number": "EL000000017VN"}
    code = receiver.receive("HT-06", phone="0912000207", channel="post", postal_handover=handover)[
        "code"
    ]
    d = receiver.dossier(code)
    assert d["channel"] == "post"
    first = d["control_sheet"][0]
    assert (first["from_office_id"], first["to_office_id"]) == ("post", OFFICE)
    assert (first["by"], first["received_by"]) == ("Hoàng Văn Em", receiver.name)


def test_sending_by_post_needs_the_citizens_choice(officers):
    receiver, handler = officers(OFFICE, "receiver"), officers(OFFICE, "handler")
    code = receiver.receive("HT-06", phone="0912000208")["code"]
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    handler.act(code, "resolve")
    d = receiver.wait_state(code, "ready_at_counter")
    assert d["allowed_actions"]["receiver"] == ["hand_over"]
    body = receiver.act(code, "return_result", expect=409)
    assert body["error"]["allowed_actions"] == ["hand_over"]
