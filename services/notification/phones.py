"""Vietnamese mobile numbers: normalise to 84xxxxxxxxx, reject landlines and invalid ones, mask."""

import re

import phonenumbers
from phonenumbers import PhoneNumberType

REASONS = ("empty", "invalid", "landline", "not_vietnamese")

# Old 11-digit mobile prefixes (without the leading 0) and their 2018 replacements.
OLD_PREFIXES = {
    **{f"16{d}": f"3{d}" for d in "23456789"},  # Viettel 0162-0169 -> 032-039
    "120": "70",  # MobiFone
    "121": "79",
    "122": "77",
    "126": "76",
    "128": "78",
    "123": "83",  # VinaPhone
    "124": "84",
    "125": "85",
    "127": "81",
    "129": "82",
    "186": "56",  # Vietnamobile
    "188": "58",
    "199": "59",  # Gmobile
}

_SEPARATORS = re.compile(r"[\s.\-()]")
_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


class InvalidNumber(ValueError):
    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


def _convert_old_prefix(national: str) -> str:
    if len(national) == 10 and national[:3] in OLD_PREFIXES:
        return OLD_PREFIXES[national[:3]] + national[3:]
    return national


def _strip_trunk_zero(national: str) -> str:
    return national[1:] if national.startswith("0") else national


def _national_part(cleaned: str) -> str | None:
    """Digits after 84 (or after the trunk 0); None when another country code is dialled."""
    international = cleaned.startswith(("+", "00"))
    digits = cleaned[1:] if cleaned.startswith("+") else cleaned[2:] if international else cleaned
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidNumber("invalid", "not a phone number (characters other than digits)")
    if international and not digits.startswith("84"):
        return None
    if international or (digits.startswith("84") and len(digits) in (11, 12)):
        return _strip_trunk_zero(digits[2:])  # "+84 (0)91..." is a common way of writing it
    if digits.startswith("0"):
        return digits[1:]
    return digits


def normalise_msisdn(raw: str) -> str:
    """Return the number as E.164 without '+' ("84xxxxxxxxx") or raise InvalidNumber."""
    cleaned = _SEPARATORS.sub("", raw or "")
    if not cleaned:
        raise InvalidNumber("empty", "no phone number given")
    national = _national_part(cleaned)
    if national is None:
        try:
            foreign = phonenumbers.parse(cleaned, "VN")
        except phonenumbers.NumberParseException as exc:
            raise InvalidNumber("invalid", f"cannot parse the number: {exc}") from exc
        if phonenumbers.is_valid_number(foreign):
            raise InvalidNumber(
                "not_vietnamese", f"not a Vietnamese number (country code {foreign.country_code})"
            )
        raise InvalidNumber("invalid", "not a valid phone number")
    if not national:  # "0", "+84": a prefix and nothing after it
        raise InvalidNumber("invalid", "not a phone number (no digits after the prefix)")
    number = phonenumbers.parse("+84" + _convert_old_prefix(national))
    if not phonenumbers.is_valid_number(number):
        raise InvalidNumber("invalid", "not a valid Vietnamese number")
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.FIXED_LINE:
        raise InvalidNumber("landline", "a landline cannot receive SMS")
    if kind not in _MOBILE_TYPES:
        raise InvalidNumber("invalid", f"not a mobile number ({PhoneNumberType.to_string(kind)})")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def mask_msisdn(msisdn: str) -> str:
    """For logs: keep the 84 prefix and the last 3 digits, e.g. 84******567."""
    if len(msisdn) <= 3:
        return "*" * len(msisdn)
    head = "84" if msisdn.startswith("84") and len(msisdn) > 5 else ""
    return head + "*" * (len(msisdn) - len(head) - 3) + msisdn[-3:]
