from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.codes import (
    CODE_PATTERN,
    DossierCode,
    InvalidCode,
    format_code,
    is_valid_code,
    parse_code,
)

office_ids = st.from_regex(r"\A[A-Z][A-Z0-9]{1,11}\Z")
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
numbers = st.integers(min_value=1, max_value=9999)


def test_format_matches_the_domain_example():
    assert format_code("X28720", date(2026, 2, 9), 7) == "X28720-260209-0007"


@given(office_ids, days, numbers)
def test_format_then_parse_round_trips(office_id, received_on, number):
    code = format_code(office_id, received_on, number)
    assert parse_code(code) == DossierCode(office_id, received_on, number)
    assert str(parse_code(code)) == code
    assert is_valid_code(code)


@given(office_ids, days, numbers)
def test_pattern_accepts_every_formatted_code(office_id, received_on, number):
    import re

    assert re.fullmatch(CODE_PATTERN, format_code(office_id, received_on, number))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "X28720-260230-0001",  # 30 February
        "X28720-261301-0001",  # month 13
        "X28720-260209-0000",  # numbers start at 1
        "x28720-260209-0001",  # lower case
        "X-28720-260209-0001",  # hyphen inside the office id
        "X28720-26029-0001",
        "X28720-260209-00001",
        "X28720_260209_0001",
        " X28720-260209-0001",
    ],
)
def test_malformed_codes_are_rejected(text):
    assert not is_valid_code(text)
    with pytest.raises(InvalidCode):
        parse_code(text)


def test_non_string_is_invalid():
    assert not is_valid_code(None)


@pytest.mark.parametrize(
    "args",
    [("X1", date(2026, 1, 1), 0), ("X1", date(2026, 1, 1), 10000), ("x1", date(2026, 1, 1), 1)],
)
def test_format_refuses_what_cannot_be_parsed_back(args):
    with pytest.raises(ValueError):
        format_code(*args)
