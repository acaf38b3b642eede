"""Payments as plain functions: the payment a receipt or a notice of obligation starts, paying
it at the counter, what each payment-platform status does to it, refunds, cancellation, the
overdue notice, and the figures of a period. No I/O here; the rules themselves (amounts,
statuses, receipt numbers, what may be refunded) are in contracts/money.py."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from contracts import money
from contracts.errors import IllegalAction

MAX_ATTEMPTS = 3  # failed online attempts (pay links) per payment; then the counter only
Events = list[tuple[str, dict[str, Any]]]


def new_payment(
    _id: str, code: str, kind: str, office_id: str, amount: int, now: datetime, **more: Any
) -> dict[str, Any]:
    return {
        "_id": _id,
        "dossier_code": code,
        "kind": kind,
        "office_id": office_id,
        "amount_vnd": amount,
        "status": money.DUE,
        "method": None,
        "receipt_number": None,
        "paid_at": None,
        "collected_by": None,
        "pay_by": None,
        "reason": None,
        "online": None,  # the live attempt on the platform
        "attempts": 0,
        "wants_online": False,
        "refund": None,  # a refund on its way through the platform
        "refunds": [],
        "refunded_vnd": 0,
        "overdue_raised": False,
        "events": [],  # the platform's status events, as applied
        "created_at": now,
        "last_heard_at": now,
        "correlation_id": None,
        **more,
    }


def fee_payment(
    received: dict[str, Any], now: datetime, correlation_id: str | None = None
) -> dict[str, Any] | None:
    """The fee payment of a dossier just received (None: nothing to pay). Paid there and then
    at the counter or to the postal worker, or due online (the dossier waits for it)."""
    fee = received.get("fee")
    if not fee:
        return None
    code = received["code"]
    payment = new_payment(
        money.fee_payment_id(code),
        code,
        money.FEE,
        received["office_id"],
        fee["amount_vnd"],
        now,
        reason=received["procedure_name"],
        correlation_id=correlation_id,
    )
    if fee["method"] == money.ONLINE:
        payment["wants_online"] = True
    else:
        payment.update(
            status=money.PAID,
            method=fee["method"],
            receipt_number=fee["receipt_number"],
            paid_at=received["received_at"],
            collected_by=fee["collected_by"],
        )
    return payment


def obligation_payment(
    envelope: dict[str, Any], notice: dict[str, Any], receiving_office: str
) -> dict[str, Any]:
    """The payment a notice of financial obligation asks for: due, at the counter of the
    dossier or online, by the notice's deadline."""
    code = envelope["dossier_code"]
    return new_payment(
        money.obligation_payment_id(code, envelope["sequence"]),
        code,
        money.OBLIGATION,
        receiving_office,
        notice["amount_vnd"],
        envelope["occurred_at"],
        pay_by=notice["pay_by"],
        reason=notice["reason"],
        wants_online=True,
        correlation_id=envelope["correlation_id"],
    )


def payload(p: dict[str, Any]) -> dict[str, Any]:
    """A payment event's payload (contracts/events.py PaymentEventSchema): no personal data."""
    online = p.get("online") or {}
    return {
        "payment_id": p["_id"],
        "kind": p["kind"],
        "office_id": p["office_id"],
        "amount_vnd": p["amount_vnd"],
        "status": p["status"],
        "method": p["method"],
        "receipt_number": p["receipt_number"],
        "paid_at": p["paid_at"],
        "pay_by": p["pay_by"],
        "pay_url": online.get("pay_url") if p["status"] == money.DUE else None,
        "reason": p["reason"],
        "refunded_vnd": p["refunded_vnd"],
    }


def created_events(p: dict[str, Any]) -> Events:
    """What a new payment announces: what is due (the citizen is told how to pay), or, paid
    at receipt, its receipt."""
    return [("payment_received" if p["status"] == money.PAID else "payment_requested", payload(p))]


def _paid(
    p: dict[str, Any], method: str, at: datetime, by: str | None
) -> tuple[dict[str, Any], Events]:
    changes = {
        "status": money.PAID,
        "method": method,
        "paid_at": at,
        "collected_by": by,
        "receipt_number": money.receipt_number(p["_id"]),
    }
    return changes, [("payment_received", payload({**p, **changes}))]


def pay_at_counter(
    p: dict[str, Any], method: str, officer: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], Events]:
    """The citizen pays what is due at the counter (cash or transfer): a receipt is issued."""
    if method not in money.COUNTER_METHODS:
        raise ValueError(f"not a counter method: {method!r}")
    if p["status"] != money.DUE:
        raise IllegalAction(
            "not_due", f"payment {p['_id']} is {p['status']}, not due", {"status": p["status"]}
        )
    return _paid(p, method, now, officer["name"])


def needs_attempt(p: dict[str, Any], now: datetime) -> bool:
    """Whether a new pay link is to be asked of the platform: due, meant to be payable online,
    no live attempt, attempts left, and the notice's deadline not passed."""
    live = p.get("online") and p["online"]["status"] not in money.ATTEMPT_DEAD
    return (
        p["status"] == money.DUE
        and p["wants_online"]
        and not live
        and attempts_left(p)
        and not money.is_overdue(p, now)
    )


def attempts_left(p: dict[str, Any]) -> bool:
    """Whether another pay link may be asked for: fewer than MAX_ATTEMPTS so far, or the last
    one merely expired (a link lives a week at most; a notice due later gets a new one)."""
    expired = (p.get("online") or {}).get("status") == "expired"
    return p["attempts"] < MAX_ATTEMPTS or expired


def attempt_request(p: dict[str, Any], public_url: str, now: datetime) -> dict[str, Any]:
    """The platform's POST /payments body for the payment's next attempt."""
    seconds = money.FEE_ATTEMPT_SECONDS
    if p.get("pay_by"):
        # a link lives until the notice's deadline, but no longer than the platform allows (a
        # week): a deadline further off gets a new link when this one expires (needs_attempt)
        left = int((p["pay_by"] - now).total_seconds())
        seconds = min(money.FEE_ATTEMPT_SECONDS, max(60, left))
    label = money.KIND_LABELS_VI[p["kind"]]
    return {
        "reference": money.attempt_reference(p["_id"], p["attempts"] + 1),
        "amount": p["amount_vnd"],
        "description": f"{label} hồ sơ {p['dossier_code']}: {p['reason'] or ''}"[:200],
        "expires_in_seconds": seconds,
        "return_url": f"{public_url.rstrip('/')}/track?code={p['dossier_code']}",
    }


def attempt_started(p: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The changes once the platform answered a payment request (its pay link)."""
    n = int(answer["reference"].rsplit("-", 1)[1])
    if n <= p["attempts"]:
        return {}  # an earlier answer of the same attempt (a repeated request)
    online = {
        "reference": answer["reference"],
        "payment_ref": answer["payment_ref"],
        "pay_url": answer["pay_url"],
        "status": "pending",
        "expires_at": answer.get("expires_at"),
    }
    return {"online": online, "attempts": n}


def payment_id_of(reference: str) -> str:
    """Our payment id from a platform reference (`<payment id>-<attempt>`)."""
    return reference.rsplit("-", 1)[0]


def apply_platform(
    p: dict[str, Any], event: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], Events, dict[str, Any]]:
    """(changes, events to publish, the event as recorded) for one platform status event
    (a callback, or an event read by polling). Every event is recorded; a payment is paid once,
    whatever the number of callbacks; a refund is recorded against its payment."""
    record = {
        "event_id": event["event_id"],
        "payment_ref": event["payment_ref"],
        "reference": event["reference"],
        "status": event["status"],
        "at": event["occurred_at"],
        "amount": event.get("amount"),
        "refunded_amount": event.get("refunded_amount", 0),
        "channel": event.get("channel"),
    }
    changes: dict[str, Any] = {"last_heard_at": now}
    events: Events = []
    status, online = event["status"], p.get("online") or {}
    current = online.get("payment_ref") == event["payment_ref"]
    if status == money.ATTEMPT_PAID and p["status"] == money.DUE:
        paid, events = _paid(p, money.ONLINE, event["occurred_at"], event.get("channel"))
        changes.update(paid)
        if current:
            changes["online"] = {**online, "status": status}
    elif status in money.ATTEMPT_DEAD and current and online.get("status") == "pending":
        changes["online"] = {**online, "status": status}
    elif status in (money.ATTEMPT_REFUNDED, "partially_refunded") and p.get("refund"):
        done = min(int(event.get("refunded_amount") or 0), p["amount_vnd"])
        if done > p["refunded_vnd"]:
            changes.update(_refunded(p, done - p["refunded_vnd"], money.ONLINE, p["refund"], now))
            events = [("payment_refunded", payload({**p, **changes}))]
    return changes, events, record


def _refunded(
    p: dict[str, Any], amount: int, method: str, refund: dict[str, Any], at: datetime
) -> dict[str, Any]:
    money.check_refund(p, amount)
    total = p["refunded_vnd"] + amount
    entry = {"amount_vnd": amount, "at": at, "method": method, "reason": refund["reason"]}
    return {
        "refunded_vnd": total,
        "refunds": [*p["refunds"], entry],
        "refund": None if total >= p["amount_vnd"] else refund,
        "status": money.REFUNDED if total >= p["amount_vnd"] else p["status"],
    }


def refund_on_refusal(
    p: dict[str, Any], reason: str, now: datetime
) -> tuple[dict[str, Any], Events]:
    """A fee paid for a dossier that was refused is refunded in full: at once at the counter
    (cash back) when it was paid there or to the post; through the platform when paid online
    (the refund is recorded when the platform confirms it)."""
    if p["kind"] != money.FEE or p["status"] != money.PAID or p.get("refund"):
        return {}, []
    amount = money.refundable(p)
    refund = {"amount_vnd": amount, "reason": reason, "status": "to_request", "at": now}
    if p["method"] == money.ONLINE:
        return {"refund": refund}, []
    changes = _refunded(p, amount, money.CASH, refund, now)
    return changes, [("payment_refunded", payload({**p, **changes}))]


def refund_request(p: dict[str, Any]) -> dict[str, Any]:
    """The platform's refund body (contracts/payment_platform.py RefundRequestSchema)."""
    return {
        "refund_reference": money.refund_reference(p["_id"]),
        "amount": p["refund"]["amount_vnd"],
        "reason": p["refund"]["reason"][:200],
    }


def cancel(p: dict[str, Any]) -> tuple[dict[str, Any], Events]:
    """The dossier was withdrawn or stopped: what is still due will not be asked for."""
    if p["status"] != money.DUE:
        return {}, []
    changes = {"status": money.CANCELLED}
    return changes, [("payment_cancelled", payload({**p, **changes}))]


def overdue(p: dict[str, Any], now: datetime) -> tuple[dict[str, Any], Events]:
    """A notice unpaid past its deadline: raised to the office once."""
    if not money.is_overdue(p, now) or p["overdue_raised"]:
        return {}, []
    return {"overdue_raised": True}, [("payment_overdue", payload(p))]


def view(p: dict[str, Any]) -> dict[str, Any]:
    """A payment as the API shows it (contracts/api.py PaymentSchema)."""
    shown = payload(p)
    online = p.get("online") or {}
    shown.update(
        dossier_code=p["dossier_code"],
        refunds=p["refunds"],
        platform_ref=online.get("payment_ref"),  # the platform's payment, once asked for
    )
    return shown


def figures(payments: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """What the payments paid in a period add up to: collected by method and in total,
    refunded, and of the fees (the payable dossiers) the share paid online."""
    collected = {m: 0 for m in money.METHODS}
    refunded = fees = online = 0
    for p in payments:
        collected[p["method"]] += p["amount_vnd"]
        refunded += p["refunded_vnd"]
        if p["kind"] == money.FEE:
            fees += 1
            online += p["method"] == money.ONLINE
    collected["total"] = sum(collected.values())
    share = round(online / fees, 4) if fees else None
    return {
        "collected_vnd": collected,
        "refunded_vnd": refunded,
        "fees": {"paid": fees, "online": online, "online_share": share},
    }


def reconcile(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our online payments against the platform's records of the same day, by platform
    reference: every mismatch named (not recorded here, unknown to the platform, amounts or
    refunds that differ)."""
    by_ref = {p["online"]["reference"]: p for p in ours if p.get("online")}
    mismatches = []
    for t in theirs:
        mine = by_ref.pop(t["reference"], None)
        if mine is None:
            if t["status"] in ("paid", "refunded", "partially_refunded"):
                mismatches.append(_mismatch("not_recorded_here", t["reference"], their=t))
            continue
        if t["amount"] != mine["amount_vnd"]:
            mismatches.append(_mismatch("amount_differs", t["reference"], mine, t))
        elif t.get("refunded_amount", 0) != mine["refunded_vnd"]:
            mismatches.append(_mismatch("refund_differs", t["reference"], mine, t))
    for ref, mine in sorted(by_ref.items()):
        mismatches.append(_mismatch("unknown_to_platform", ref, mine))
    return mismatches


def _mismatch(
    kind: str,
    reference: str,
    mine: dict[str, Any] | None = None,
    their: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "mismatch": kind,
        "reference": reference,
        "payment_id": mine["_id"] if mine else payment_id_of(reference),
        "ours": {"amount_vnd": mine["amount_vnd"], "refunded_vnd": mine["refunded_vnd"]}
        if mine
        else None,
        "platform": {
            "payment_ref": their["payment_ref"],
            "status": their["status"],
            "amount": their["amount"],
            "refunded_amount": their.get("refunded_amount", 0),
        }
        if their
        else None,
    }


def settled(p: dict[str, Any]) -> datetime | None:
    """When a payment stopped changing: refunded or cancelled (a paid one may still be refunded
    if its dossier is refused later)."""
    if p["status"] not in money.FINAL:
        return None
    at: datetime = p["last_heard_at"]
    return at
