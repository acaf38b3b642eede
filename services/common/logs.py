"""Structured logs: one JSON object per line, with the dossier code, message id and correlation id
of the message being handled on every line, and phone and ID numbers masked wherever they appear.

The services' LOGGING (deploy/config.yml) names `JsonFormatter` as the console formatter, so every
record — ours, nameko's, kombu's — goes through the same processors. The ids come from structlog's
context variables, which `services.common.observability` binds around each worker (each eventlet
green thread has its own context)."""

import re

import structlog

CONTEXT_KEYS = ("dossier_code", "message_id", "correlation_id")
"""Present on every line, null when the line is not about one message."""

# Keys whose values are identifiers we generate: never masked (a uuid may hold a digit run).
_UNMASKED_KEYS = frozenset({*CONTEXT_KEYS, "timestamp", "level", "logger", "service", "instance"})

# Vietnamese mobile numbers: +84 / 84 / 0084 / 0, then a mobile prefix (3, 5, 7, 8, 9) and eight
# digits, optionally grouped by spaces, dots or dashes (0901 234 567, +84 90 123 45 67); and the
# old 11-digit numbers (01xx …); not a group inside a hyphenated token (a uuid). Landlines are
# not personal data of a citizen here.
_SEP = r"[ .\-]?"
_PHONE = re.compile(
    r"(?<![\w+])(?<!\w-)(?:\+84|0084|84|0)" + _SEP + r"(?:[35789]|1[2-9]\d?)"
    r"(?:" + _SEP + r"\d){7,8}(?![\w])(?!-\w)"
)
# Citizen identity numbers: 12-digit CCCD, 9-digit CMND (as a whole token, not inside an id).
_ID_NUMBER = re.compile(r"(?<![\w\-:.])(?:\d{12}|\d{9})(?![\w\-])")


# A shared secret in a URL's query (Kannel's smsbox calls the gateway with ?secret=…): the
# access log must not hold it.
_SECRET = re.compile(r"(?<=[?&]secret=)[^&\s\"]+")


def _mask_match(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "*" * (len(digits) - 3) + digits[-3:]


def mask_text(text: str) -> str:
    """`text` with every phone number and ID number replaced by stars and its last 3 digits,
    and a URL's `secret=` parameter by stars."""
    if "secret=" in text:
        text = _SECRET.sub("***", text)
    if not any(c.isdigit() for c in text):
        return text
    return _ID_NUMBER.sub(_mask_match, _PHONE.sub(_mask_match, text))


def _mask_value(value):
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= 9:
        digits = str(abs(value))  # a number kept as an integer (its leading 0 lost): mask it all
        return "*" * (len(digits) - 3) + digits[-3:]
    return value


def mask_personal_data(_logger, _method, event_dict: dict) -> dict:
    """structlog processor: mask phone and ID numbers in every value but our own identifiers."""
    return {k: (v if k in _UNMASKED_KEYS else _mask_value(v)) for k, v in event_dict.items()}


def add_context_keys(_logger, _method, event_dict: dict) -> dict:
    """structlog processor: every line carries the context keys, null when unknown."""
    for key in CONTEXT_KEYS:
        event_dict.setdefault(key, None)
    return event_dict


def _pre_chain() -> list:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_context_keys,
    ]


class JsonFormatter(structlog.stdlib.ProcessorFormatter):
    """A logging.Formatter (for dictConfig's `()`) writing masked JSON lines."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                mask_personal_data,
                structlog.processors.JSONRenderer(ensure_ascii=False, default=str),
            ],
            foreign_pre_chain=_pre_chain(),
        )


def configure_structlog() -> None:
    """Route structlog loggers through stdlib logging (so JsonFormatter renders them too)."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def bind(**ids) -> None:
    """Bind the ids of the message being handled to this green thread's log context."""
    structlog.contextvars.bind_contextvars(**{k: v for k, v in ids.items() if v is not None})


def clear() -> None:
    structlog.contextvars.clear_contextvars()
