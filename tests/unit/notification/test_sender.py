"""Unit tests for brandname validation."""

import pytest

from services.notification.sender import validate_brandname


@pytest.mark.parametrize("name", ["UBND", "UBND HN", "DVC.BinhDuong"[:11], "Mot-Cua 123", "A"])
def test_valid_brandnames_are_returned(name):
    assert validate_brandname(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("UBNDTPHCM123", "at most 11"),
        ("UBND Hà Nội", "diacritics"),
        ("DVC_HN", "characters '_'"),
        ("UBND@HN", "characters '@'"),
        (" UBND", "space"),
        ("UBND ", "space"),
    ],
)
def test_invalid_brandnames_say_why(name, message):
    with pytest.raises(ValueError, match=message):
        validate_brandname(name)
