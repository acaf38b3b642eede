"""Routing's read-view keys: each query is one `_id` range that holds exactly its dossiers."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import lifecycle as lc
from services.common.keys import last_part, prefix_range, sort_key
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
        "receiving_office_id": "X28720",
        "route": [
            {
                "index": 0,
                "level": "commune",
                "office_id": "X28720",
                "duration_amount": 0,
                "duration_unit": "days",
                "due_at": DUE - timedelta(days=3),
                "arrived_at": DUE - timedelta(days=3),
                "done_at": DUE - timedelta(days=3),
                "timing": "on_time",
                "outcome": "handed_on",
            },
            {
                "index": 1,
                "level": "district",
                "office_id": "D0796",
                "duration_amount": 15,
                "duration_unit": "days",
                "due_at": DUE,
                "arrived_at": DUE - timedelta(days=2),
                "done_at": None,
                "timing": None,
                "outcome": None,
            },
        ],
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
    assert key == "D0796|h|20260302T093000123|X28720-260302-0007"
    assert in_range(key, prefix_range("D0796"))
    assert in_range(key, indexes.worklist_range("D0796", "in_hand"))
    assert not in_range(key, indexes.worklist_range("D0796", "incoming"))
    assert not in_range(key, prefix_range("D079"))
    assert not in_range(key, prefix_range("D07961"))
    later = indexes.entries(dossier(_id="X1-1", current_due_at=DUE + timedelta(seconds=1)))
    assert key < next(iter(later[indexes.WORKLIST]))
    entry = views[indexes.WORKLIST][key]  # the row the worklist shows; the id is the key's end
    assert "history" not in entry and "handovers" not in entry and "_id" not in entry
    assert last_part(key) == "X28720-260302-0007"
    assert entry["route"] == dossier()["route"]


@pytest.mark.parametrize(
    "state, part, letter",
    [
        (lc.AWAITING_ACCEPTANCE, "incoming", "i"),  # transferred here, not yet received
        (lc.RECEIVED, "in_hand", "h"),
        (lc.IN_PROCESS, "in_hand", "h"),
        (lc.SUPPLEMENT_REQUESTED, "in_hand", "h"),
        (lc.READY_AT_COUNTER, "in_hand", "h"),
        (lc.RETURNING_BY_POST, "in_hand", "h"),
    ],
)
def test_the_worklist_part_of_each_open_state(state, part, letter):
    d = dossier(state=state)
    assert indexes.part_of(d) == part
    [key] = indexes.entries(d)[indexes.WORKLIST]
    assert key.split("|")[:2] == ["D0796", letter]
    assert in_range(key, indexes.worklist_range("D0796", part))
    other = next(p for p in indexes.PARTS if p != part)
    assert not in_range(key, indexes.worklist_range("D0796", other))


def test_a_dossier_in_transit_or_finished_is_in_no_worklist():
    assert indexes.entries(dossier(at_office=False))[indexes.WORKLIST] == {}
    moving = dossier(state=lc.AWAITING_ACCEPTANCE, at_office=False)
    assert indexes.entries(moving)[indexes.WORKLIST] == {}
    for state in lc.FINAL_STATES:
        assert indexes.entries(dossier(state=state))[indexes.WORKLIST] == {}, state


def test_a_finished_dossier_is_in_no_view():
    done = dossier(state=lc.RETURNED, at_office=True, finished_at=DUE, outcome="resolved")
    assert indexes.entries(done) == {indexes.WORKLIST: {}, indexes.DUE: {}}


def test_only_dossiers_that_may_still_raise_an_alert_are_due_candidates():
    [key] = indexes.entries(dossier())[indexes.DUE]
    assert key == "20260302T093000123|X28720-260302-0007"
    assert in_range(key, indexes.due_range(DUE))
    assert not in_range(key, indexes.due_range(DUE - timedelta(milliseconds=1)))
    entry = indexes.entries(dossier())[indexes.DUE][key]
    assert set(entry) == set(indexes.ALERT_FIELDS)
    assert indexes.entries(dossier(overdue_steps=[1]))[indexes.DUE] == {}
    assert indexes.entries(dossier(overdue_steps=[0]))[indexes.DUE] != {}  # another step's
    assert indexes.entries(dossier(paused_at=DUE))[indexes.DUE] == {}
    assert indexes.entries(dossier(state=lc.RECEIVED))[indexes.DUE] == {}
    assert indexes.entries(dossier(state=lc.READY_AT_COUNTER))[indexes.DUE] == {}
    moving = dossier(state=lc.AWAITING_ACCEPTANCE, at_office=False)
    assert indexes.entries(moving)[indexes.DUE] != {}  # its next office's due runs already


def test_keys_keep_the_milliseconds_the_database_keeps():
    stored = DUE.replace(microsecond=123000)
    assert sort_key(DUE) == sort_key(stored)


OFFICES = st.sampled_from(["H824", "H8240", "X28720", "X2872"])
DUES = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
)


PART_LETTERS = st.sampled_from(sorted(indexes.PARTS.values()))


@given(
    st.lists(st.tuples(OFFICES, PART_LETTERS, DUES, st.integers(0, 9999)), min_size=1, unique=True),
    st.sampled_from(sorted(indexes.PARTS)),
)
def test_a_worklist_page_starts_right_after_the_row_it_names(rows, part):
    """Page after page, each range holds exactly the keys of the office's part past the last
    row read."""
    keys = sorted({f"{o}|{p}|{sort_key(t)}|X28720-260302-{n:04d}" for o, p, t, n in rows})
    office = keys[0].partition("|")[0]
    own = [k for k in keys if k.startswith(f"{office}|{indexes.PARTS[part]}|")]
    read, after = [], None
    while True:
        bounds = indexes.worklist_range(office, part, after)
        page = [k for k in keys if in_range(k, bounds)][:2]
        read += page
        if len(page) < 2:
            break
        after = page[-1].split("|", 2)[2]
    assert read == own
