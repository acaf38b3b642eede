"""What the national portal is told (services/portal_sync/record.py): the table of what each
event changes kept in step with contracts/, a record the portal's contract accepts, the same
record whatever order the events came in, and what a push's answer does."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.calendar import WorkingCalendar
from contracts.events import INTAKE_EVENTS, PAYMENT_EVENTS, POSTAL_EVENTS, ROUTING_EVENTS
from contracts.feedback import FEEDBACK_EVENTS
from contracts.offices import load_offices
from contracts.portal import DossierRecordSchema
from services.portal_sync import record

CAL = WorkingCalendar()
T0 = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday 09:00 in Vietnam
CODE = "X28720-261116-0001"


def envelope(type_, minutes, sequence, message_id=None):
    return {
        "type": type_,
        "dossier_code": CODE,
        "occurred_at": T0 + timedelta(minutes=minutes),
        "sequence": sequence,
        "message_id": message_id or f"{type_}-{sequence}",
        "correlation_id": None,
    }


RECEIVED = {
    "code": CODE,
    "procedure_code": "XD-01",
    "procedure_name": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "office_id": "X28720",
    "channel": "counter",
    "return_method": "counter",
    "received_at": T0,
    "appointment_at": T0 + timedelta(days=22),
    "received_by": "Trần Thị Lan",
    "status": "received",
    "national_status": 2,
    "national_channel": 1,
}


def workflow(state, office, national, actor=None, **more):
    return {
        "state": state,
        "office_id": office,
        "step_index": 0,
        "actor": {"name": actor, "role": "handler", "office_id": office} if actor else None,
        "national_status": national,
        **more,
    }


# A journey: forwarded, arrived and accepted at the district, resolved there, back at the
# counter and handed over; the fee paid at the counter. (source, envelope, payload)
JOURNEY = [
    ("routing", envelope("dossier_forwarded", 0, 2), workflow("awaiting_acceptance", "H824", 4)),
    ("payment", envelope("payment_received", 0, 1), {
        "payment_id": f"{CODE}-F", "kind": "fee", "office_id": "X28720", "amount_vnd": 75000,
        "status": "paid", "method": "cash", "receipt_number": f"BL-{CODE}-F", "paid_at": T0,
        "pay_by": None, "pay_url": None, "reason": None, "refunded_vnd": 0,
    }),
    ("routing", envelope("dossier_arrived", 1, 3), workflow("awaiting_acceptance", "H824", 4)),
    ("routing", envelope("dossier_accepted", 60, 4),
     workflow("in_process", "H824", 4, "Phạm Minh Đức")),
    ("routing", envelope("dossier_resolved", 2 * 24 * 60, 5),
     workflow("resolved", "H824", 9, "Phạm Minh Đức")),
    ("routing", envelope("result_returned", 2 * 24 * 60 + 1, 6),
     workflow("ready_at_counter", "X28720", 9)),
    ("routing", envelope("result_handed_over", 3 * 24 * 60, 7),
     workflow("returned", "X28720", 10, "Trần Thị Lan")),
]  # fmt: skip


def start():
    return record.new_sync(envelope("dossier_received", 0, 1), RECEIVED, load_offices(), T0)


def run(events, sync=None):
    sync = sync or start()
    for source, env, payload in events:
        sync = {**sync, **record.apply(sync, source, env, payload, CAL)}
    return sync


def test_every_event_of_the_contracts_has_its_line_in_the_table():
    contracts = {
        "intake": set(INTAKE_EVENTS),
        "routing": set(ROUTING_EVENTS),
        "postal": set(POSTAL_EVENTS),
        "payment": set(PAYMENT_EVENTS),
        "feedback": set(FEEDBACK_EVENTS),
    }
    assert {source: set(events) for source, events in record.CHANGES.items()} == contracts


def test_a_new_record_is_what_the_portal_accepts():
    sync = start()
    assert (sync["status"], sync["record_version"], sync["pushed_version"]) == ("pending", 1, 0)
    body = record.body(sync)
    loaded = DossierRecordSchema().load(DossierRecordSchema().dump(body))
    assert loaded["province_id"] == "T82" and loaded["status"] == 2 and loaded["channel"] == 1
    assert loaded["version"] == 1 and loaded["history"][0]["by"] == "Trần Thị Lan"


def test_a_record_is_pushed_to_the_millisecond_as_it_is_stored():
    received = {**RECEIVED, "received_at": T0 + timedelta(microseconds=455685)}
    sync = record.new_sync(envelope("dossier_received", 0, 1), received, load_offices(), T0)
    pushed = record.body(sync)
    assert pushed["received_at"] == T0 + timedelta(milliseconds=455)
    assert pushed["history"][0]["at"] == pushed["received_at"]


def test_a_journey_makes_the_whole_record():
    sync = run(JOURNEY)
    r = sync["record"]
    assert sync["record_version"] == 1 + len(JOURNEY)
    assert r["status"] == 10 and r["returned_at"] == T0 + timedelta(days=3)
    assert r["finished_at"] == T0 + timedelta(days=2) and r["timing"] == "early"
    assert [s["type"] for s in r["history"]] == ["dossier_received"] + [
        e["type"] for source, e, _ in JOURNEY if source == "routing"
    ]
    assert r["fees"] == [
        {"payment_id": f"{CODE}-F", "kind": "fee", "amount_vnd": 75000, "method": "cash",
         "paid_at": T0, "receipt_number": f"BL-{CODE}-F", "refunded_vnd": 0}
    ]  # fmt: skip
    DossierRecordSchema().load(DossierRecordSchema().dump(record.body(sync)))


@settings(max_examples=50, deadline=None)
@given(st.permutations(JOURNEY))
def test_the_record_is_the_same_whatever_order_the_events_came_in(order):
    assert run(order)["record"] == run(JOURNEY)["record"]


def test_an_alert_or_a_repeat_changes_nothing():
    sync = run(JOURNEY)
    alert = envelope("dossier_due_soon", 30, 9)
    assert record.apply(sync, "routing", alert, workflow("in_process", "H824", 4), CAL) == {}
    source, env, payload = JOURNEY[1]  # the fee again
    assert record.apply(sync, source, env, payload, CAL) == {}


def test_a_second_supplement_request_makes_the_dossier_late():
    asked, back = workflow("supplement_requested", "X28720", 5), workflow("in_process", "X28720", 4)
    events = [
        ("routing", envelope("supplement_requested", 10, 2), asked),
        ("routing", envelope("dossier_supplemented", 20, 3), back),
        ("routing", envelope("supplement_requested", 30, 4), asked),
        ("routing", envelope("dossier_supplemented", 40, 5), back),
        ("routing", envelope("dossier_resolved", 60, 6), workflow("resolved", "X28720", 9)),
    ]
    assert run(events)["record"]["timing"] == "late"


def test_a_package_keeps_its_last_news():
    def news(status, minutes, seq):
        payload = {"shipment_id": "s", "tracking_number": "EL123456789VN", "status": status,
                   "at": T0 + timedelta(minutes=minutes), "attempt": 1, "detail": "",
                   "fee_vnd": 25000, "handover": None}  # fmt: skip
        return ("postal", envelope(f"shipment_{status}", minutes, seq), payload)

    sync = run([news("delivered", 50, 3), news("picked_up", 10, 1)])
    assert [(p["status"], p["at"]) for p in sync["record"]["postal"]] == [
        ("delivered", T0 + timedelta(minutes=50))
    ]


def test_a_push_accepted_synces_the_version_it_carried():
    sync = start()
    done = {**sync, **record.pushed(sync, 1, T0)}
    assert (done["status"], done["pushed_version"]) == ("synced", 1)
    newer = {**done, **record.fold(done, JOURNEY[:1], CAL, T0)}
    assert newer["status"] == "pending" and newer["record_version"] == 2
    late = {**newer, **record.pushed(newer, 1, T0)}  # the answer to the older push
    assert late["status"] == "pending" and late["pushed_version"] == 1


def test_a_failing_push_waits_longer_each_time_then_is_parked():
    sync, pauses = start(), []
    for _ in range(record.MAX_ATTEMPTS - 1):
        sync = {**sync, **record.push_failed(sync, "portal answered 503 unavailable", T0)}
        assert sync["status"] == "pending"
        pauses.append((sync["next_try_at"] - T0).total_seconds())
    assert pauses == sorted(pauses) and pauses[0] == 1 and max(pauses) == 300
    parked = {**sync, **record.push_failed(sync, "portal answered 503 unavailable", T0)}
    assert parked["status"] == "failed" and parked["failure"].endswith("unavailable")
    again = {**parked, **record.resync(parked, T0)}
    assert (again["status"], again["attempts"], again["record_version"]) == ("pending", 0, 2)


def test_the_portal_asking_to_wait_is_heard():
    sync = {**start(), **record.push_failed(start(), "429 rate_limited", T0, retry_after=7)}
    assert sync["next_try_at"] == T0 + timedelta(seconds=7)


@pytest.mark.parametrize("status, awaited", [("awaiting_fee", True), ("not_accepted", True)])
def test_a_dossier_without_a_due_date_has_none_on_the_portal(status, awaited):
    received = {**RECEIVED, "status": status, "national_status": None}
    sync = record.new_sync(envelope("dossier_received", 0, 1), received, load_offices(), T0)
    assert sync["record"]["legal_due_at"] is None
    assert sync["record"]["status"] == (1 if status == "awaiting_fee" else 3)


def test_one_process_pushes_a_dossier_at_a_time():
    sync = start()
    held = {**sync, **record.lease(sync, T0)}
    assert record.lease(held, T0 + timedelta(seconds=5)) is None  # another process waits
    assert record.lease(held, T0 + record.LEASE + timedelta(seconds=1))  # a dead pusher's lapses
    done = {**held, **record.pushed(held, 1, T0)}
    assert done["lease_until"] is None and record.lease(done, T0) is None  # synced: nothing due


def test_events_in_quick_succession_are_one_version_and_one_push():
    first = start()
    folded = {**first, **record.fold(first, JOURNEY, CAL, T0)}
    assert folded["record_version"] == 2 and folded["record"] == run(JOURNEY)["record"]
    assert folded["lease_until"] == T0 + record.LEASE and not record.handed_on(folded)
    assert len(folded["events"]) == len(JOURNEY)
    assert record.fold(folded, JOURNEY, CAL, T0) == {}  # folded again: nothing new, lease held
    done = {**folded, **record.pushed(folded, 2, T0)}
    assert record.fold(done, JOURNEY, CAL, T0) == {} and record.handed_on(done)


def test_events_folded_while_another_process_pushes_wait_for_its_answer():
    held = {**start(), **record.lease(start(), T0)}
    later = T0 + timedelta(seconds=1)
    folded = {**held, **record.fold(held, JOURNEY[:2], CAL, later)}
    assert folded["record_version"] == 2 and folded["lease_until"] == held["lease_until"]
    assert not record.handed_on(folded)  # the events stay in the inbox
    answered = {**folded, **record.pushed(folded, 1, later)}  # the holder pushed version 1
    assert answered["status"] == "pending" and not record.handed_on(answered)
    again = record.fold(answered, JOURNEY[:2], CAL, later)
    assert again == {"lease_until": later + record.LEASE}  # nothing new: the push of version 2


def test_a_push_that_failed_waits_in_the_queue_view_until_a_new_event():
    held = {**start(), **record.lease(start(), T0)}
    failed = {**held, **record.push_failed(held, "portal answered 503 unavailable", T0)}
    assert record.handed_on(failed) and record.fold(failed, [], CAL, T0) == {}
    changed = {**failed, **record.fold(failed, JOURNEY[:1], CAL, T0)}
    assert (changed["attempts"], changed["next_try_at"], changed["failure"]) == (0, None, None)
    assert changed["lease_until"] == T0 + record.LEASE
    again = {**changed, **record.resync(changed, T0)}
    assert again["next_try_at"] == T0 and record.handed_on(again)
