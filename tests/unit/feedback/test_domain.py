"""The rules of evaluations and feedback: one evaluation per dossier, the due date in working
days, who assigns and answers, on time or late, the overdue notice once, what the citizen sees,
the figures and the months."""

from datetime import UTC, datetime, timedelta

import pytest

from contracts.calendar import WorkingCalendar
from contracts.errors import Forbidden, IllegalAction
from services.feedback import domain

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 09:00 in Vietnam
LEADER = {"name": "Võ Thành Đạt", "role": "leader", "office_id": "X28720"}
DISTRICT_LEADER = {"name": "Lê Văn Tâm", "role": "leader", "office_id": "H824"}
RECEIVER = {"name": "Nguyễn Thị Lan", "role": "receiver", "office_id": "X28720"}
OTHER_LEADER = {"name": "Trần Văn Bình", "role": "leader", "office_id": "X28702"}


def within(office_id: str, ancestor_id: str) -> bool:
    return office_id == ancestor_id or (office_id, ancestor_id) == ("X28720", "H824")


def feedback(**more) -> dict:
    request = {"kind": "complaint", "content": "Phải chờ quá lâu ở quầy.", "dossier_code": None}
    due = domain.due_at(NOW, WorkingCalendar(), 10)
    return {
        **domain.new_feedback("PA-X28720-261207-0001", request, "X28720", "0912345678", NOW, due),
        **more,
    }


def test_a_dossier_is_evaluated_once():
    ev = domain.invitation("X28720-261207-0001", "X28720", NOW)
    changes, events = domain.evaluate(ev, 2, {"attitude": 1}, "sms", NOW)
    assert changes["status"] == domain.EVALUATED and changes["channel"] == "sms"
    assert events == [
        ("evaluation_recorded", {"office_id": "X28720", "level": 2, "channel": "sms"})
    ]
    with pytest.raises(IllegalAction) as refused:
        domain.evaluate({**ev, **changes}, 1, {}, "page", NOW)
    assert refused.value.code == "already_evaluated"
    assert refused.value.details["channel"] == "sms"


def test_the_view_says_whether_it_may_be_evaluated():
    assert domain.evaluation_view(None)["open"] is False  # not returned yet
    ev = domain.invitation("X28720-261207-0001", "X28720", NOW)
    view = domain.evaluation_view(ev)
    assert (view["open"], view["evaluated"]) == (True, False)
    assert [lv["label"] for lv in view["levels"]] == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]


def test_feedback_is_due_in_ten_working_days_at_the_close_of_office():
    f = feedback()
    local = WorkingCalendar().local(f["due_at"])
    assert (local.date().isoformat(), local.strftime("%H:%M")) == ("2026-12-21", "17:00")


def test_a_leader_of_the_office_or_above_assigns_and_answers():
    f = feedback()
    with pytest.raises(Forbidden):
        domain.assign(f, "Trần Thị Bích", RECEIVER, within, NOW)
    with pytest.raises(Forbidden):
        domain.assign(f, "Trần Thị Bích", OTHER_LEADER, within, NOW)
    changes, _ = domain.assign(f, "Trần Thị Bích", DISTRICT_LEADER, within, NOW)
    assert (changes["assignee"], changes["assigned_by"]) == ("Trần Thị Bích", "Lê Văn Tâm")
    f = {**f, **changes}
    assignee = {"name": "Trần Thị Bích", "role": "handler", "office_id": "X28720"}
    changes, events = domain.answer(f, "Đã mở thêm một quầy.", assignee, within, NOW)
    assert (changes["timing"], events[0][1]["answer"]) == ("on_time", "Đã mở thêm một quầy.")
    with pytest.raises(IllegalAction):
        domain.answer({**f, **changes}, "Lần nữa.", LEADER, within, NOW)


def test_an_answer_after_the_due_date_is_late():
    f = feedback()
    changes, _ = domain.answer(
        f, "Xin lỗi vì trả lời chậm.", LEADER, within, f["due_at"] + timedelta(seconds=1)
    )
    assert changes["timing"] == "late"


def test_overdue_is_raised_once_and_never_for_an_answered_one():
    f = feedback()
    assert domain.overdue(f, f["due_at"]) == ({}, [])
    changes, events = domain.overdue(f, f["due_at"] + timedelta(minutes=1))
    assert changes == {"overdue_raised": True} and events[0][0] == "feedback_overdue"
    assert domain.overdue({**f, **changes}, f["due_at"] + timedelta(days=3)) == ({}, [])
    answered = {**f, "status": "answered"}
    assert domain.overdue(answered, f["due_at"] + timedelta(days=3)) == ({}, [])


def test_the_citizen_sees_no_phone_and_no_officer():
    view = domain.citizen_view({**feedback(), "assignee": "Trần Thị Bích", "answered_by": "X"})
    assert "phone" not in view and "assignee" not in view and "answered_by" not in view
    officer = domain.officer_view(feedback(), NOW)
    assert officer["phone_tail"] == "5678" and officer["overdue"] is False


def test_figures_and_the_satisfaction_rate():
    pending = [{"due_at": NOW - timedelta(days=1)}, {"due_at": NOW + timedelta(days=1)}]
    answered = [{"timing": "on_time"}, {"timing": "late"}, {"timing": "on_time"}]
    found = domain.figures([1, 1, 2, 3], answered, 5, pending, NOW)
    assert found["evaluations"]["total"] == 4
    assert [lv["count"] for lv in found["evaluations"]["by_level"]] == [2, 1, 1]
    assert found["evaluations"]["satisfaction_rate"] == 75.0
    assert found["feedback"] == {
        "received": 5,
        "answered_on_time": 2,
        "answered_late": 1,
        "pending": 2,
        "pending_past_due": 1,
    }
    assert domain.figures([], [], 0, [], NOW)["evaluations"]["satisfaction_rate"] is None


def test_months_are_local_months():
    calendar = WorkingCalendar()
    given = [
        (datetime(2026, 11, 30, 18, 0, tzinfo=UTC), 3),  # 1 December 01:00 in Vietnam
        (datetime(2026, 11, 15, 3, 0, tzinfo=UTC), 1),
        (datetime(2026, 12, 2, 3, 0, tzinfo=UTC), 1),
    ]
    rows = domain.by_month(given, ["2026-11", "2026-12"], calendar)
    assert rows == [
        {"month": "2026-11", "evaluations": 1, "satisfaction_rate": 100.0},
        {"month": "2026-12", "evaluations": 2, "satisfaction_rate": 50.0},
    ]
