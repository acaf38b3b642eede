"""Rules every piece of HTTP input passes before any schema or database lookup sees it.

A JSON body may not smuggle MongoDB operators or dotted paths (no key starts with `$` or holds a
`.`, at any depth), and no text in it may carry what a store or a terminal mishandles: NUL and
other control characters, lone surrogates (not encodable as UTF-8, so not storable in BSON),
Unicode noncharacters, and the bidirectional overrides used to disguise text. Query parameters
follow the same text rules and have plain lower-case names. Pure functions, no I/O.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

MAX_QUERY_VALUE = 200
_QUERY_NAME = re.compile(r"^[a-z][a-z_]{0,31}$")
# C0 controls but tab, newline and carriage return; DEL and the C1 controls; lone surrogates;
# bidirectional embeddings, overrides and isolates; the noncharacters U+FDD0–FDEF, U+FFFE/FFFF.
_ODD_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
    "\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff]"
)


class UnsafeInput(ValueError):
    """Input refused before it reaches a schema; `where` is its JSON path (or query name)."""

    def __init__(self, code: str, message: str, where: str):
        super().__init__(f"{where}: {message}")
        self.code, self.message, self.where = code, message, where


def check_text(text: str, where: str) -> None:
    """UnsafeInput if `text` holds a character no field of ours may hold."""
    odd = _ODD_TEXT.search(text)
    if odd:
        raise UnsafeInput(
            "invalid_text", f"character U+{ord(odd.group()):04X} is not allowed", where
        )


def check_key(key: object, where: str) -> None:
    if not isinstance(key, str):  # json.loads gives str keys; other callers might not
        raise UnsafeInput("invalid_key", "keys must be text", where)
    if key.startswith("$") or "." in key:
        raise UnsafeInput("operator_key", f"key {key!r} may not start with $ or hold a dot", where)
    check_text(key, where)


def check_document(value: Any, where: str = "$") -> None:
    """Walk a decoded JSON value; UnsafeInput at the first key or text that breaks a rule."""
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                check_key(key, path)
                stack.append((child, f"{path}.{key}"))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(item))
        elif isinstance(item, str):
            check_text(item, path)


def check_query(params: Mapping[str, Iterable[str]]) -> None:
    """Query parameters (name → list of values): plain names, bounded text values."""
    for name, values in params.items():
        if not _QUERY_NAME.match(name):
            raise UnsafeInput("invalid_parameter", f"no parameter is called {name!r}", name[:40])
        for value in values:
            if len(value) > MAX_QUERY_VALUE:
                raise UnsafeInput(
                    "invalid_parameter", f"longer than {MAX_QUERY_VALUE} characters", name
                )
            check_text(value, name)
