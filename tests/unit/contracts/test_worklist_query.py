"""The worklist's `?limit=&after=&part=`: a page of 1 to 200 rows, 20 by default, after a row named
by its due instant and code (the `next` of the page before), of one part of the worklist
(incoming or in hand) or both; anything else is refused."""

from datetime import date

import pytest
from marshmallow import ValidationError

from contracts.api import (
    BOOK_MAX_PAGE,
    BOOK_PAGE,
    WORKLIST_PAGE,
    WORKLIST_PARTS,
    BookQuerySchema,
    WorklistQuerySchema,
)

AFTER = "20261203T020000000|X28720-261124-0042"


def test_no_parameters_ask_for_the_first_page_of_twenty():
    assert WorklistQuerySchema().load({}) == {"limit": WORKLIST_PAGE, "after": None, "part": None}
    assert WORKLIST_PAGE == 20


def test_a_page_after_a_row():
    assert WorklistQuerySchema().load({"limit": "1", "after": AFTER}) == {
        "limit": 1,
        "after": AFTER,
        "part": None,
    }
    assert WorklistQuerySchema().load({"limit": "200"})["limit"] == 200


@pytest.mark.parametrize("part", WORKLIST_PARTS)
def test_one_part_of_the_worklist(part):
    assert WorklistQuerySchema().load({"part": part, "after": AFTER}) == {
        "limit": WORKLIST_PAGE,
        "after": AFTER,
        "part": part,
    }


def test_the_parts_are_incoming_and_in_hand():
    assert WORKLIST_PARTS == ("incoming", "in_hand")


def test_unknown_query_parameters_are_ignored():
    assert WorklistQuerySchema().load({"sort": "code"}) == {
        "limit": WORKLIST_PAGE,
        "after": None,
        "part": None,
    }


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"after": ""},
        {"after": "X28720-261124-0042"},
        {"after": "20261203T020000000|x28720-261124-0042"},
        {"after": AFTER + "|"},
        {"after": "20261203T020000000|X28720-261124-0042\n"},
        {"after": '{"$gt": ""}'},
        {"part": ""},
        {"part": "i"},
        {"part": "h"},
        {"part": "incoming|"},
        {"part": "Incoming"},
        {"part": "all"},
    ],
)
def test_anything_else_is_refused(query):
    with pytest.raises(ValidationError):
        WorklistQuerySchema().load(query)


# ---- the tracking book's `?from=&to=&limit=&after=` (form 07) ----


def test_a_book_page_names_its_days_and_defaults_to_a_hundred_rows():
    assert BookQuerySchema().load({"from": "2026-11-01", "to": "2026-11-30"}) == {
        "from_": date(2026, 11, 1),
        "to": date(2026, 11, 30),
        "limit": BOOK_PAGE,
        "after": None,
    }
    assert (BOOK_PAGE, BOOK_MAX_PAGE) == (100, 500)


def test_a_book_page_after_a_row():
    loaded = BookQuerySchema().load(
        {"from": "2026-11-01", "to": "2026-11-01", "limit": "500", "after": AFTER, "x": "1"}
    )
    assert loaded["limit"] == 500 and loaded["after"] == AFTER and "x" not in loaded


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"from": "2026-11-01"},
        {"to": "2026-11-30"},
        {"from": "2026-11-01", "to": "30/11/2026"},
        {"from": "2026-13-01", "to": "2026-11-30"},
        {"from": "2026-11-01", "to": "2026-11-30", "limit": "0"},
        {"from": "2026-11-01", "to": "2026-11-30", "limit": "501"},
        {"from": "2026-11-01", "to": "2026-11-30", "after": "X28720-261124-0042"},
        {"from": "2026-11-01", "to": "2026-11-30", "after": AFTER + "\n"},
    ],
)
def test_a_bad_book_query_is_refused(query):
    with pytest.raises(ValidationError):
        BookQuerySchema().load(query)
