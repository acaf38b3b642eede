"""The payment simulator's pure rules: the scripted-outcome tags a test writes in a payment's
description, how an amount is shown to a citizen, and what status a refund leads to.

Tags (anywhere in the description, several may be combined):

- ``[autopay]`` / ``[autopay:CHANNEL]``: the simulator makes a payment attempt by itself after
  its pay delay (channel one of contracts.payment_platform.CHANNELS, else drawn at random); the
  attempt fails when a random draw is below the fail rate;
- ``[fail]``: the automatic attempt fails, whatever the fail rate (it implies ``[autopay]``);
- ``[expire]``: no automatic attempt at all (it overrides the two above): the payment stays
  pending until a citizen pays it on the page or it expires;
- ``[dup:N]``: every callback of the payment is sent N+1 times (replays of one event);
- ``[nocallback]``: status changes are recorded but no callback is sent (the payer must poll).
"""

import re
from dataclasses import dataclass

from contracts.payment_platform import CHANNELS

_TAG = re.compile(r"\[(autopay(?::([a-z_]+))?|fail|expire|dup:(\d{1,2})|nocallback)\]")


class BadTag(ValueError):
    """A tag naming an unknown channel: refused, so that a typo does not go unnoticed."""


@dataclass(frozen=True)
class Script:
    autopay: bool = False
    channel: str | None = None  # the channel of the automatic payment; None: drawn
    fail: bool = False
    expire: bool = False
    duplicates: int = 0  # extra copies of each callback
    callbacks: bool = True

    @property
    def attempts_by_itself(self) -> bool:
        return (self.autopay or self.fail) and not self.expire


def parse_tags(description: str) -> Script:
    autopay = fail = expire = False
    channel: str | None = None
    duplicates = 0
    callbacks = True
    for match in _TAG.finditer(description):
        tag = match.group(1)
        if tag.startswith("autopay"):
            autopay = True
            if match.group(2) is not None:
                if match.group(2) not in CHANNELS:
                    raise BadTag(f"unknown channel {match.group(2)!r} in [autopay:…]")
                channel = match.group(2)
        elif tag == "fail":
            fail = True
        elif tag == "expire":
            expire = True
        elif tag.startswith("dup:"):
            duplicates = int(match.group(3))
        else:
            callbacks = False
    return Script(autopay, channel, fail, expire, duplicates, callbacks)


def strip_tags(description: str) -> str:
    """The description as a citizen reads it: without tags or the spaces they leave."""
    return re.sub(r"\s{2,}", " ", _TAG.sub("", description)).strip()


def format_vnd(amount: int) -> str:
    """150000 -> '150.000 ₫' (Vietnamese groups thousands with dots)."""
    return f"{amount:,}".replace(",", ".") + " ₫"


def refund_problem(status: str, amount: int, refunded: int, refund: int) -> str | None:
    """Why a refund of `refund` cannot be made now, or None when it can."""
    if status not in ("paid", "partially_refunded"):
        return f"payment is {status}, only a paid payment can be refunded"
    left = amount - refunded
    if refund > left:
        return f"refund of {refund} exceeds the {left} left to refund"
    return None


def status_after_refund(amount: int, refunded: int) -> str:
    """The status once `refunded` đồng of `amount` have been given back."""
    return "refunded" if refunded >= amount else "partially_refunded"
