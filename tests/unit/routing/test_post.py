"""Routing's side of postal return: who may send by post, and what the post's news does."""

from datetime import UTC, datetime

import pytest

from contracts import lifecycle as lc
from contracts.errors import IllegalAction
from services.routing import domain

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
RECEIVER = {"name": "Lê Văn Tâm", "role": "receiver", "office_id": "X28720"}


def dossier(state=lc.READY_AT_COUNTER, return_method="post"):
    return {
        "_id": "X28720-261123-0001",
        "state": state,
        "return_method": return_method,
        "receiving_office_id": "X28720",
        "office_id": "X28720",
        "step_index": 0,
        "route": [{"index": 0, "office_id": "X28720", "due_at": NOW}],
        "at_office": True,
        "appointment_at": NOW,
        "supplement_requests": 0,
        "finished_at": NOW,
    }


def shipment(**extra):
    return {"tracking_number": "EL123456789VN", "attempt": 1, "at": NOW, **extra}


def test_only_a_citizen_who_chose_post_gets_the_result_by_post():
    assert lc.RETURN_RESULT in domain.allowed_actions(dossier(), lc.RECEIVER, NOW)
    counter = dossier(return_method="counter")
    assert domain.allowed_actions(counter, lc.RECEIVER, NOW) == [lc.HAND_OVER]
    with pytest.raises(IllegalAction) as exc:
        domain.act(counter, lc.RETURN_RESULT, {}, RECEIVER, NOW, None)
    assert exc.value.details["allowed_actions"] == [lc.HAND_OVER]


def test_delivered_by_post_returns_the_dossier():
    decision = domain.on_shipment(
        dossier(lc.RETURNING_BY_POST), "shipment_delivered", shipment(), NOW
    )
    assert decision.changes == {"state": lc.RETURNED, "returned_at": NOW}
    assert decision.events[0][0] == "result_delivered_by_post"
    assert decision.events[0][1]["tracking_number"] == "EL123456789VN"


def test_brought_back_by_post_is_ready_at_the_counter_again():
    decision = domain.on_shipment(
        dossier(lc.RETURNING_BY_POST), "shipment_returned", shipment(attempt=3), NOW
    )
    assert decision.changes == {"state": lc.READY_AT_COUNTER}
    assert decision.events[0][0] == "result_returned_from_post"
    assert decision.events[0][1]["attempt"] == 3


def test_the_pick_up_is_a_control_sheet_row_signed_by_both():
    handover = {"postal_worker": "Trần Thị Bình", "officer": "Lê Văn Tâm", "at": NOW}
    decision = domain.on_shipment(
        dossier(lc.RETURNING_BY_POST), "shipment_picked_up", shipment(handover=handover), NOW
    )
    assert decision.changes == {} and decision.events == []
    assert decision.handovers == [
        {
            "from_office_id": "X28720",
            "to_office_id": domain.POST,
            "at": NOW,
            "by": "Lê Văn Tâm",
            "by_system": False,
            "received_by": "Trần Thị Bình",
            "received_at": NOW,
            "received_by_system": False,
            "step_due_at": None,
            "timing": None,
        }
    ]


def test_a_pick_up_without_the_officer_is_given_by_the_system():
    handover = {"postal_worker": "Trần Thị Bình", "officer": None, "at": NOW}
    decision = domain.on_shipment(
        dossier(lc.RETURNING_BY_POST), "shipment_picked_up", shipment(handover=handover), NOW
    )
    [row] = decision.handovers
    assert row["by"] == domain.SYSTEM and row["by_system"] is True
    assert row["received_by"] == "Trần Thị Bình" and row["received_by_system"] is False


def test_sending_by_post_is_a_counter_action_recorded_in_history():
    decision = domain.act(dossier(), lc.RETURN_RESULT, {}, RECEIVER, NOW, None)
    assert decision.changes == {"state": lc.RETURNING_BY_POST}
    assert [e[0] for e in decision.events] == ["result_sent_by_post"]
    assert decision.history[0]["by"] == "Lê Văn Tâm"
    assert decision.history[0]["national_status"] == 9


@pytest.mark.parametrize("state", [lc.RETURNED, lc.READY_AT_COUNTER])
def test_news_of_an_earlier_shipment_changes_nothing(state):
    decision = domain.on_shipment(dossier(state), "shipment_delivered", shipment(), NOW)
    assert not (decision.changes or decision.events or decision.handovers)
