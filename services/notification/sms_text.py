"""SMS text rules: GSM-7/UCS-2 encoding choice, part counting and diacritic stripping."""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

# Own tables rather than smpplib.gsm: its GSM_CHARACTER_TABLE puts "`" where 3GPP TS 23.038
# has "§" (0x5F), so it accepts "`" and rejects "§", and it splits parts by bytes, which can
# cut an escape sequence in two. The limits below match smpplib.consts (140 octets).

Encoding = Literal["GSM7", "UCS2"]
ENCODINGS: tuple[Encoding, ...] = ("GSM7", "UCS2")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# The GSM-7 alphabet, the one place it is written: 3GPP TS 23.038's default alphabet in code
# order (0x1B is the escape to the extension table, not a character), and the extension table,
# each character sent as escape + its code, so it costs 2 septets.
GSM7_ALPHABET = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION_CODES = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
GSM7_BASIC = frozenset(GSM7_ALPHABET) - {"\x1b"}
GSM7_EXTENSION = frozenset(GSM7_EXTENSION_CODES)
_GSM7_ALL = GSM7_BASIC | GSM7_EXTENSION

# Characters that have no decomposition but an obvious GSM-7 stand-in.
_REPLACEMENTS = {
    "đ": "d",
    "Đ": "D",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u2032": "'",
    "`": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2022": "-",
    "\u2026": "...",
    "\t": " ",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",
    "\ufeff": "",
    "ł": "l",
    "Ł": "L",
    "œ": "oe",
    "Œ": "OE",
}


@dataclass(frozen=True)
class SmsMeasure:
    encoding: Encoding
    length: int  # septets for GSM7, UTF-16 code units for UCS2
    parts: int


class NotGsm7Encodable(ValueError):
    def __init__(self, chars: Iterable[str]):
        self.chars = "".join(sorted(set(chars)))
        super().__init__(f"not encodable in GSM-7: {self.chars!r}")


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM7_ALL for ch in text)


def choose_encoding(text: str) -> Encoding:
    return "GSM7" if is_gsm7(text) else "UCS2"


def _without_marks(text: str, form: str) -> str:
    return "".join(
        ch
        for ch in unicodedata.normalize(form, text)
        if not unicodedata.category(ch).startswith("M")
    )


def _to_gsm7(ch: str) -> str:
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]
    for form in ("NFD", "NFKD"):
        plain = _without_marks(ch, form)
        if is_gsm7(plain):
            return plain
    return "?"


def strip_diacritics(text: str) -> str:
    """Remove all diacritics (đ→d, ư→u, ấ→a, …) and replace what GSM-7 lacks; one '?' per
    character that has no sensible stand-in. The result is always GSM-7 encodable."""
    return "".join(_to_gsm7(ch) for ch in unicodedata.normalize("NFC", text))


def _count_parts(weights: list[int], single: int, per_part: int) -> int:
    # A character never straddles two parts (escape pairs, surrogate pairs), so a part may
    # carry one unit less than per_part.
    if sum(weights) <= single:
        return 1
    parts, used = 1, 0
    for weight in weights:
        if used + weight > per_part:
            parts, used = parts + 1, 0
        used += weight
    return parts


def measure(text: str, encoding: Encoding) -> SmsMeasure:
    """Length and part count of text sent in the given encoding; an empty text is one part."""
    if encoding == "GSM7":
        bad = [ch for ch in text if ch not in _GSM7_ALL]
        if bad:
            raise NotGsm7Encodable(bad)
        weights = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return SmsMeasure("GSM7", sum(weights), _count_parts(weights, GSM7_SINGLE, GSM7_PART))
    if encoding == "UCS2":
        weights = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
        return SmsMeasure("UCS2", sum(weights), _count_parts(weights, UCS2_SINGLE, UCS2_PART))
    raise ValueError(f"unknown encoding {encoding!r}; expected one of {ENCODINGS}")
