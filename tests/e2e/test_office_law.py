"""The one-stop office as the law counts it, over HTTP on the running stack: a counter refuses
what it may not receive and names who may; each office is judged by its own steps; an apology
(form 04) only before the appointment, and it does not turn late into on time; a supplement
pauses the clock (the worklist says so) and resumes at a whole office instant with an SMS; a
five-document supplement request reaches the citizen; the tracking book (form 07)."""

import random
from datetime import datetime, time, timedelta

import pytest

from contracts.calendar import WorkingCalendar
from services.notification.fakesmsc import read_received
from services.notification.templates import format_datetime
from tests.e2e.conftest import FAKESMSC_LOG, eventually, stats_when

pytestmark = pytest.mark.e2e
CAL = WorkingCalendar()


def far_day() -> datetime:
    """08:00 of a random working day years ahead: a period no other test has dossiers in."""
    # SystemRandom: pytest-randomly reseeds `random` alike in every run, and a day reused by an
    # earlier run would already hold its dossiers
    day = datetime.now(CAL.tz).date() + timedelta(days=random.SystemRandom().randint(400, 9000))
    while not CAL.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(8, 0), tzinfo=CAL.tz)


def at(stack_clock, instant: datetime) -> None:
    stack_clock.set(instant - datetime.now(CAL.tz))


def sms_to(msisdn: str, since: int) -> list:
    return [s for s in read_received(FAKESMSC_LOG)[since:] if s.to == msisdn]


def test_a_counter_that_may_not_receive_names_those_that_may(officers):
    r = officers("T82", "receiver").post(
        "/api/dossiers",
        {"procedure_code": "XD-01", "applicant": {"name": "Lê Văn Bình", "phone": "0912345678"}},
    )
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "office_cannot_receive"
    assert set(error["may_receive_at"]) == {"H824", "X28720", "X28702", "X28726"}
    assert "H824" in error["message"]
    r = officers("T08", "receiver").post(
        "/api/dossiers",
        {"procedure_code": "HT-03", "applicant": {"name": "Lê Văn Bình", "phone": "0912345678"}},
    )
    assert r.json()["error"]["code"] == "deciding_office_required"


def test_each_office_is_judged_by_its_own_steps(officers, stack_clock):
    """Commune and district hand on early, the province resolves late: the commune and the
    district are on time for their steps, the province late; the dossier counts late for the
    province (it decided) and the commune (its counter returned it)."""
    counter = officers("X28720", "receiver")
    handlers = {o: officers(o, "handler") for o in ("X28720", "H824", "T82")}
    leader = officers("T82", "leader")
    day = far_day()
    at(stack_clock, day)
    code = counter.receive("NCC-01")["code"]
    for office in ("X28720", "H824"):
        handlers[office].wait_in_worklist(code)
        handlers[office].act(code, "accept")
        handlers[office].act(code, "resolve")
    handlers["T82"].wait_in_worklist(code)
    handlers["T82"].act(code, "accept")
    dossier = handlers["T82"].dossier(code)
    at(stack_clock, datetime.fromisoformat(dossier["legal_due_at"]) + timedelta(days=3))
    handlers["T82"].act(code, "resolve")
    ready = counter.wait_state(code, "ready_at_counter")
    assert ready["timing"] == "late"
    counter.act(code, "hand_over")
    route = counter.dossier(code)["route"]
    assert [s["timing"] for s in route] == ["early", "early", "late"]

    end = (day + timedelta(days=60)).date().isoformat()

    def stats(office):
        r = leader.get("/api/stats", office=office, **{"from": day.date().isoformat(), "to": end})
        assert r.status_code == 200, r.text
        return r.json()

    stats_when(leader, "X28720", day.date().isoformat(), end, {"returned": 1})  # counted
    commune, district, province = (stats(o) for o in ("X28720", "H824", "T82"))
    early = {"early": 1, "on_time": 0, "late": 0, "total": 1}
    late = {"early": 0, "on_time": 0, "late": 1, "total": 1}
    nothing = {"early": 0, "on_time": 0, "late": 0, "total": 0}
    assert commune["steps"]["handed_on"] == district["steps"]["handed_on"] == early
    assert commune["steps"]["on_time_rate"] == district["steps"]["on_time_rate"] == 1.0
    assert province["steps"]["decided"] == late and province["steps"]["on_time_rate"] == 0.0
    assert province["resolved"] == commune["resolved"] == late
    assert district["resolved"] == nothing
    assert commune["received"]["counter"] == 1  # received at the commune's counter only
    assert district["received"]["counter"] == province["received"]["counter"] == 0
    assert (district["transferred_in"], province["transferred_in"]) == (1, 1)
    assert commune["returned"] == 1 and province["returned"] == 0


def test_apology_before_the_appointment_only_and_late_stays_late(officers, stack_clock):
    receiver, handler = officers("X28702", "receiver"), officers("X28702", "handler")
    phone = "0912000404"
    since = len(read_received(FAKESMSC_LOG))
    day = far_day()
    at(stack_clock, day)
    receipt = receiver.receive("HT-03", phone=phone)
    code = receipt["code"]
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    original = datetime.fromisoformat(receipt["appointment_at"])
    assert "extend" in handler.dossier(code)["actions"]
    bad = handler.post(f"/api/dossiers/{code}/actions", {"action": "extend", "reason": "x"})
    assert bad.status_code == 422  # form 04 needs the new date
    new = CAL.closing(CAL.next_working_day(CAL.next_working_day(original.date())))
    reason = "Cần xác minh thêm tại địa phương"
    extended = handler.act(code, "extend", new_due_at=new.isoformat(), reason=reason)
    assert datetime.fromisoformat(extended["appointment_at"]) == new
    assert datetime.fromisoformat(extended["legal_due_at"]) == original
    apology = handler.dossier(code)["apologies"][-1]
    assert (apology["reason"], apology["by"], apology["office_id"]) == (
        reason,
        handler.name,
        "X28702",
    )
    assert datetime.fromisoformat(apology["original_appointment_at"]) == original
    assert datetime.fromisoformat(apology["new_appointment_at"]) == new
    texts = eventually(
        lambda: [s.text for s in sms_to("84912000404", since) if "xin lỗi" in s.text]
    )
    assert format_datetime(new.astimezone(CAL.tz)) in texts[0]

    at(stack_clock, original + timedelta(hours=2))  # past the original, before the new date
    dossier = handler.dossier(code)
    assert "extend" in dossier["actions"]  # the current appointment (the new one) is ahead
    at(stack_clock, new + timedelta(minutes=1))  # the new appointment has passed too
    assert "extend" not in handler.dossier(code)["actions"]
    again = (new + timedelta(days=5)).isoformat()
    error = handler.act(code, "extend", expect=409, new_due_at=again, reason=reason)["error"]
    assert error["code"] == "appointment_passed"
    at(stack_clock, original + timedelta(hours=2))
    handler.act(code, "resolve")
    finished = receiver.wait_state(code, "ready_at_counter")
    assert finished["timing"] == "late"  # after the original appointment: late, apology on record


def test_supplement_pauses_then_resumes_at_a_whole_instant_with_an_sms(officers, stack_clock):
    receiver, handler = officers("X28726", "receiver"), officers("H824", "handler")
    phone = "0912000505"
    since = len(read_received(FAKESMSC_LOG))
    day = far_day() + timedelta(hours=1, minutes=17, seconds=12)  # an odd minute
    at(stack_clock, day)
    code = receiver.receive("XD-01", phone=phone)["code"]
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    missing = [
        "Bản vẽ mặt bằng công trình có chữ ký của chủ đầu tư",
        "Bản sao chứng thực Giấy chứng nhận quyền sử dụng đất",
        "Bản vẽ mặt cắt móng và mặt đứng chính của công trình",
        "Văn bản cam kết bảo đảm an toàn cho công trình liền kề",
        "Giấy ủy quyền có chứng thực của người đứng tên hồ sơ",
    ]
    handler.act(code, "request_supplement", missing_documents=missing, reason="Hồ sơ chưa đủ")
    row = handler.wait_in_worklist(code)
    assert (row["state"], row["due_status"]) == ("supplement_requested", "paused")
    at(stack_clock, day + timedelta(days=40))  # far past the old due: still paused, not overdue
    assert handler.wait_in_worklist(code)["due_status"] == "paused"
    assert not [e for e in handler.dossier(code)["history"] if e["type"] == "dossier_overdue"]

    # the five-document request reached the citizen, within three parts
    asked = eventually(lambda: [s for s in sms_to("84912000505", since) if "bổ sung:" in s.text])
    assert code in asked[0].text and asked[0].parts <= 3
    assert "giấy tờ khác" in asked[0].text or "giấy tờ" in asked[0].text
    log = {m["template_id"]: m for m in receiver.dossier(code)["sms"]}
    assert log["supplement_requested"]["status"] in ("sent", "delivered")

    at(stack_clock, day + timedelta(days=41, minutes=3))
    resumed = receiver.act(code, "supplement")
    new = datetime.fromisoformat(resumed["appointment_at"])
    assert new.astimezone(CAL.tz).time() in {end for _, end in CAL.hours}  # a whole instant
    row = handler.wait_in_worklist(code)
    assert row["due_status"] in ("on_time", "due_soon")
    texts = eventually(
        lambda: [s.text for s in sms_to("84912000505", since) if "Hẹn trả mới" in s.text]
    )
    assert format_datetime(new.astimezone(CAL.tz)) in texts[0]


def test_tracking_book_lists_a_counters_dossiers_of_a_period(officers, stack_clock):
    receiver, leader = officers("X30037", "receiver"), officers("X30037", "leader")
    day = far_day()
    at(stack_clock, day)
    codes = [receiver.receive("HT-03")["code"] for _ in range(3)]
    refused = receiver.receive("HT-01", not_accepted_reason="Thiếu giấy chứng sinh")["code"]
    d = day.date().isoformat()
    first = leader.get("/api/offices/X30037/book", **{"from": d, "to": d, "limit": 2}).json()
    assert [e["code"] for e in first["entries"]] == codes[:2] and first["next"]
    rest = leader.get(
        "/api/offices/X30037/book", **{"from": d, "to": d, "after": first["next"]}
    ).json()
    assert [e["code"] for e in rest["entries"]] == [codes[2], refused] and rest["next"] is None
    entry = first["entries"][0]
    assert entry["applicant_name"] == "Nguyễn Văn An" and entry["status"] == "received"
    assert entry["state"] in ("awaiting_acceptance", "received") and entry["status_label"]
    assert rest["entries"][1]["status"] == "not_accepted"
    other = officers("X28720", "receiver").get("/api/offices/X30037/book", **{"from": d, "to": d})
    assert other.status_code == 403
    bad = leader.get("/api/offices/X30037/book", **{"from": d, "to": "2000-01-01"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_period")
