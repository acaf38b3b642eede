"""Money, the one place its rules are written: amounts in VND, what is paid (a procedure's fee,
or a financial obligation assessed during processing), how (cash or transfer at the counter, to
the postal worker, online through the payment platform), a payment's statuses and how a platform
status moves them, receipt numbers, and refunds. Pure: no I/O (docs/money.md tells the story).

Amounts are whole VND (the đồng has no subunit in use): an integer, never a float, from 1 to
MAX_VND. A payment is `due` until it is paid (at the counter, by post, or by a platform
callback or poll), then `paid`; a fee paid for a dossier that is refused is refunded in full
(`refunded`); a payment still due when its dossier is withdrawn or stopped is `cancelled`. An
online attempt on the platform has its own status (the platform's); a failed or expired one
leaves the payment due, and a new attempt is asked for while the notice's deadline has not
passed."""

from datetime import datetime
from typing import Any

from marshmallow import fields, validate

FEE, OBLIGATION = "fee", "obligation"
KINDS = (FEE, OBLIGATION)
KIND_LABELS_VI = {FEE: "Phí, lệ phí", OBLIGATION: "Nghĩa vụ tài chính"}

CASH, TRANSFER, POST, ONLINE = "cash", "transfer", "post", "online"
METHODS = (CASH, TRANSFER, POST, ONLINE)
COUNTER_METHODS = (CASH, TRANSFER)  # what a receiver records at the counter
METHOD_LABELS_VI = {
    CASH: "Tiền mặt tại Bộ phận Một cửa",
    TRANSFER: "Chuyển khoản tại Bộ phận Một cửa",
    POST: "Nộp cho nhân viên bưu chính",
    ONLINE: "Trực tuyến qua Cổng thanh toán",
}

DUE, PAID, REFUNDED, CANCELLED = "due", "paid", "refunded", "cancelled"
STATUSES = (DUE, PAID, REFUNDED, CANCELLED)
FINAL = frozenset({REFUNDED, CANCELLED})
STATUS_LABELS_VI = {
    DUE: "Chờ nộp",
    PAID: "Đã nộp",
    REFUNDED: "Đã hoàn trả",
    CANCELLED: "Đã huỷ",
}
# The platform's statuses of one online attempt (contracts/payment_platform.py), and which of them
# end the attempt without money: the payment stays due and a new attempt may be made.
ATTEMPT_PAID, ATTEMPT_REFUNDED = "paid", "refunded"
ATTEMPT_DEAD = frozenset({"failed", "expired"})

MAX_VND = 100_000_000_000  # a land levy can be large; nothing a counter takes is larger
FEE_ATTEMPT_SECONDS = 7 * 24 * 3600  # how long an online fee's pay link lives


def vnd_field(**kwargs: Any) -> fields.Integer:
    """An amount in VND: a strict integer (a float, or "100000" as a string, is refused)."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_VND), **kwargs)


def fractional_amounts(body: Any) -> list[str]:
    """The names of the amounts in a request body (keys ending in `amount_vnd`, at any depth)
    given as a number that is not a whole one: a float amount is refused with 400, not read."""
    found: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key.endswith("amount_vnd") and isinstance(value, float):
                found.append(key)
            found += fractional_amounts(value)
    elif isinstance(body, list):
        for item in body:
            found += fractional_amounts(item)
    return found


def format_vnd(amount: int) -> str:
    """150000 -> "150.000 ₫" (Vietnamese digit grouping)."""
    return f"{amount:,}".replace(",", ".") + " ₫"


def format_vnd_ascii(amount: int) -> str:
    """150000 -> "150.000 d" (for GSM-7 SMS)."""
    return f"{amount:,}".replace(",", ".") + " d"


def fee_payment_id(code: str) -> str:
    """A dossier has at most one fee payment: the dossier code and F."""
    return f"{code}-F"


def obligation_payment_id(code: str, sequence: int) -> str:
    """One payment per notice of obligation: the dossier code and the notice event's sequence
    (so a repeated notice event never makes a second payment)."""
    return f"{code}-N{sequence}"


def receipt_number(payment_id: str) -> str:
    """The electronic receipt (biên lai điện tử) of a payment: one per payment, named by it."""
    return f"BL-{payment_id}"


def attempt_reference(payment_id: str, attempt: int) -> str:
    """The platform reference of a payment's n-th online attempt (a repeated request for the
    same attempt gets the same platform payment back)."""
    return f"{payment_id}-{attempt}"


def refund_reference(payment_id: str) -> str:
    """A payment is refunded at most once, in full: the platform refund's idempotency key."""
    return f"{payment_id}-R"


def refundable(payment: dict[str, Any]) -> int:
    """What may still be refunded of a payment: what was paid less what was refunded."""
    if payment["status"] not in (PAID, REFUNDED):
        return 0
    left: int = payment["amount_vnd"] - payment.get("refunded_vnd", 0)
    return max(0, left)


def check_refund(payment: dict[str, Any], amount: int) -> None:
    """ValueError unless `amount` may be refunded: positive, and never more than was paid."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"a refund is a positive whole number of VND, not {amount!r}")
    left = refundable(payment)
    if amount > left:
        raise ValueError(f"refund of {amount} exceeds what is left to refund ({left})")


def is_overdue(payment: dict[str, Any], now: datetime) -> bool:
    """An unpaid notice past its deadline (raised once to the office)."""
    pay_by = payment.get("pay_by")
    return payment["status"] == DUE and pay_by is not None and now > pay_by
