"""Read-view keys of notification and postal, and the shared key helpers: each query's range
holds exactly the documents it asks for."""

from datetime import UTC, datetime, timedelta

from services.common.keys import last_part, prefix_range, sort_key, until
from services.notification import indexes as messages
from services.postal import indexes as shipments

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def inside(key: str, bounds: dict) -> bool:
    ops = {"$gte": str.__ge__, "$gt": str.__gt__, "$lt": str.__lt__, "$lte": str.__le__}
    return all(ops[op](key, bound) for op, bound in bounds.items())


def message(**changes) -> dict:
    m = {
        "_id": "3f2a-evt:0a1b2c3d4e5f6071",
        "dossier_code": "X28720-260302-0007",
        "status": "queued",
        "created_at": T,
        "next_attempt_at": T + timedelta(minutes=5),
        "gateway_refs": [],
    }
    return {**m, **changes}


def test_a_queued_message_is_due_from_its_next_attempt_on():
    [key] = messages.entries(message())[messages.PENDING]
    assert not inside(key, until("queued", T))
    assert inside(key, until("queued", T + timedelta(minutes=5)))
    assert not inside(key, until("sending", T + timedelta(days=1)))
    assert last_part(key) == "3f2a-evt:0a1b2c3d4e5f6071"


def test_a_message_in_sending_is_found_by_when_it_was_claimed():
    [key] = messages.entries(message(status="sending", claimed_at=T))[messages.PENDING]
    assert inside(key, until("sending", T)) and not inside(key, until("queued", T))
    assert messages.entries(message(status="delivered"))[messages.PENDING] == {}


def test_a_message_is_found_by_its_dossier_and_its_gateway_references():
    views = messages.entries(message(gateway_refs=["a1", "b2"]))
    [key] = views[messages.BY_DOSSIER]
    assert inside(key, prefix_range("X28720-260302-0007"))
    assert not inside(key, prefix_range("X28720-260302-000"))
    assert sorted(views[messages.BY_REF]) == [
        "a1|3f2a-evt:0a1b2c3d4e5f6071",
        "b2|3f2a-evt:0a1b2c3d4e5f6071",
    ]


def shipment(**changes) -> dict:
    s = {"_id": "X1-260302-0001-S3", "dossier_code": "X1-260302-0001", "status": "to_request"}
    return {**s, "last_heard_at": T, "tracking_number": None, **changes}


def test_shipments_to_request_then_waiting_by_last_news_then_done():
    assert list(shipments.entries(shipment())[shipments.OPEN]) == ["to_request|X1-260302-0001-S3"]
    waiting = shipments.entries(shipment(status="in_transit", tracking_number="VN1"))
    [(key, entry)] = waiting[shipments.OPEN].items()
    assert inside(key, until("waiting", T)) and not inside(key, until("waiting", T - timedelta(1)))
    assert entry == {"tracking_number": "VN1"}
    assert shipments.entries(shipment(status="delivered"))[shipments.OPEN] == {}
    assert list(shipments.entries(shipment())[shipments.BY_DOSSIER]) == [
        "X1-260302-0001|X1-260302-0001-S3"
    ]


def test_sort_keys_sort_like_instants():
    assert sort_key(T) < sort_key(T + timedelta(milliseconds=1)) < sort_key(T + timedelta(days=1))
