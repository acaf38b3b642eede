"""Routing's read-view keys: each query is one `_id` range that holds exactly its dossiers."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from contracts import lifecycle as lc
from services.common.keys import prefix_range, sort_key
from services.routing import indexes

DUE = datetime(2026, 3, 2, 9, 30, 0, 123456, tzinfo=UTC)


def dossier(**changes) -> dict:
    d = {
        "_id": "X28720-260302-0007",
        "office_id": "D0796",
        "at_office": True,
        "state": lc.IN_PROCESS,
        "current_due_at": DUE,
        "route_office_ids": ["D0796", "X28720"],
        "step_index": 1,
        "paused_at": None,
        "due_soon_steps": [],
        "overdue_steps": [],
        "channel": "counter",
        "received_at": DUE - timedelta(days=3),
        "appointment_at": DUE + timedelta(days=2),
        "history": [{"type": "dossier_received"}],
        "applied": ["m1"],
        "version": 4,
    }
    return {**d, **changes}


def in_range(key: str, bounds: dict) -> bool:
    ops = {"$gte": str.__ge__, "$gt": str.__gt__, "$lt": str.__lt__, "$lte": str.__le__}
    return all(ops[op](key, bound) for op, bound in bounds.items())


def test_an_open_dossier_is_in_its_office_worklist_in_due_order():
    views = indexes.entries(dossier())
    [key] = views[indexes.WORKLIST]
    assert key == "D0796|20260302T093000123|X28720-260302-0007"
    assert in_range(key, prefix_range("D0796"))
    assert not in_range(key, prefix_range("D079"))
    assert not in_range(key, prefix_range("D07961"))
    later = indexes.entries(dossier(_id="X1-1", current_due_at=DUE + timedelta(seconds=1)))
    assert key < next(iter(later[indexes.WORKLIST]))
    entry = views[indexes.WORKLIST][key]
    assert "history" not in entry and "applied" not in entry
    assert indexes.as_dossier(entry)["_id"] == "X28720-260302-0007"


def test_a_dossier_in_transit_or_finished_is_in_no_worklist():
    assert indexes.entries(dossier(at_office=False))[indexes.WORKLIST] == {}
    assert indexes.entries(dossier(state=lc.RETURNED))[indexes.WORKLIST] == {}


def test_every_office_of_the_route_sees_the_dossier_for_its_statistics():
    views = indexes.entries(dossier())[indexes.IN_ROUTE]
    assert sorted(views) == ["D0796|X28720-260302-0007", "X28720|X28720-260302-0007"]
    assert views["D0796|X28720-260302-0007"]["channel"] == "counter"


def test_only_dossiers_that_may_still_raise_an_alert_are_due_candidates():
    [key] = indexes.entries(dossier())[indexes.DUE]
    assert in_range(key, indexes.due_range(DUE))
    assert not in_range(key, indexes.due_range(DUE - timedelta(milliseconds=1)))
    assert indexes.entries(dossier(overdue_steps=[1]))[indexes.DUE] == {}
    assert indexes.entries(dossier(paused_at=DUE))[indexes.DUE] == {}
    assert indexes.entries(dossier(state=lc.RECEIVED))[indexes.DUE] == {}


def test_keys_keep_the_milliseconds_the_database_keeps():
    stored = DUE.replace(microsecond=123000)
    assert sort_key(DUE) == sort_key(stored)


OFFICES = st.sampled_from(["H824", "H8240", "X28720", "X2872"])
DUES = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
)


@given(st.lists(st.tuples(OFFICES, DUES, st.integers(0, 9999)), min_size=1, unique=True))
def test_a_worklist_page_starts_right_after_the_row_it_names(rows):
    """Page after page, each range holds exactly the office's keys past the last row read."""
    keys = sorted({f"{o}|{sort_key(t)}|X28720-260302-{n:04d}" for o, t, n in rows})
    office = keys[0].partition("|")[0]
    own = [k for k in keys if k.startswith(f"{office}|")]
    read, after = [], None
    while True:
        page = [k for k in keys if in_range(k, indexes.worklist_range(office, after))][:2]
        read += page
        if len(page) < 2:
            break
        after = page[-1].partition("|")[2]
    assert read == own
