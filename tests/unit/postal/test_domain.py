"""Postal rules: what each carrier event changes, in order or not."""

from datetime import UTC, datetime, timedelta

from contracts.carrier import ShipmentRequestSchema
from services.postal import domain

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
RECEIVED = {
    "code": "X28720-261123-0001",
    "return_method": "post",
    "postal_address": {"line": "12 Lê Lợi", "commune_id": "X28720", "receiver_name": None},
    "applicant": {"name": "Nguyễn Thị Lan", "phone": "0912345678"},
    "office_id": "X28720",
    "procedure_name": "Đăng ký khai sinh",
}
ENVELOPE = {"dossier_code": RECEIVED["code"], "sequence": 9, "correlation_id": "c1"}
SENT = {"actor": {"name": "Lê Văn Tâm", "role": "receiver", "office_id": "X28720"}}
CONFIG = {"POSTAL_FEE_VND": "25000", "POSTAL_MAX_ATTEMPTS": "3"}


def shipment():
    recipient = domain.recipient_from(RECEIVED)
    return domain.new_shipment(ENVELOPE, SENT, recipient, CONFIG, T0)


def event(status, minutes, attempt=0, event_id=None, **extra):
    return {
        "tracking_number": "EL123456789VN",
        "reference": "X28720-261123-0001-P9",
        "event_id": event_id or f"{status}-{attempt}",
        "status": status,
        "at": T0 + timedelta(minutes=minutes),
        "attempt": attempt,
        "detail": status,
        "by": "Trần Thị Bình",
        **extra,
    }


def run(s, *events):
    """Apply events in order; return the shipment and the postal events announced."""
    announced = []
    for e in events:
        changes, record, out = domain.apply_event(s, e, T0)
        s = {**s, **changes, "events": s["events"] + [record]}
        announced += out
    return s, announced


def test_a_counter_return_needs_no_recipient():
    assert domain.recipient_from({**RECEIVED, "return_method": "counter"}) is None


def test_the_shipment_id_is_the_carrier_reference_and_the_request_is_valid():
    s = shipment()
    assert s["_id"] == "X28720-261123-0001-P9"
    request = domain.carrier_request(s, domain.recipient_from(RECEIVED))
    loaded = ShipmentRequestSchema().load(request)
    assert loaded["reference"] == s["_id"]
    assert loaded["receiver_name"] == "Nguyễn Thị Lan"
    assert loaded["fee_vnd"] == 25000 and loaded["max_attempts"] == 3


def test_a_named_receiver_overrides_the_applicant():
    received = {**RECEIVED, "postal_address": {**RECEIVED["postal_address"], "receiver_name": "B"}}
    assert domain.recipient_from(received)["receiver_name"] == "B"


def test_delivered_first_time():
    s, announced = run(
        shipment(),
        event("requested", 0),
        event("picked_up", 1),
        event("in_transit", 2),
        event("delivered", 3, attempt=1, receiver_name="Nguyễn Thị Lan"),
    )
    assert [t for t, _ in announced] == [
        "shipment_requested",
        "shipment_picked_up",
        "shipment_in_transit",
        "shipment_delivered",
    ]
    assert s["status"] == "delivered" and s["attempts"] == 1
    assert s["tracking_number"] == "EL123456789VN"
    assert s["receiver_name"] == "Nguyễn Thị Lan"
    assert s["handover"] == {
        "postal_worker": "Trần Thị Bình",
        "officer": "Lê Văn Tâm",
        "at": T0 + timedelta(minutes=1),
        "tracking_number": "EL123456789VN",
    }
    picked = dict(announced)["shipment_picked_up"]
    assert picked["handover"]["officer"] == "Lê Văn Tâm"
    assert "receiver_name" not in dict(announced)["shipment_delivered"]  # no PII on the bus


def test_the_first_news_announces_the_tracking_number_whatever_it_is():
    s, announced = run(shipment(), event("picked_up", 1))
    assert [t for t, _ in announced] == ["shipment_requested", "shipment_picked_up"]
    assert announced[0][1]["tracking_number"] == "EL123456789VN"
    assert announced[0][1]["at"] == T0  # requested when the shipment was made


def test_each_failed_attempt_counts_then_returned():
    s, announced = run(
        shipment(),
        event("requested", 0),
        event("failed_attempt", 3, attempt=1),
        event("failed_attempt", 4, attempt=2),
        event("returned", 5, attempt=2),
    )
    assert [t for t, _ in announced][1:] == [
        "delivery_failed",
        "delivery_failed",
        "shipment_returned",
    ]
    assert s["status"] == "returned" and s["attempts"] == 2


def test_late_and_out_of_order_news_is_kept_but_changes_nothing():
    s, _ = run(shipment(), event("requested", 0), event("delivered", 3, attempt=1))
    s2, announced = run(s, event("in_transit", 2), event("failed_attempt", 2, attempt=1))
    assert announced == []
    assert s2["status"] == "delivered"
    assert len(s2["events"]) == len(s["events"]) + 2


def test_a_repeated_failed_attempt_number_does_not_count_twice():
    s, _ = run(shipment(), event("requested", 0), event("failed_attempt", 3, attempt=1))
    s2, announced = run(s, event("failed_attempt", 3, attempt=1, event_id="other"))
    assert announced == [] and s2["attempts"] == 1
