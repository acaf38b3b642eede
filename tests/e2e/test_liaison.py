"""The liaison workflow over HTTP on the running stack: every route shape, supplements, refusal,
withdrawal, extension, deadlines with a moved clock, bad actions, and an office's statistics."""

import random
from datetime import datetime, time, timedelta
from time import sleep

import pytest

from contracts.calendar import WorkingCalendar
from tests.e2e.conftest import eventually, stats_when

pytestmark = pytest.mark.e2e

SHAPES = [  # (procedure, receiving counter, the route's offices, more of the request)
    ("HT-03", "X28720", ["X28720"], {}),  # the commune decides
    ("XD-01", "X28720", ["X28720", "H824"], {}),  # commune → district
    ("XD-01", "H824", ["H824"], {}),  # received at the district's own counter
    ("TP-02", "X28720", ["X28720", "T82"], {}),  # commune → province, the district skipped
    ("TP-02", "T82", ["T82"], {}),  # received at the province centre
    ("NCC-01", "X28720", ["X28720", "H824", "T82"], {}),  # all three levels
    ("NCC-01", "H824", ["H824", "T82"], {}),  # a liaison procedure received above the commune
    ("NCC-01", "T82", ["T82"], {}),
    ("XH-01", "H824", ["H824"], {}),  # the commune's 10 days pass to the district's step
    ("CT-03", "X28720", ["X28720"], {}),  # a common procedure, decided where it is received
    ("CT-03", "H824", ["H824"], {}),
    ("CT-03", "T82", ["T82"], {}),
    ("NCC-01", "X02269", ["X02269", "T08"], {}),  # a two-level province (2025)
    ("XD-01", "X02269", ["X02269"], {}),  # no district: the commune decides it
    ("TP-02", "X02380", ["X02380", "T08"], {}),
    ("CT-03", "X02269", ["X02269"], {}),
    ("CT-03", "T08", ["T08"], {}),
    ("DN-01", "T08", ["T08"], {}),
    ("NCC-01", "T08", ["T08"], {}),
    # a two-level province centre receives what a commune decides and sends it down to it
    ("HT-03", "T08", ["T08", "X02269"], {"deciding_office_id": "X02269"}),
    ("XD-01", "T08", ["T08", "X02380"], {"deciding_office_id": "X02380"}),
]


def history_types(dossier: dict) -> list[str]:
    return [e["type"] for e in dossier["history"]]


@pytest.mark.parametrize("procedure, counter, offices, extra", SHAPES)
def test_route_shape_end_to_end(officers, procedure, counter, offices, extra):
    receiver = officers(counter, "receiver")
    receipt = receiver.receive(procedure, **extra)
    code = receipt["code"]
    assert [s["office_id"] for s in receipt["route"]] == offices

    steps = receipt["receipt"]["route"]
    # each level with work to do accepts and finishes its step, the last one decides; a counter
    # step without processing time (the commune only receives) is forwarded at once
    deciding = [s["office_id"] for s in steps if s["duration_amount"] or s is steps[-1]]
    for office in deciding:
        handler = officers(office, "handler")
        entry = handler.wait_in_worklist(code)
        assert entry["allowed_actions"]["handler"] == ["accept", "extend"]
        handler.act(code, "accept")
        handler.act(code, "resolve")

    ready = receiver.wait_state(code, "ready_at_counter")
    assert ready["outcome"] == "resolved"
    assert ready["timing"] == "early"  # decided the same day, well before the appointment
    done = receiver.act(code, "hand_over")
    assert (done["state"], done["national_status"]) == ("returned", 10)

    dossier = receiver.dossier(code)
    sheet = dossier["control_sheet"]
    forward = [(h["from_office_id"], h["to_office_id"]) for h in sheet if h["timing"]]
    back = [(h["from_office_id"], h["to_office_id"]) for h in sheet if not h["timing"]]
    assert forward == list(zip(offices, offices[1:], strict=False))
    assert back == [(b, a) for a, b in reversed(list(zip(offices, offices[1:], strict=False)))]
    assert all(h["timing"] in ("early", "on_time") for h in sheet if h["timing"])
    # both columns of every row name a person, or say that the system did it (docs/domain.md)
    people = {officers(o, role).name for o in offices for role in ("receiver", "handler")}
    for row in sheet:
        assert row["by"] in people or (row["by_system"] and row["by"] == "system"), row
        assert row["received_by"] in people or row["received_by_system"], row
        assert row["received_at"] >= row["at"]
    assert all(step["done_at"] and step["timing"] for step in dossier["route"])
    types = history_types(dossier)
    assert types.count("dossier_accepted") == len(deciding)
    assert types.count("dossier_forwarded") == len(offices) - 1
    assert types.count("dossier_resolved") == 1
    assert types.count("result_returned") == 1
    assert types[-1] == "result_handed_over"


def test_supplement_loop_pauses_the_clock(officers, stack_clock):
    receiver, handler = officers("X28720", "receiver"), officers("H824", "handler")
    code = receiver.receive("XD-01")["code"]
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    before = handler.dossier(code)
    r = handler.post(f"/api/dossiers/{code}/actions", {"action": "request_supplement"})
    assert r.status_code == 422  # form 02 needs what is missing and why
    asked = handler.act(
        code,
        "request_supplement",
        missing_documents=["Bản vẽ mặt bằng có chữ ký"],
        reason="Bản vẽ thiếu chữ ký của chủ đầu tư",
    )
    assert asked["state"] == "supplement_requested" and asked["national_status"] == 5
    assert handler.act(code, "resolve", expect=409)["error"]["state"] == ("supplement_requested")

    stack_clock.set(timedelta(days=3))  # the citizen comes back three days later
    resumed = receiver.act(code, "supplement")
    assert resumed["state"] == "in_process"
    after = handler.dossier(code)
    history = after["history"]
    paused_at = datetime.fromisoformat(
        next(e for e in history if e["type"] == "supplement_requested")["at"]
    )
    resumed_at = datetime.fromisoformat(
        next(e for e in history if e["type"] == "dossier_supplemented")["at"]
    )
    calendar = WorkingCalendar()
    paused = calendar.working_time_between(paused_at, resumed_at)
    assert paused > timedelta(0)
    old, new = (datetime.fromisoformat(d["appointment_at"]) for d in (before, after))
    assert new > old
    # the exact remaining time, then the close of its office session: a whole office instant
    assert new == calendar.session_close(calendar.shift_by_working_time(old, paused))
    assert new.astimezone(calendar.tz).time() in {end for _, end in calendar.hours}
    assert after["current_due_at"] == after["appointment_at"] == after["legal_due_at"]

    handler.act(code, "resolve")
    assert receiver.wait_state(code, "ready_at_counter")["supplement_requests"] == 1


def test_refusal_at_district_returns_to_the_counter(officers):
    receiver, handler = officers("X28720", "receiver"), officers("H824", "handler")
    code = receiver.receive("XD-01")["code"]
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    handler.act(code, "refuse", reason="Công trình nằm trong hành lang bảo vệ đê điều")
    ready = receiver.wait_state(code, "ready_at_counter")
    assert ready["timing"] == "early"
    dossier = receiver.dossier(code)
    refusal = next(e for e in dossier["history"] if e["type"] == "dossier_refused")
    assert refusal["reason"].startswith("Công trình") and refusal["office_id"] == "H824"
    assert receiver.act(code, "hand_over")["state"] == "returned"


def test_withdrawal_takes_it_off_the_worklist(officers):
    receiver, handler = officers("X28720", "receiver"), officers("H824", "handler")
    code = receiver.receive("XD-01")["code"]
    handler.wait_in_worklist(code)
    withdrawn = receiver.act(code, "withdraw", reason="Công dân xin rút hồ sơ")
    assert (withdrawn["state"], withdrawn["national_status"]) == ("withdrawn", 7)
    assert all(d["code"] != code for d in handler.worklist())
    error = handler.act(code, "accept", expect=409)["error"]
    assert (error["state"], error["allowed_actions"]) == ("withdrawn", [])


def test_overdue_is_raised_once(officers, stack_clock):
    receiver, handler = officers("X28726", "receiver"), officers("X28726", "handler")
    code = receiver.receive("HT-03")["code"]
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    stack_clock.set(timedelta(days=30))

    def overdue_events():
        return [e for e in handler.dossier(code)["history"] if e["type"] == "dossier_overdue"]

    eventually(overdue_events, 20, "dossier_overdue")
    entry = handler.wait_in_worklist(code)
    assert entry["due_status"] == "overdue"
    sleep(11)  # two more passes of the 5 s deadline timer: no second event
    assert len(overdue_events()) == 1
    handler.act(code, "resolve")
    assert receiver.wait_state(code, "ready_at_counter")["timing"] == "late"


def test_due_soon_is_raised_once_and_coloured(officers, stack_clock):
    receiver, handler = officers("X30064", "receiver"), officers("X30064", "handler")
    code = receiver.receive("HT-03")["code"]
    handler.wait_in_worklist(code)
    handler.act(code, "accept")
    due = datetime.fromisoformat(handler.dossier(code)["current_due_at"])
    assert handler.wait_in_worklist(code)["due_status"] == "on_time"
    stack_clock.set(due - timedelta(hours=1) - datetime.now(due.tzinfo))  # within a working day

    def alerts(kind):
        return [e for e in handler.dossier(code)["history"] if e["type"] == kind]

    eventually(lambda: alerts("dossier_due_soon"), 20, "dossier_due_soon")
    assert handler.wait_in_worklist(code)["due_status"] == "due_soon"
    sleep(11)  # two more passes of the 5 s deadline timer: no second alert, and not overdue
    assert len(alerts("dossier_due_soon")) == 1 and not alerts("dossier_overdue")
    handler.act(code, "resolve")
    assert receiver.wait_state(code, "ready_at_counter")["timing"] == "on_time"


def test_bad_actions_change_nothing(officers):
    receiver, handler = officers("X28720", "receiver"), officers("H824", "handler")
    code = receiver.receive("XD-01")["code"]
    handler.wait_in_worklist(code)
    before = handler.dossier(code)
    error = handler.act(code, "resolve", expect=409)["error"]
    assert (error["state"], error["allowed_actions"]) == (
        "awaiting_acceptance",
        ["accept", "extend"],
    )
    assert officers("X28720", "handler").act(code, "accept", expect=403)["error"]["code"] == (
        "not_your_office"
    )
    assert officers("H872", "handler").get(f"/api/dossiers/{code}").status_code == 403
    assert handler.act("X28720-261122-9999", "accept", expect=404)["error"]["code"] == (
        "unknown_dossier"
    )
    assert handler.act(code, "fly", expect=422)["error"]["code"] == "invalid_input"
    assert handler.dossier(code)["history"] == before["history"]


def _working_day_far_ahead(calendar: WorkingCalendar) -> datetime:
    day = datetime.now(calendar.tz).date() + timedelta(days=random.randint(400, 4000))
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(8, 0), tzinfo=calendar.tz)


def test_statistics_of_a_scripted_period(officers, stack_clock):
    """An office's day scripted at a moved clock, and the table an officer would draw by hand."""
    office = "X30058"
    receiver, handler = officers(office, "receiver"), officers(office, "handler")
    leader = officers(office, "leader")
    calendar = WorkingCalendar()
    day = _working_day_far_ahead(calendar)
    stack_clock.set(day - datetime.now(calendar.tz))

    codes = [receiver.receive("HT-03", channel=c)["code"] for c in ("counter",) * 3]
    codes += [receiver.receive("HT-03", channel="online")["code"]]
    codes += [
        receiver.receive("HT-03", channel="post", postal_handover={"postal_worker": "Vũ Thị Hoa"})[
            "code"
        ]
    ]
    refused_at_counter = receiver.receive("HT-03", not_accepted_reason="Thiếu giấy tờ tùy thân")
    assert refused_at_counter["status"] == "not_accepted"
    resolved, refused, withdrawn, suspended, pending = codes
    for code in codes:
        handler.wait_in_worklist(code)
    for code in (resolved, refused, suspended, pending):
        handler.act(code, "accept")
    handler.act(resolved, "resolve")
    handler.act(refused, "refuse", reason="Không đủ điều kiện kết hôn")
    receiver.act(withdrawn, "withdraw")
    handler.act(suspended, "request_supplement", missing_documents=["Giấy xác nhận"], reason="x")
    receiver.wait_state(resolved, "ready_at_counter")
    receiver.act(resolved, "hand_over")

    d = day.date().isoformat()
    expected_first = {
        "received": {"counter": 3, "online": 1, "post": 1, "carried_over": 0, "total": 5},
        "not_accepted": 1,
        "resolved": {"early": 1, "on_time": 0, "late": 0, "total": 1},
        "refused": 1,
        "stopped": 0,
        "withdrawn": 1,
        "pending": {"within_deadline": 1, "past_deadline": 0},
        "suspended_for_supplement": 1,
        "returned": 1,
        "on_time_rate": 1.0,
    }
    stats_when(leader, office, d, d, expected_first)

    later = day + timedelta(days=30)  # a month on: the pending one is late, then resolved
    stack_clock.set(later - datetime.now(calendar.tz))
    handler.act(pending, "resolve")
    receiver.act(suspended, "supplement")
    d2 = later.date().isoformat()
    expected_second = {
        "received": {"counter": 0, "online": 0, "post": 0, "carried_over": 2, "total": 2},
        "not_accepted": 0,
        "resolved": {"early": 0, "on_time": 0, "late": 1, "total": 1},
        "refused": 0,
        "stopped": 0,
        "withdrawn": 0,
        "pending": {"within_deadline": 1, "past_deadline": 0},
        "suspended_for_supplement": 0,
        "returned": 0,
        "on_time_rate": 0.0,
    }
    stats_when(leader, office, d2, d2, expected_second)
    handler.act(suspended, "resolve")  # leave nothing open for later periods
    assert (
        officers("X28720", "handler")
        .get("/api/stats", office=office, **{"from": d, "to": d})
        .status_code
        == 403
    )
