"""Who reads which dossier and office, and which actions an officer is offered."""

from datetime import UTC, datetime, timedelta

import pytest

from contracts import lifecycle as lc
from contracts.offices import load_offices
from services.common.web import ApiError
from services.gateway import access
from services.routing import domain

OFFICES = load_offices()
NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # Thursday 10:00 in Vietnam
APPOINTMENT = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)  # Thursday 17:00 a week later


def officer(office_id, role=lc.HANDLER):
    return {"name": "Cán bộ", "role": role, "office_id": office_id}


def dossier(state=lc.IN_PROCESS, office_id="H824", at_office=True):
    return {
        "_id": "X28720-261203-0001",
        "procedure_code": "HT-01",
        "state": state,
        "return_method": "counter",
        "receiving_office_id": "X28720",
        "office_id": office_id,
        "at_office": at_office,
        "appointment_at": APPOINTMENT,
        "route": [{"office_id": "X28720"}, {"office_id": "H824"}],
    }


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (officer("X28720", lc.RECEIVER), True),  # the counter that received it
        (officer("H824"), True),  # on its route
        (officer("X28702", lc.RECEIVER), False),  # another commune of the same district
        (officer("X28702", lc.LEADER), False),  # a leader of another commune
        (officer("H872", lc.HANDLER), False),  # another district
        (officer("T82", lc.HANDLER), False),  # the province, not a leader
        (officer("T82", lc.LEADER), True),  # a leader of the province it is in
        (officer("T87", lc.LEADER), False),  # a leader of another province
    ],
)
def test_who_reads_a_dossier(who, allowed):
    assert access.may_read_dossier(who, dossier(), OFFICES) is allowed
    # its receipt, printed before routing has taken the dossier in: the same answer
    receipt = {"office_id": "X28720", "route": dossier()["route"]}
    assert access.may_read_dossier(who, access.receipt_offices(receipt), OFFICES) is allowed
    if not allowed:
        with pytest.raises(ApiError) as exc:
            access.check_dossier(who, dossier(), OFFICES)
        assert exc.value.status == 403


def test_who_reads_an_office():
    assert access.check_office(officer("H824"), "H824", OFFICES).id == "H824"
    assert access.check_office(officer("T82", lc.LEADER), "X28720", OFFICES).id == "X28720"
    for who, office_id in [(officer("H824"), "X28720"), (officer("T82"), "H824")]:
        with pytest.raises(ApiError) as exc:
            access.check_office(who, office_id, OFFICES)
        assert exc.value.status == 403
    with pytest.raises(ApiError) as exc:
        access.check_office(officer("H824"), "NOPE", OFFICES)
    assert exc.value.status == 404


def test_actions_offered_are_the_states_and_the_offices():
    d = dossier()
    handler = domain.actions_for(d, officer("H824"), NOW)
    assert handler == domain.allowed_actions(d, lc.HANDLER, NOW)
    assert handler == [lc.REQUEST_SUPPLEMENT, lc.RESOLVE, lc.REFUSE, lc.EXTEND]
    assert "stop" in domain.actions_for(d, officer("H824", lc.LEADER), NOW)
    assert domain.actions_for(d, officer("X28702"), NOW) == []  # another office
    assert domain.actions_for(d, officer("X28720", lc.RECEIVER), NOW) == [lc.WITHDRAW]  # counter
    assert domain.actions_for(d, officer("X28702", lc.RECEIVER), NOW) == []
    ready = dossier(lc.READY_AT_COUNTER, office_id="X28720")
    assert domain.actions_for(ready, officer("X28720", lc.RECEIVER), NOW) == [lc.HAND_OVER]
    assert domain.actions_for(ready, officer("H824"), NOW) == []


def test_in_transit_the_holding_office_is_offered_nothing_the_counter_still_withdraws():
    d = dossier(lc.AWAITING_ACCEPTANCE, at_office=False)
    assert domain.actions_for(d, officer("H824"), NOW) == []
    assert domain.actions_for(d, officer("X28720", lc.RECEIVER), NOW) == [lc.WITHDRAW]


@pytest.mark.parametrize(
    "now, offered",
    [
        (APPOINTMENT - timedelta(seconds=1), True),
        (APPOINTMENT, False),  # at the appointment it has passed
        (APPOINTMENT + timedelta(days=1), False),
    ],
)
def test_an_apology_is_offered_only_before_the_appointment(now, offered):
    for role in (lc.HANDLER, lc.LEADER):
        assert (lc.EXTEND in domain.actions_for(dossier(), officer("H824", role), now)) is offered
