"""Reads what Kannel's fakesmsc (the SMS centre in dev and tests) received, decoded to text.

fakesmsc prints one line per message part: `Got message N: <from to coding data>`. Coding is
`text`, `ucs-2` (URL-encoded UTF-16-BE), or `udh` for a part of a concatenated message
(`udh <header> data <payload>`); parts are joined by their reference number."""

import re
from dataclasses import dataclass
from urllib.parse import unquote_plus, unquote_to_bytes

_LINE = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>\s*$")


@dataclass(frozen=True)
class ReceivedSms:
    sender: str
    to: str
    coding: str  # "text", "ucs-2", or "concatenated"
    text: str
    parts: int = 1


def _bytes(urlencoded: str) -> bytes:
    return unquote_to_bytes(urlencoded.replace("+", " "))  # fakesmsc encodes a space as "+"


def _decode(payload: bytes) -> str:
    try:
        return payload.decode("utf-16-be") if len(payload) % 2 == 0 else payload.decode("latin-1")
    except UnicodeDecodeError:
        return payload.decode("latin-1")


def read_received(path: str) -> list[ReceivedSms]:
    """Every message fakesmsc received, in order, multipart messages joined."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
    except FileNotFoundError:
        return []
    out: list[ReceivedSms] = []
    pending: dict[tuple, dict] = {}
    for line in lines:
        match = _LINE.search(line)
        if not match:
            continue
        sender, to, coding, data = match.groups()
        if coding == "ucs-2":
            out.append(ReceivedSms(sender, to, coding, _bytes(data).decode("utf-16-be")))
        elif coding == "udh":
            header_text, _, payload = data.partition(" data ")
            header = unquote_to_bytes(header_text)
            ref, total, seq = header[-3], header[-2], header[-1]
            key = (sender, to, ref, total)
            parts = pending.setdefault(key, {})
            parts[seq] = _bytes(payload)
            if len(parts) == total:
                text = _decode(b"".join(parts[i] for i in sorted(parts)))
                out.append(ReceivedSms(sender, to, "concatenated", text, total))
                del pending[key]
        else:
            out.append(ReceivedSms(sender, to, coding, unquote_plus(data) if "%" in data else data))
    return out
