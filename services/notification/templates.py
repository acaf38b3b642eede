"""Versioned citizen SMS templates: load and validate templates.yaml, render with part counts."""

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jinja2
import yaml
from jinja2 import meta, nodes

from services.notification.sms_text import ENCODINGS, Encoding, measure, strip_diacritics

EVENTS = (
    "received",
    "supplement_requested",
    "forwarded",
    "result_ready",
    "sent_by_post",
    "delivered",
    "late",
    "returned_from_post",
)
TEMPLATES_PATH = Path(__file__).with_name("templates.yaml")
DEFAULT_MAX_PARTS = 3

_REQUIRED = ("id", "event", "version", "encoding", "text")
_ALLOWED = frozenset(_REQUIRED) | {"optional"}


class TemplateError(ValueError):
    """The templates file is malformed."""


class UnknownTemplate(KeyError):
    pass


class MissingField(ValueError):
    pass


class TooManyParts(ValueError):
    def __init__(self, template_id: str, parts: int, max_parts: int):
        self.template_id, self.parts, self.max_parts = template_id, parts, max_parts
        super().__init__(f"{template_id} renders to {parts} parts, more than {max_parts}")


@dataclass(frozen=True)
class SmsTemplate:
    id: str
    event: str
    version: int
    encoding: Encoding
    text: str
    optional: bool = False
    fields: frozenset[str] = frozenset()
    compiled: jinja2.Template | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class RenderedSms:
    template_id: str
    version: int
    encoding: Encoding
    text: str
    length: int
    parts: int


def format_datetime(value: datetime) -> str:
    """The date format every template expects: "HH:MM dd/mm/yyyy"."""
    return value.strftime("%H:%M %d/%m/%Y")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)


def _parse_one(entry: Any, position: int) -> SmsTemplate:
    where = f"template #{position}"
    if not isinstance(entry, Mapping):
        raise TemplateError(f"{where}: expected a mapping, got {type(entry).__name__}")
    where = f"template {entry.get('id', f'#{position}')!r}"
    missing = [key for key in _REQUIRED if key not in entry]
    if missing:
        raise TemplateError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(set(entry) - _ALLOWED)
    if unknown:
        raise TemplateError(f"{where}: unknown keys {', '.join(unknown)}")
    if not isinstance(entry["id"], str) or not entry["id"]:
        raise TemplateError(f"{where}: id must be a non-empty string")
    if entry["event"] not in EVENTS:
        raise TemplateError(f"{where}: unknown event {entry['event']!r}")
    version = entry["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise TemplateError(f"{where}: version must be a positive integer")
    if entry["encoding"] not in ENCODINGS:
        raise TemplateError(f"{where}: unknown encoding {entry['encoding']!r}, use {ENCODINGS}")
    if not isinstance(entry.get("optional", False), bool):
        raise TemplateError(f"{where}: optional must be true or false")
    text = entry["text"]
    if not isinstance(text, str) or not text.strip():
        raise TemplateError(f"{where}: text must be a non-empty string")
    try:
        tree = _environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{where}: {exc}") from exc
    if entry["encoding"] == "GSM7":
        for data in tree.find_all(nodes.TemplateData):
            if strip_diacritics(data.data) != data.data:
                raise TemplateError(f"{where}: GSM7 text must be plain, got {data.data!r}")
    return SmsTemplate(
        id=entry["id"],
        event=entry["event"],
        version=version,
        encoding=entry["encoding"],
        text=text.strip(),
        optional=entry.get("optional", False),
        fields=frozenset(meta.find_undeclared_variables(tree)),
        compiled=_environment().from_string(text.strip()),
    )


def parse_templates(data: Any) -> Mapping[str, SmsTemplate]:
    """Validate the loaded YAML document and index its templates by id."""
    if not isinstance(data, Mapping) or not isinstance(data.get("templates"), list):
        raise TemplateError("expected a mapping with a 'templates' list")
    parsed: dict[str, SmsTemplate] = {}
    for position, entry in enumerate(data["templates"], start=1):
        template = _parse_one(entry, position)
        if template.id in parsed:
            raise TemplateError(f"template {template.id!r} is defined twice")
        parsed[template.id] = template
    return MappingProxyType(parsed)


@cache
def load_templates(path: Path = TEMPLATES_PATH) -> Mapping[str, SmsTemplate]:
    """Read, validate and cache the templates file (once per path)."""
    with open(path, encoding="utf-8") as stream:
        return parse_templates(yaml.safe_load(stream))


def templates_for_event(event: str) -> list[SmsTemplate]:
    return [t for t in load_templates().values() if t.event == event]


def render(
    template_id: str,
    context: Mapping[str, Any],
    *,
    max_parts: int = DEFAULT_MAX_PARTS,
    templates: Mapping[str, SmsTemplate] | None = None,
) -> RenderedSms:
    """Render a template; GSM7 output has diacritics stripped, UCS2 output is NFC."""
    if max_parts < 1:
        raise ValueError("max_parts must be at least 1")
    templates = load_templates() if templates is None else templates
    try:
        template = templates[template_id]
    except KeyError:
        raise UnknownTemplate(template_id) from None
    empty = sorted(name for name in template.fields if context.get(name) is None)
    if empty:
        raise MissingField(f"{template_id} needs {', '.join(empty)}")
    compiled = template.compiled or _environment().from_string(template.text)
    try:
        text = compiled.render(context)
    except jinja2.UndefinedError as exc:
        raise MissingField(f"{template_id}: {exc.message}") from exc
    if template.encoding == "GSM7":
        text = strip_diacritics(text)
    else:
        text = unicodedata.normalize("NFC", text)
    size = measure(text, template.encoding)
    if size.parts > max_parts:
        raise TooManyParts(template_id, size.parts, max_parts)
    return RenderedSms(
        template.id, template.version, template.encoding, text, size.length, size.parts
    )
