"""Which changes of an exported JSON Schema (contracts/export.py) break a consumer of the
previous version. Pure functions over the documents; `make contracts` writes them, and
tests/unit/contracts/test_schema_compat.py fails on a breaking change unless
contracts/envelope.py SCHEMA_VERSION was raised.

Breaking, at any depth (nested objects and list items included):

- a required field removed;
- a field's type changed (its JSON types, `null` included, or its `format`: date vs date-time);
- an enum narrowed: a value removed, or a free value newly restricted to an enum;
- a field newly required (an optional field made required, or a new required field);
- a whole message type or body removed.

Allowed: a new optional field, an optional field removed, an enum widened or dropped, changes of
descriptions, defaults and bounds.
"""

from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]


def _types(node: Schema) -> frozenset[str]:
    declared = node.get("type")
    if declared is None:
        return frozenset()
    if isinstance(declared, str):
        return frozenset([declared])
    return frozenset(str(t) for t in declared)


def _shown(types: frozenset[str], fmt: object) -> str:
    shown = "|".join(sorted(types)) or "any"
    return f"{shown} ({fmt})" if fmt else shown


def _properties(node: Schema) -> Mapping[str, Schema]:
    props: Mapping[str, Schema] = node.get("properties") or {}
    return props


def _required(node: Schema) -> set[str]:
    return set(node.get("required") or ())


def breaking_changes(old: Schema, new: Schema, where: str = "") -> list[str]:
    """What in `new` breaks a consumer of `old`; [] when `new` is compatible."""
    found: list[str] = []
    here = where or "(top)"
    old_types, new_types = _types(old), _types(new)
    if old_types != new_types or old.get("format") != new.get("format"):
        found.append(
            f"{here}: type changed from {_shown(old_types, old.get('format'))} "
            f"to {_shown(new_types, new.get('format'))}"
        )
    if "enum" in new:
        old_values = old.get("enum")
        if old_values is None:
            found.append(f"{here}: enum narrowed: now restricted to {list(new['enum'])}")
        else:
            removed = [v for v in old_values if v not in new["enum"]]
            if removed:
                found.append(f"{here}: enum narrowed: {removed} removed")
    old_props, new_props = _properties(old), _properties(new)
    old_required, new_required = _required(old), _required(new)
    prefix = f"{where}." if where else ""
    for name in sorted(old_required - new_props.keys()):
        found.append(f"{prefix}{name}: required field removed")
    for name in sorted(new_required - old_required):
        found.append(f"{prefix}{name}: field newly required")
    for name in sorted(old_props.keys() & new_props.keys()):
        found.extend(breaking_changes(old_props[name], new_props[name], f"{prefix}{name}"))
    if isinstance(old.get("items"), Mapping) and isinstance(new.get("items"), Mapping):
        found.extend(breaking_changes(old["items"], new["items"], f"{where}[]"))
    return found


def breaking_changes_between(
    old: Mapping[str, Schema], new: Mapping[str, Schema]
) -> dict[str, list[str]]:
    """Per exported file ({relative path: document}): what breaks a consumer of `old`."""
    found: dict[str, list[str]] = {}
    for path in sorted(old):
        if path not in new:
            found[path] = ["message type or body removed"]
            continue
        changes = breaking_changes(old[path], new[path])
        if changes:
            found[path] = changes
    return found
