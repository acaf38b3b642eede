"""contracts/schemas/: the committed JSON Schemas are the contracts as the code has them (`make
contracts` refreshes them), and no change breaks a consumer of the baseline of the current
schema version (contracts/schemas/v<N>/) unless SCHEMA_VERSION was raised. Then the checker
itself (contracts/compat.py) on small hand-made schemas."""

import json

import pytest
from marshmallow import Schema, fields

from contracts import api, carrier, envelope, events, payment_platform, portal
from contracts.compat import breaking_changes, breaking_changes_between
from contracts.envelope import SCHEMA_VERSION
from contracts.export import (
    API_BODIES,
    CARRIER_BODIES,
    COMMANDS,
    EVENTS,
    PAYMENT_PLATFORM_BODIES,
    PORTAL_BODIES,
    SCHEMAS_DIR,
    baseline_dir,
    documents,
    export,
    read_tree,
    render,
)

REFRESH = "run `make contracts` and commit contracts/schemas/"


@pytest.fixture(scope="module")
def live() -> dict[str, dict]:
    return documents()


# ---- the committed schemas ------------------------------------------------------------------


def test_committed_schemas_are_the_contracts_as_the_code_has_them(live):
    committed = read_tree(SCHEMAS_DIR)
    generated = {path: render(doc) for path, doc in live.items()}
    missing = sorted(generated.keys() - committed.keys())
    stale = sorted(committed.keys() - generated.keys())
    different = sorted(
        p for p in generated.keys() & committed.keys() if generated[p] != committed[p]
    )
    assert not (missing or stale or different), (
        f"contracts/schemas/ is out of date ({REFRESH}): "
        f"missing {missing}, no longer generated {stale}, different {different}"
    )


def test_the_current_schema_version_has_a_baseline():
    assert baseline_dir().is_dir(), (
        f"no baseline for schema_version {SCHEMA_VERSION} ({baseline_dir()}): {REFRESH}"
    )
    for path, text in read_tree(baseline_dir()).items():
        assert json.loads(text)["schema_version"] == SCHEMA_VERSION, path


def test_no_change_breaks_a_consumer_unless_schema_version_was_raised(live):
    baseline = {path: json.loads(text) for path, text in read_tree(baseline_dir()).items()}
    assert baseline, f"empty baseline {baseline_dir()}"
    breaking = breaking_changes_between(baseline, live)
    assert not breaking, (
        f"these changes break consumers of schema_version {SCHEMA_VERSION}: "
        + json.dumps(breaking, indent=2, ensure_ascii=False)
        + "\nkeep them compatible, or raise SCHEMA_VERSION in contracts/envelope.py and run "
        "`make contracts` (it writes the new version's baseline)"
    )


def test_every_file_records_the_schema_version(live):
    assert {doc["schema_version"] for doc in live.values()} == {SCHEMA_VERSION}


def test_one_file_per_message_type():
    docs = documents()
    for exchange, schemas in EVENTS.items():
        for message_type in schemas:
            group = exchange.removesuffix(".events")
            assert docs[f"events/{group}/{message_type}.json"]["title"] == message_type
    assert docs["envelope.json"]["properties"]["schema_version"]["type"] == "integer"
    assert docs["commands/action_request.json"]["additionalProperties"] is False


def _nested(schema: type[Schema]) -> set[type[Schema]]:
    found: set[type[Schema]] = set()

    def walk(field: fields.Field) -> None:
        if isinstance(field, fields.Nested):
            inner = field.schema
            found.add(type(inner))
            found.update(_nested(type(inner)))
        elif isinstance(field, fields.List):
            walk(field.inner)
        elif isinstance(field, fields.Dict) and field.value_field is not None:
            walk(field.value_field)

    for field in schema().fields.values():
        walk(field)
    return found


def test_every_schema_of_the_contracts_is_exported_or_inside_one_that_is():
    exported = {envelope.EnvelopeSchema, *COMMANDS, *API_BODIES, *CARRIER_BODIES}
    exported |= set(PAYMENT_PLATFORM_BODIES) | set(PORTAL_BODIES)
    exported |= {type(schema) for schemas in EVENTS.values() for schema in schemas.values()}
    reachable = set(exported)
    for schema in exported:
        reachable |= _nested(schema)
    declared = {
        value
        for module in (api, carrier, payment_platform, portal, events, envelope)
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, Schema)
        and value.__module__ == module.__name__
        and not name.startswith("_")
    }
    assert declared - reachable == set(), "add them to contracts/export.py"


# ---- writing the files ----------------------------------------------------------------------


def test_export_writes_the_baseline_only_when_the_version_has_none(tmp_path, monkeypatch):
    done = export(tmp_path)
    assert any("baseline of schema version" in line for line in done)
    baseline = tmp_path / f"v{SCHEMA_VERSION}"
    assert read_tree(baseline) == read_tree(tmp_path)
    (baseline / "envelope.json").write_text("{}")  # the baseline is left alone from now on
    (tmp_path / "events" / "gone.json").write_text("{}")  # a type no longer generated

    assert export(tmp_path) == ["removed events/gone.json"]
    assert (baseline / "envelope.json").read_text() == "{}"

    monkeypatch.setattr("contracts.export.SCHEMA_VERSION", SCHEMA_VERSION + 1)
    done = export(tmp_path)
    assert (tmp_path / f"v{SCHEMA_VERSION + 1}").is_dir()
    assert len([line for line in done if line.startswith("wrote ")]) == len(documents()) + 1


# ---- the checker ----------------------------------------------------------------------------


def obj(properties: dict, required=(), **more) -> dict:
    return {"type": "object", "properties": properties, "required": list(required), **more}


STRING = {"type": "string"}
OLD = obj(
    {
        "code": STRING,
        "note": STRING,
        "state": {"type": "string", "enum": ["received", "resolved"]},
        "at": {"type": "string", "format": "date-time"},
        "actor": obj({"name": STRING, "role": STRING}, ["name"]),
        "steps": {"type": "array", "items": obj({"office_id": STRING}, ["office_id"])},
    },
    ["code", "state"],
)


def changed(path: str, value) -> dict:
    """A copy of OLD with the property at `path` (dotted; [] for list items) set to value, or
    removed when value is None."""
    new = json.loads(json.dumps(OLD))
    node = new
    keys = path.split(".")
    for key in keys[:-1]:
        node = node["items"] if key == "[]" else node["properties"][key]
    if value is None:
        del node["properties"][keys[-1]]
    else:
        node["properties"][keys[-1]] = value
    return new


def test_the_same_schema_is_compatible():
    assert breaking_changes(OLD, json.loads(json.dumps(OLD))) == []


def test_a_removed_required_field_breaks():
    assert breaking_changes(OLD, changed("code", None)) == ["code: required field removed"]


def test_a_removed_optional_field_is_allowed():
    assert breaking_changes(OLD, changed("note", None)) == []


def test_an_added_optional_field_is_allowed():
    assert breaking_changes(OLD, changed("comment", {"type": "string"})) == []


def test_an_added_required_field_breaks():
    new = changed("comment", STRING)
    new["required"].append("comment")
    assert breaking_changes(OLD, new) == ["comment: field newly required"]


def test_an_optional_field_made_required_breaks():
    new = json.loads(json.dumps(OLD))
    new["required"].append("note")
    assert breaking_changes(OLD, new) == ["note: field newly required"]


def test_a_required_field_made_optional_is_allowed():
    new = json.loads(json.dumps(OLD))
    new["required"].remove("state")
    assert breaking_changes(OLD, new) == []


@pytest.mark.parametrize(
    "value",
    [
        {"type": "integer"},
        {"type": ["string", "null"]},  # a consumer of the old version never expected null
        {"type": "string", "format": "date"},
        {"type": "string"},  # the format dropped: no longer a date-time
    ],
)
def test_a_type_change_breaks(value):
    (change,) = breaking_changes(OLD, changed("at", value))
    assert change.startswith("at: type changed from string (date-time) to ")


def test_a_narrowed_enum_breaks():
    new = changed("state", {"type": "string", "enum": ["received"]})
    assert breaking_changes(OLD, new) == ["state: enum narrowed: ['resolved'] removed"]


def test_a_free_value_restricted_to_an_enum_breaks():
    new = changed("note", {"type": "string", "enum": ["a", "b"]})
    assert breaking_changes(OLD, new) == ["note: enum narrowed: now restricted to ['a', 'b']"]


@pytest.mark.parametrize(
    "value",
    [{"type": "string", "enum": ["received", "resolved", "refused"]}, {"type": "string"}],
)
def test_a_widened_or_dropped_enum_is_allowed(value):
    assert breaking_changes(OLD, changed("state", value)) == []


def test_descriptions_defaults_and_bounds_are_not_breaking():
    new = changed("note", {"type": "string", "description": "free text", "maxLength": 10})
    new["description"] = "another description"
    assert breaking_changes(OLD, new) == []


def test_changes_inside_nested_objects_and_list_items_are_found():
    actor = obj({"name": {"type": "integer"}, "role": STRING}, ["name", "role"])
    steps = {"type": "array", "items": obj({"level": STRING}, ["level"])}
    new = changed("steps", steps)
    new["properties"]["actor"] = actor
    assert breaking_changes(OLD, new) == [
        "actor.role: field newly required",
        "actor.name: type changed from string to integer",
        "steps[].office_id: required field removed",
        "steps[].level: field newly required",
    ]


def test_a_removed_message_type_breaks_and_a_new_one_does_not():
    old = {"events/a.json": OLD, "events/b.json": OLD}
    new = {"events/a.json": OLD, "events/c.json": changed("code", None)}
    assert breaking_changes_between(old, new) == {"events/b.json": ["message type or body removed"]}
    new["events/a.json"] = changed("code", None)
    assert breaking_changes_between(old, new)["events/a.json"] == ["code: required field removed"]
