"""Unit tests for Vietnamese phone number normalisation and masking."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notification.phones import (
    OLD_PREFIXES,
    REASONS,
    InvalidNumber,
    mask_msisdn,
    normalise_msisdn,
)


@pytest.mark.parametrize(
    "raw",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        "+84 912 345 678",
        "+84 (0) 912 345 678",
        "84912345678",
        "0084912345678",
        " 0912345678 ",
    ],
)
def test_accepted_forms_normalise_to_84(raw):
    assert normalise_msisdn(raw) == "84912345678"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("0162", "032"),
        ("0163", "033"),
        ("0164", "034"),
        ("0165", "035"),
        ("0166", "036"),
        ("0167", "037"),
        ("0168", "038"),
        ("0169", "039"),
        ("0120", "070"),
        ("0121", "079"),
        ("0122", "077"),
        ("0126", "076"),
        ("0128", "078"),
        ("0123", "083"),
        ("0124", "084"),
        ("0125", "085"),
        ("0127", "081"),
        ("0129", "082"),
        ("0186", "056"),
        ("0188", "058"),
        ("0199", "059"),
    ],
)
def test_old_11_digit_prefixes_are_converted(old, new):
    expected = "84" + new[1:] + "1234567"
    assert normalise_msisdn(old + "1234567") == expected
    assert normalise_msisdn("+84" + old[1:] + "1234567") == expected
    assert normalise_msisdn("84" + old[1:] + "123 4567") == expected


def test_every_old_prefix_is_tested():
    assert len(OLD_PREFIXES) == 21


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("  - . ", "empty"),
        (None, "empty"),
        ("024 3825 1234", "landline"),
        ("+84 28 3822 1234", "landline"),
        ("0912abc678", "invalid"),
        ("091234567", "invalid"),  # a digit short
        ("09123456789", "invalid"),  # a digit too many
        ("0112345678", "invalid"),  # no such prefix
        ("1800 1234", "invalid"),  # toll-free, cannot receive SMS
        ("0161 234 5678", "invalid"),  # 0161 was never a mobile prefix
        ("+1 202 555 0123", "not_vietnamese"),
        ("+855 12 345 678", "not_vietnamese"),
        ("0012025550123", "not_vietnamese"),
        ("+1 234", "invalid"),
        ("091234567\u0660", "invalid"),  # digits must be ASCII
        ("0", "invalid"),  # too short for the number parser itself
        ("+84", "invalid"),
        ("+840", "invalid"),
        ("84", "invalid"),
    ],
)
def test_rejections_carry_a_stable_reason(raw, reason):
    with pytest.raises(InvalidNumber) as excinfo:
        normalise_msisdn(raw)
    assert excinfo.value.reason == reason
    assert reason in REASONS
    assert str(excinfo.value)


def test_rejection_message_does_not_leak_the_number():
    with pytest.raises(InvalidNumber) as excinfo:
        normalise_msisdn("024 3825 1234")
    assert "3825" not in str(excinfo.value)


@given(
    st.sampled_from(["32", "70", "77", "81", "86", "90", "98"]),
    st.from_regex(r"[0-9]{7}", fullmatch=True),
)
def test_normalised_numbers_are_stable(prefix, rest):
    msisdn = normalise_msisdn("0" + prefix + rest)
    assert msisdn == "84" + prefix + rest
    assert normalise_msisdn(msisdn) == msisdn
    assert normalise_msisdn("+" + msisdn) == msisdn


def test_mask_keeps_the_country_code_and_last_three_digits():
    assert mask_msisdn("84912345567") == "84******567"
    assert mask_msisdn("0912345567") == "*******567"
    assert mask_msisdn("567") == "***"


@given(st.from_regex(r"84[0-9]{9}", fullmatch=True))
def test_mask_hides_the_subscriber_digits(msisdn):
    masked = mask_msisdn(msisdn)
    assert len(masked) == len(msisdn)
    assert masked[:2] == "84" and masked[-3:] == msisdn[-3:]
    assert set(masked[2:-3]) == {"*"}
