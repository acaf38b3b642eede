"""The citizens' voice end to end: a returned dossier's evaluation invitation by SMS, the
citizen's reply through Kannel's MO path (fakesmsc → bearerbox → smsbox → the gateway →
notification → feedback) and its answer SMS, the page's evaluation refused after it, a reply
matching nothing answered politely; feedback submitted, assigned, answered and SMS'd, raised
once when overdue; the limits; hostile input refused with nothing stored."""

import json
import os
import time
from datetime import timedelta

import pytest
import requests
from kombu import Connection, Exchange, Queue

from services.notification.fakesmsc import read_received
from tests.e2e.conftest import (
    BASE,
    FAKESMSC_LOG,
    client_headers,
    eventually,
    fresh_client,
    fresh_phone,
    stack,
    verify_phone,
)
from tests.e2e.voice_helpers import new_phone, returned_dossier, submit_feedback

pytestmark = pytest.mark.e2e
AMQP_URI = os.environ.get("LT_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
# the notification service's own port, where Kannel's smsbox passes the citizens' SMS on
INBOUND = f"http://127.0.0.1:{int(os.environ.get('LT_SERVICE_PORT_BASE', '8000')) + 4}/sms/inbound"
SHORT_NUMBER = "8100"  # where citizens reply (the SMS centre's short number of the province)


def sms_to(msisdn: str, since: int, containing: str) -> list:
    return [
        s for s in read_received(FAKESMSC_LOG)[since:] if s.to == msisdn and containing in s.text
    ]


def wait_sms(msisdn: str, since: int, containing: str, timeout=40.0):
    return eventually(
        lambda: sms_to(msisdn, since, containing), timeout, f"an SMS with {containing!r}"
    )[-1]


def portal_evaluations(code: str) -> list:
    """The evaluations in the national portal simulator's record of the dossier."""
    r = requests.get(
        f"{os.environ['LT_PORTAL_URL']}/dossiers/{code}",
        headers={"Authorization": f"Bearer {os.environ['LT_PORTAL_API_KEY']}"},
        timeout=30,
    )
    return r.json()["record"]["evaluations"] if r.status_code == 200 else []


def track_evaluation(code: str, phone: str) -> dict:
    r = requests.get(f"{BASE}/api/track/{code}/evaluation", params={"phone": phone}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_an_evaluation_by_sms_reply_through_kannel_then_refused_on_the_page(officers):
    msisdn, since = "84912300411", len(read_received(FAKESMSC_LOG))
    code = returned_dossier(officers, "0912300411")
    invite = wait_sms(msisdn, since, "Moi danh gia")
    assert code in invite.text and "1 Rat hai long, 2 Hai long, 3 Khong hai long" in invite.text

    since = len(read_received(FAKESMSC_LOG))
    stack("sms-mo", msisdn, SHORT_NUMBER, "2")  # the citizen replies "2" from the phone
    thanks = wait_sms(msisdn, since, "cảm ơn ông/bà đã đánh giá")
    assert thanks.text == f"UBND Vàm Láng cảm ơn ông/bà đã đánh giá hồ sơ {code}: Hài lòng."
    found = eventually(lambda: (e := track_evaluation(code, "0411"))["evaluated"] and e)
    assert (found["level"], found["channel"]) == (2, "sms")

    # refused twice: on the page, then by a second reply
    r = requests.post(
        f"{BASE}/api/track/{code}/evaluation", json={"phone": "0411", "level": 1}, timeout=30
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_evaluated", r.text
    since = len(read_received(FAKESMSC_LOG))
    stack("sms-mo", msisdn, SHORT_NUMBER, "1")
    refused = wait_sms(msisdn, since, "đã được đánh giá trước đó")
    assert code in refused.text
    assert track_evaluation(code, "0411")["level"] == 2  # the first answer stands

    # the national portal's copy of the dossier carries the evaluation (services/portal_sync)
    pushed = eventually(lambda: portal_evaluations(code), 30, "the evaluation at the portal")
    assert [(e["level"], e["channel"], e["satisfied"]) for e in pushed] == [(2, "sms", True)]

    # the reply and its answer are in the dossier's message log, the number masked
    log = officers("X28720", "receiver").dossier(code)["sms"]
    templates = [m["template_id"] for m in log]
    assert {"evaluation_invite", "evaluation_thanks", "evaluation_refused"} <= set(templates)
    assert all("912300" not in (m["to"] or "") for m in log)


def test_an_evaluation_on_the_page_then_a_reply_is_refused(officers):
    msisdn, since = "84912300422", len(read_received(FAKESMSC_LOG))
    code = returned_dossier(officers, "0912300422")
    wait_sms(msisdn, since, "Moi danh gia")
    wrong = requests.post(  # a failed lookup: counted for a client address of its own
        f"{BASE}/api/track/{code}/evaluation",
        json={"phone": "9999", "level": 1},
        headers=client_headers(fresh_client()),
        timeout=30,
    )
    assert wrong.status_code == 404  # the phone check first
    r = requests.post(
        f"{BASE}/api/track/{code}/evaluation",
        json={"phone": "0422", "level": 1, "answers": {"attitude": 1, "timeliness": 2}},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    assert (r.json()["level"], r.json()["channel"]) == (1, "page")
    again = requests.post(
        f"{BASE}/api/track/{code}/evaluation", json={"phone": "0422", "level": 3}, timeout=30
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_evaluated"
    since = len(read_received(FAKESMSC_LOG))
    stack("sms-mo", msisdn, SHORT_NUMBER, "3")
    assert code in wait_sms(msisdn, since, "đã được đánh giá trước đó").text


def test_a_reply_that_matches_no_invitation_gets_a_polite_answer(officers):
    msisdn, since = "84912300433", len(read_received(FAKESMSC_LOG))
    stack("sms-mo", msisdn, SHORT_NUMBER, "hello")
    polite = wait_sms(msisdn, since, "không có lời mời đánh giá")
    assert polite.text.startswith("Cảm ơn ông/bà đã nhắn tin.")


def test_the_inbound_endpoint_needs_the_shared_secret():
    r = requests.get(
        INBOUND,
        params={"secret": "wrong", "from": "84912300444", "text": "1", "id": "x1"},
        timeout=30,
    )
    assert r.status_code == 401
    r = requests.get(
        INBOUND,
        params={"from": "84912300444", "text": "1", "id": "x2"},
        timeout=30,
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "bad_secret"


def test_an_evaluation_before_the_result_is_returned_is_refused(officers):
    receiver = officers("X28720", "receiver")
    code = receiver.receive("HT-03", phone="0912300455")["code"]
    r = requests.post(
        f"{BASE}/api/track/{code}/evaluation", json={"phone": "0455", "level": 1}, timeout=30
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_returned", r.text


def feedback_of(officer, office: str, code: str) -> dict | None:
    r = officer.get(f"/api/offices/{office}/feedback")
    assert r.status_code == 200, r.text
    return next((f for f in r.json()["feedback"] if f["code"] == code), None)


def test_feedback_submitted_assigned_answered_and_sent_by_sms(officers, stack_clock):
    receiver, leader = officers("X28720", "receiver"), officers("X28720", "leader")
    (phone, msisdn, tail), since = new_phone(), len(read_received(FAKESMSC_LOG))
    dossier = receiver.receive("HT-03", phone=phone)["code"]
    content = "Cán bộ hướng dẫn chưa rõ <script>alert(1)</script> về giấy tờ cần nộp."
    made = submit_feedback(dossier, tail, content)
    code = made["code"]
    assert code.startswith("PA-X28720-") and made["status"] == "received"
    assert made["content"] == content  # stored as text, as given
    received = wait_sms(msisdn, since, f"Đã nhận phản ánh, kiến nghị {code}")
    assert f"/feedback?code={code}" in received.text

    # the office sees it (and a district leader above it); another commune does not
    listed = eventually(lambda: feedback_of(receiver, "X28720", code))
    assert listed["phone_tail"] == tail and listed["dossier_code"] == dossier
    assert feedback_of(officers("H824", "leader"), "H824", code) is not None
    assert officers("X28702", "receiver").get("/api/offices/X28720/feedback").status_code == 403

    # a receiver may not assign; the leader assigns, then answers
    r = receiver.post(f"/api/feedback/{code}/assign", {"assignee": "Trần Thị Bích"})
    assert r.status_code == 403, r.text
    r = leader.post(f"/api/feedback/{code}/assign", {"assignee": "Trần Thị Bích"})
    assert r.status_code == 200 and r.json()["status"] == "assigned", r.text
    since = len(read_received(FAKESMSC_LOG))
    answer = "Bộ phận Một cửa đã bổ sung bảng hướng dẫn giấy tờ tại quầy. Xin cảm ơn ông/bà."
    r = leader.post(f"/api/feedback/{code}/answer", {"answer": answer})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["timing"]) == ("answered", "on_time")
    sms = wait_sms(msisdn, since, f"trả lời {code}")
    assert answer in sms.text
    again = leader.post(f"/api/feedback/{code}/answer", {"answer": answer})
    assert again.status_code == 409

    # the citizen's page: the answer, and nothing else of the office's people
    r = requests.get(f"{BASE}/api/feedback/{code}", params={"phone": tail}, timeout=30)
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["answer"] == answer and view["status_label"] == "Đã trả lời"
    assert "answered_by" not in view and "phone" not in view and "phone_tail" not in view
    wrong = "0000" if tail != "0000" else "1111"
    r = requests.get(
        f"{BASE}/api/feedback/{code}",
        params={"phone": wrong},
        headers=client_headers(fresh_client()),
        timeout=30,
    )
    assert r.status_code == 404


def test_overdue_feedback_is_raised_once(officers, stack_clock):
    receiver = officers("X28720", "receiver")
    phone, _, tail = new_phone()
    dossier = receiver.receive("HT-03", phone=phone)["code"]
    with Connection(AMQP_URI) as conn:
        channel = conn.channel()
        tap = Queue("", exclusive=True, auto_delete=True)(channel)
        tap.declare()
        events = Exchange("feedback.events", type="topic", durable=True)(channel)
        tap.bind_to(exchange=events, routing_key="feedback_overdue")
        wish = "Đề nghị bố trí thêm ghế chờ tại Bộ phận Một cửa."
        code = submit_feedback(dossier, tail, wish)["code"]
        seen: list[dict] = []

        def raised() -> int:
            for m in iter(lambda: tap.get(no_ack=True), None):
                body = json.loads(m.body)
                if body["dossier_code"] == code:
                    seen.append(body)
            return len(seen)

        stack_clock.set(timedelta(days=30))  # past its 10 working days
        eventually(raised, 20, "the overdue notice")
        listed = feedback_of(receiver, "X28720", code)
        assert listed["overdue"] and listed["status"] == "received"
        stack_clock.set(timedelta(days=31))
        time.sleep(7)  # more than one round of the feedback service's timer (5 s)
        assert raised() == 1
        assert seen[0]["payload"]["office_id"] == "X28720"


def test_feedback_hostile_input_is_refused_with_nothing_stored(officers):
    receiver = officers("X28720", "receiver")
    dossier = receiver.receive("HT-03", phone="0912300488")["code"]
    body = {"kind": "complaint", "dossier_code": dossier, "phone": "0488"}
    hostile = [
        {**body, "content": "quá ngắn"},
        {**body, "content": "x" * 2001},
        {**body, "content": "nội dung có ký tự lạ \u202e ở giữa câu này"},
        {**body, "kind": "bribe", "content": "Một nội dung đủ dài để được nhận."},
        {**body, "content": {"$gt": ""}},
        {"kind": "complaint", "content": "Không có mã hồ sơ và không xác nhận số điện thoại."},
        {**body, "$where": "1", "content": "Một nội dung đủ dài để được nhận."},
        {**body, "phone": "9999", "content": "Một nội dung đủ dài để được nhận."},
        {**body, "office_id": "X28702", "verification_id": "not-a-real-one-123"},
    ]
    client = fresh_client()
    for bad in hostile:
        r = send(bad, client)
        assert 400 <= r.status_code < 500, (bad, r.status_code, r.text)
    listed = receiver.get("/api/offices/X28720/feedback").json()["feedback"]
    assert [f for f in listed if f["dossier_code"] == dossier] == []  # nothing stored


PER_CLIENT = 20  # deploy/config.yml FEEDBACK_PER_CLIENT


def send(body: dict, client: str) -> requests.Response:
    return requests.post(
        f"{BASE}/api/feedback", json=body, headers=client_headers(client), timeout=30
    )


def test_feedback_limit_per_phone(officers):
    phone, _, tail = new_phone()
    dossier = officers("X28720", "receiver").receive("HT-03", phone=phone)["code"]
    ok = {
        "kind": "complaint",
        "content": "Một nội dung đủ dài để được nhận.",
        "dossier_code": dossier,
        "phone": tail,
    }
    client = fresh_client()
    answers = [send(ok, client) for _ in range(4)]
    assert [r.status_code for r in answers] == [201, 201, 201, 429], [r.text for r in answers]
    assert answers[3].json()["error"]["code"] == "too_many_feedback"


def test_feedback_limit_per_client_address(officers):
    """Feedback about dossiers of several phones, all from one client address: the 21st in the
    hour is refused."""
    receiver, client = officers("X28720", "receiver"), fresh_client()
    codes = []
    for _ in range(PER_CLIENT // 3 + 1):
        phone, _, tail = new_phone()
        dossier = receiver.receive("HT-03", phone=phone)["code"]
        for _ in range(3):
            body = {
                "kind": "complaint",
                "content": "Một nội dung đủ dài để được nhận.",
                "dossier_code": dossier,
                "phone": tail,
            }
            codes.append(send(body, client).status_code)
    assert codes[:PER_CLIENT] == [201] * PER_CLIENT and set(codes[PER_CLIENT:]) == {429}


def test_feedback_without_a_dossier_from_a_confirmed_phone(officers):
    phone, client = fresh_phone(), fresh_client()
    body = {
        "kind": "recommendation",
        "content": "Đề nghị niêm yết số điện thoại đường dây nóng tại cổng Ủy ban.",
        "office_id": "X28702",
    }
    r = send({**body, "verification_id": "not-a-verification-1"}, client)
    assert r.status_code == 403 and r.json()["error"]["code"] == "phone_not_verified"
    other = verify_phone(phone, "online_submission", client)  # proven for another purpose
    assert send({**body, "verification_id": other}, client).status_code == 403
    proof = verify_phone(phone, "feedback", client)
    since = len(read_received(FAKESMSC_LOG))
    r = send({**body, "verification_id": proof}, client)
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    assert code.startswith("PA-X28702-")  # routed to the office the citizen picked
    wait_sms(f"84{phone[1:]}", since, f"Đã nhận phản ánh, kiến nghị {code}")
    listed = feedback_of(officers("X28702", "receiver"), "X28702", code)
    assert listed is not None and listed["dossier_code"] is None
    assert listed["phone_tail"] == phone[-4:]
    unknown = send({**body, "verification_id": proof, "office_id": "X99999"}, client)
    assert unknown.status_code == 422


def test_the_kiosk_is_the_counters(officers):
    """A dossier decided by the district and returned at Vàm Láng's counter: the district's
    handler reads it, but its kiosk is the counter's."""
    receiver, handler = officers("X28720", "receiver"), officers("H824", "handler")
    code = receiver.receive("XD-01", phone="0912300566", fee_method="transfer")["code"]
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    handler.act(code, "resolve")
    receiver.wait_state(code, "ready_at_counter")
    receiver.act(code, "hand_over")
    assert handler.get(f"/api/dossiers/{code}").status_code == 200
    r = handler.post(f"/api/dossiers/{code}/evaluation", {"level": 1})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_office", r.text
    opened = eventually(
        lambda: (e := receiver.get(f"/api/dossiers/{code}/evaluation").json())["open"] and e
    )
    assert opened["evaluated"] is False
