"""Rules for the SMS sender: the brandname shown to citizens."""

import re

BRANDNAME_MAX = 11
_BRANDNAME = re.compile(r"[A-Za-z0-9 .\-]+")


def validate_brandname(brandname: str) -> str:
    """Return the brandname if carriers will accept it, else raise ValueError saying why."""
    if not brandname or not brandname.strip():
        raise ValueError("brandname is empty")
    if len(brandname) > BRANDNAME_MAX:
        raise ValueError(
            f"brandname {brandname!r} has {len(brandname)} characters, at most {BRANDNAME_MAX}"
        )
    if brandname != brandname.strip():
        raise ValueError(f"brandname {brandname!r} starts or ends with a space")
    if not _BRANDNAME.fullmatch(brandname):
        bad = "".join(sorted({ch for ch in brandname if not _BRANDNAME.fullmatch(ch)}))
        kind = "diacritics or other characters" if not bad.isascii() else "characters"
        raise ValueError(
            f"brandname {brandname!r} has {kind} {bad!r}; "
            "use ASCII letters, digits, space, dot or dash without diacritics"
        )
    return brandname
