"""The worklist's `?limit=&after=`: a page of 1 to 200 rows, 20 by default, after a row named by
its due instant and code (the `next` of the page before); anything else is refused."""

import pytest
from marshmallow import ValidationError

from contracts.api import WORKLIST_PAGE, WorklistQuerySchema

AFTER = "20261203T020000000|X28720-261124-0042"


def test_no_parameters_ask_for_the_first_page_of_twenty():
    assert WorklistQuerySchema().load({}) == {"limit": WORKLIST_PAGE, "after": None}
    assert WORKLIST_PAGE == 20


def test_a_page_after_a_row():
    assert WorklistQuerySchema().load({"limit": "1", "after": AFTER}) == {
        "limit": 1,
        "after": AFTER,
    }
    assert WorklistQuerySchema().load({"limit": "200"})["limit"] == 200


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
    ],
)
def test_anything_else_is_refused(query):
    with pytest.raises(ValidationError):
        WorklistQuerySchema().load(query)
