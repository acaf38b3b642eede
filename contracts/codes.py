"""Dossier codes: `{office identifier}-{yyMMdd}-{NNNN}`, unique nationally."""

import re
from dataclasses import dataclass
from datetime import date

OFFICE_ID_PATTERN = r"[A-Z][A-Z0-9]{1,11}"
CODE_PATTERN = rf"{OFFICE_ID_PATTERN}-[0-9]{{6}}-[0-9]{{4}}"
"""Unanchored regex of a dossier code, for URL routing and OpenAPI `pattern`."""

_CODE = re.compile(rf"({OFFICE_ID_PATTERN})-([0-9]{{2}})([0-9]{{2}})([0-9]{{2}})-([0-9]{{4}})")
_OFFICE = re.compile(OFFICE_ID_PATTERN)
MAX_NUMBER = 9999


class InvalidCode(ValueError):
    """The text is not a well-formed dossier code."""


@dataclass(frozen=True)
class DossierCode:
    office_id: str
    received_on: date
    number: int

    def __str__(self) -> str:
        return format_code(self.office_id, self.received_on, self.number)


def format_code(office_id: str, received_on: date, number: int) -> str:
    """The code of the `number`-th dossier (1–9999) received by `office_id` on `received_on`."""
    if not _OFFICE.fullmatch(office_id):
        raise ValueError(f"office id {office_id!r} must match {OFFICE_ID_PATTERN}")
    if not 1 <= number <= MAX_NUMBER:
        raise ValueError(f"daily number {number} is outside 1..{MAX_NUMBER}")
    if not 2000 <= received_on.year <= 2099:
        raise ValueError(f"year {received_on.year} cannot be written as yy")
    return f"{office_id}-{received_on:%y%m%d}-{number:04d}"


def parse_code(code: str) -> DossierCode:
    """Split a code into office, receipt date and number; raise InvalidCode if malformed."""
    match = _CODE.fullmatch(code) if isinstance(code, str) else None
    if match is None:
        raise InvalidCode(f"{code!r} is not a dossier code (OFFICE-yyMMdd-NNNN)")
    office_id, yy, mm, dd, number = match.groups()
    try:
        received_on = date(2000 + int(yy), int(mm), int(dd))
    except ValueError as exc:
        raise InvalidCode(f"{code!r} has an impossible date: {exc}") from exc
    if int(number) == 0:
        raise InvalidCode(f"{code!r} has daily number 0000; numbers start at 0001")
    return DossierCode(office_id, received_on, int(number))


def is_valid_code(code: str) -> bool:
    try:
        parse_code(code)
    except InvalidCode:
        return False
    return True
