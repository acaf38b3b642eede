"""Versioned citizen SMS templates: load and validate templates.yaml, render with part counts.

No citizen SMS may be lost to its length: `render` always returns a text within `max_parts`
(3 by default), degrading it step by step until it fits (`fit`), least harm first:

  a. the text as is;
  b. list fields (`{{ missing | listing("giấy tờ") }}`) shortened: as many whole items as fit,
     then a count of the rest ("Bản vẽ mặt bằng, Giấy tờ đất và 3 giấy tờ khác"), down to the
     count alone ("5 giấy tờ") - every template ends with the tracking link, where the citizen
     sees the whole list;
  c. free-text fields (FREE_TEXT_FIELDS: the reason, then the other office's name, then the
     office's own name) cut with "…", each keeping at least MIN_KEPT characters;
  d. last resort, for a UCS2 template: the same text as GSM-7 without diacritics
     (strip_diacritics, 153 characters a part instead of 67), repeating a-c.

RenderedSms.degraded names the furthest step taken (None, "shortened", "truncated", "gsm7") for
the message log. TooManyParts remains only for a template whose fixed text, with the fields that
are never cut (codes, dates, numbers, links), cannot fit even as GSM-7: a configuration error.
The fixed text alone is checked when the file is loaded; the unit tests render every template
with the longest realistic data.
"""

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

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
    "supplemented",
    "payment_due",
    "obligation_paid",
    "verification_code",
    "submitted_online",
    "not_accepted_online",
    "result_file",
    "evaluation_invite",
    "evaluation_thanks",
    "evaluation_refused",
    "reply_unmatched",
    "reply_not_understood",
    "feedback_received",
    "feedback_answered",
)
TEMPLATES_PATH = Path(__file__).with_name("templates.yaml")
DEFAULT_MAX_PARTS = 3

Degradation = Literal["shortened", "truncated", "gsm7"]
LIST_FILTER = "listing"
# Step c cuts these, in this order: the reason is whole on the tracking page, and the office the
# dossier went to matters less to the citizen than the one that wrote to them. Codes, dates,
# tracking numbers and links are never cut: a cut one is a wrong one.
FREE_TEXT_FIELDS = ("reason", "to_office", "office_name")
# A name cut shorter than this is no longer recognisable: below it, GSM-7 (step d) keeps the
# whole name at the cost of its diacritics, which reads better.
MIN_KEPT = 20
ELLIPSIS = "…"

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
    list_fields: frozenset[str] = frozenset()  # rendered through `listing`: step b shortens them
    compiled: jinja2.Template | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class RenderedSms:
    template_id: str
    version: int
    encoding: Encoding
    text: str
    length: int
    parts: int
    degraded: Degradation | None = None  # the furthest step of `fit` it took; None: as is


@dataclass(frozen=True)
class Shortened:
    """A list field cut by step b: its first items and how many more there are."""

    kept: tuple[str, ...]
    rest: int


def _items(value: Any) -> list[str]:
    # A plain string is one item, not a list of characters.
    values = [value] if isinstance(value, str) else list(value)
    return [text for text in (str(item).strip() for item in values) if text]


def listing(value: Any, noun: str) -> str:
    """A list field as text, for `{{ missing | listing("giấy tờ") }}`: "a, b, c"; shortened
    by step b: "a, b và 3 giấy tờ khác", or "5 giấy tờ" when no item fits."""
    if not isinstance(value, Shortened):
        return ", ".join(_items(value))
    if not value.kept:
        return f"{value.rest} {noun}"
    return f"{', '.join(value.kept)} và {value.rest} {noun} khác"


def format_datetime(value: datetime) -> str:
    """The date format every template expects: "HH:MM dd/mm/yyyy"."""
    return value.strftime("%H:%M %d/%m/%Y")


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters[LIST_FILTER] = listing
    return env


def _list_fields(tree: nodes.Template) -> frozenset[str]:
    return frozenset(
        node.node.name
        for node in tree.find_all(nodes.Filter)
        if node.name == LIST_FILTER and isinstance(node.node, nodes.Name)
    )


def _check_fixed_text(tree: nodes.Template, where: str) -> None:
    """The text around the fields must fit even as GSM-7 with every field empty: no
    degradation can shorten it, so a longer one could never be sent."""
    fixed = strip_diacritics("".join(data.data for data in tree.find_all(nodes.TemplateData)))
    parts = measure(fixed, "GSM7").parts
    if parts > DEFAULT_MAX_PARTS:
        raise TemplateError(
            f"{where}: the fixed text alone is {parts} parts, more than {DEFAULT_MAX_PARTS}"
        )


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
    _check_fixed_text(tree, where)
    return SmsTemplate(
        id=entry["id"],
        event=entry["event"],
        version=version,
        encoding=entry["encoding"],
        text=text.strip(),
        optional=entry.get("optional", False),
        fields=frozenset(meta.find_undeclared_variables(tree)),
        list_fields=_list_fields(tree),
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
    """Render a template within max_parts, degraded as little as needed (see `fit`); GSM7
    output has diacritics stripped, UCS2 output is NFC."""
    if max_parts < 1:
        raise ValueError("max_parts must be at least 1")
    templates = load_templates() if templates is None else templates
    try:
        template = templates[template_id]
    except KeyError:
        raise UnknownTemplate(template_id) from None
    _check_context(template, context)
    return fit(template, context, max_parts)


def _check_context(template: SmsTemplate, context: Mapping[str, Any]) -> None:
    empty = sorted(name for name in template.fields if context.get(name) is None)
    if empty:
        raise MissingField(f"{template.id} needs {', '.join(empty)}")
    # A list shown any other way than through `listing` would print as "['a', 'b']", and
    # step b could not shorten it.
    for name in sorted(template.fields - template.list_fields):
        if isinstance(context[name], list | tuple | Shortened):
            raise TemplateError(f"{template.id}: {name} is a list; render it with | {LIST_FILTER}")


def fit(template: SmsTemplate, context: Mapping[str, Any], max_parts: int) -> RenderedSms:
    """The least degraded rendering within max_parts, trying in order: (a) as is, (b) list
    fields shortened, (c) free text cut with "…", (d) for UCS2, a-c again as GSM-7 without
    diacritics. Raises TooManyParts only when even that cannot fit."""
    encodings: list[Encoding] = [template.encoding]
    if template.encoding == "UCS2":
        encodings.append("GSM7")
    attempt = None
    for encoding in encodings:
        attempt = _Attempt(template, encoding, max_parts)
        sms = _fit_in(attempt, dict(context))
        if sms is not None:
            return sms
    raise TooManyParts(template.id, attempt.smallest_parts, max_parts)


class _Attempt:
    """Renders one template in one encoding and keeps what fits within max_parts."""

    def __init__(self, template: SmsTemplate, encoding: Encoding, max_parts: int):
        self.template, self.encoding, self.max_parts = template, encoding, max_parts
        self.smallest_parts = 0  # of every rendering tried, for the TooManyParts message
        # Any step taken in another encoding than the template's is the last resort.
        self.gsm7 = encoding != template.encoding

    def __call__(self, context: Mapping[str, Any], step: Degradation | None) -> RenderedSms | None:
        text = self._text(context)
        size = measure(text, self.encoding)
        if not self.smallest_parts or size.parts < self.smallest_parts:
            self.smallest_parts = size.parts
        if size.parts > self.max_parts:
            return None
        template = self.template
        degraded = "gsm7" if self.gsm7 else step
        return RenderedSms(
            template.id, template.version, self.encoding, text, size.length, size.parts, degraded
        )

    def _text(self, context: Mapping[str, Any]) -> str:
        compiled = self.template.compiled or _environment().from_string(self.template.text)
        try:
            text = compiled.render(context)
        except jinja2.UndefinedError as exc:
            raise MissingField(f"{self.template.id}: {exc.message}") from exc
        if self.encoding == "GSM7":
            return strip_diacritics(text)
        return unicodedata.normalize("NFC", text)


def _fit_in(attempt: _Attempt, context: dict[str, Any]) -> RenderedSms | None:
    """Steps a-c in one encoding; context is changed in place as the steps go."""
    return (
        attempt(context, None)
        or _shorten_lists(attempt, context)
        or _truncate_free_text(attempt, context)
    )


def _shorten_lists(attempt: _Attempt, context: dict[str, Any]) -> RenderedSms | None:
    """Step b: keep as many whole items as fit and count the rest; leaves every list at its
    count alone when none fits. Items are never cut: a cut document name may name another."""
    for name in sorted(attempt.template.list_fields):
        items = _items(context[name])
        for kept in range(len(items) - 1, -1, -1):
            context[name] = Shortened(tuple(items[:kept]), len(items) - kept)
            sms = attempt(context, "shortened")
            if sms is not None:
                return sms
    return None


def truncate(value: str, keep: int) -> str:
    """The first `keep` characters and "…", cut back to the end of the last whole word when
    that loses little (a few characters, never below MIN_KEPT)."""
    cut = value[:keep]
    space = cut.rfind(" ")
    if value[keep : keep + 1] not in ("", " ") and space >= max(keep - 8, MIN_KEPT):
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + ELLIPSIS


def _truncate_free_text(attempt: _Attempt, context: dict[str, Any]) -> RenderedSms | None:
    """Step c: cut each free-text field in turn (FREE_TEXT_FIELDS), as little as fits; a field
    cut to MIN_KEPT characters without fitting stays so and the next one is cut."""
    for name in FREE_TEXT_FIELDS:
        if name in attempt.template.fields:
            sms = _truncate_one(attempt, context, name)
            if sms is not None:
                return sms
    return None


def _truncate_one(attempt: _Attempt, context: dict[str, Any], name: str) -> RenderedSms | None:
    value = unicodedata.normalize("NFC", str(context[name]))
    if len(value) <= MIN_KEPT + 1:
        return None  # cutting it would save nothing worth the "…"

    def cut_to(keep: int) -> dict[str, Any]:
        return {**context, name: value[:keep] + ELLIPSIS}

    keep = _longest(MIN_KEPT, len(value) - 2, lambda k: attempt(cut_to(k), None))
    if keep is None:
        context[name] = truncate(value, MIN_KEPT)
        return None
    context[name] = truncate(value, keep)
    # The word-boundary cut is a prefix of the cut that fitted, so it fits too; the second
    # attempt only guards against a part count that would not shrink with its text.
    return attempt(context, "truncated") or attempt(cut_to(keep), "truncated")


def _longest(low: int, high: int, fits: Callable[[int], Any]) -> int | None:
    """The largest n in low..high for which fits(n) is true, or None; fits must be monotone
    (a longer prefix never renders shorter)."""
    if low > high or not fits(low):
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low
