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
    """A concatenated message's text: UCS-2 (our texts always hold ASCII characters, so NUL
    bytes) or GSM-7 as plain text (never a NUL), whatever its length."""
    if b"\x00" not in payload or len(payload) % 2:
        return payload.decode("latin-1")
    try:
        return payload.decode("utf-16-be")
    except UnicodeDecodeError:
        return payload.decode("latin-1")


class _Parser:
    """Turns fakesmsc's lines into messages, keeping the parts of a concatenated message that
    has not yet come whole."""

    def __init__(self):
        self.pending: dict[tuple, dict] = {}

    def feed(self, lines) -> list[ReceivedSms]:
        out: list[ReceivedSms] = []
        for line in lines:
            match = _LINE.search(line)
            if match:
                out.extend(self._message(*match.groups()))
        return out

    def _message(self, sender, to, coding, data) -> list[ReceivedSms]:
        if coding == "ucs-2":
            return [ReceivedSms(sender, to, coding, _bytes(data).decode("utf-16-be"))]
        if coding != "udh":
            return [ReceivedSms(sender, to, coding, unquote_plus(data) if "%" in data else data)]
        header_text, _, payload = data.partition(" data ")
        header = unquote_to_bytes(header_text)
        ref, total, seq = header[-3], header[-2], header[-1]
        key = (sender, to, ref, total)
        parts = self.pending.setdefault(key, {})
        parts[seq] = _bytes(payload)
        if len(parts) < total:
            return []
        del self.pending[key]
        text = _decode(b"".join(parts[i] for i in sorted(parts)))
        return [ReceivedSms(sender, to, "concatenated", text, total)]


def read_received(path: str) -> list[ReceivedSms]:
    """Every message fakesmsc received, in order, multipart messages joined."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return _Parser().feed(f)
    except FileNotFoundError:
        return []


class ReceivedLog:
    """fakesmsc's log read as it grows: each `new()` parses only the lines written since the
    last one (the whole log on the first), so watching a long log costs no more than its tail."""

    def __init__(self, path: str):
        self.path, self.offset, self._parser = path, 0, _Parser()

    def new(self) -> list[ReceivedSms]:
        """The messages completed since the last call (a line still being written waits)."""
        try:
            with open(self.path, "rb") as f:
                if f.seek(0, 2) < self.offset:  # the log was started again
                    self.offset, self._parser = 0, _Parser()
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        whole = data[: data.rfind(b"\n") + 1]
        self.offset += len(whole)
        return self._parser.feed(whole.decode("utf-8", errors="replace").splitlines())
