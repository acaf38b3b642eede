"""Which SMS an event calls for, rendered for one recipient; the retry schedule; quiet hours."""

import hashlib
from datetime import datetime, time, timedelta
from typing import Any

from contracts import money
from contracts.calendar import WorkingCalendar
from contracts.feedback import is_feedback_code, load_satisfaction
from contracts.offices import OfficeCatalog, UnknownOffice
from services.common.repository import KEEP, Change, Keep
from services.notification.phones import InvalidNumber, normalise_msisdn
from services.notification.templates import RenderedSms, format_datetime, render

# Which events send a citizen an SMS, and with which template: the one place it is written. The
# service subscribes to exactly these (services/notification/service.py); events not listed
# send none. (source service, event) -> template id.
SMS_OF = {
    ("intake", "dossier_received"): "received",
    ("routing", "supplement_requested"): "supplement_requested",
    ("routing", "dossier_supplemented"): "supplemented",  # the clock resumes: the new date
    ("routing", "result_returned"): "result_ready",
    ("routing", "dossier_extended"): "late",  # the apology (form 04) with the new date
    ("postal", "shipment_requested"): "sent_by_post",  # it carries the tracking number
    ("routing", "result_delivered_by_post"): "delivered",
    ("routing", "result_returned_from_post"): "returned_from_post",
    ("payment", "payment_requested"): "payment_due",  # the amount, and how to pay
    ("routing", "fee_confirmed"): "received",  # a fee paid online: the dossier is accepted
    ("routing", "obligation_fulfilled"): "obligation_paid",  # the clock resumes: the new date
    ("routing", "online_dossier_accepted"): "received",  # checked and accepted: the appointment
    ("routing", "dossier_not_accepted"): "not_accepted_online",  # form 03 after the check
    ("documents", "result_issued_electronically"): "result_file",
    ("feedback", "evaluation_invited"): "evaluation_invite",  # a reply evaluates (inbound.py)
    ("feedback", "feedback_submitted"): "feedback_received",  # its code and due date
    ("feedback", "feedback_answered"): "feedback_answered",  # the office's answer
}
# a dossier filed online is told its code at once, before the counter checks it
SUBMITTED_ONLINE_TEMPLATE = "submitted_online"
TEMPLATE_OF = {event: template for (_, event), template in SMS_OF.items()}
# The SMS status machine, the one place it is written: each status and the statuses a message
# may enter it from. A delivery report may overtake the gateway's own answer, so "delivered"
# and the failures are taken from "sending" and "queued" too, and nothing leaves a final status.
STATUS_FROM = {
    "sending": ("queued",),  # claimed by one sender
    "queued": ("sending",),  # an attempt failed: retried after its delay
    "sent": ("sending", "sent"),  # the gateway took it (a "sent" report may repeat it)
    "delivered": ("sending", "sent", "queued"),
    "failed": ("sending", "sent", "queued"),
    "expired": ("sending", "sent", "queued"),
    "rejected": ("sending", "sent", "queued"),
}


def _reachable(status: str) -> frozenset[str]:
    """The statuses a message can come to from `status`, in one move or more."""
    found: set[str] = set()
    edge = {status}
    while edge:
        edge = {t for t, sources in STATUS_FROM.items() if edge & set(sources)} - found
        found |= edge
    return frozenset(found)


REACHABLE = {status: _reachable(status) for status in STATUS_FROM}
RETRY_DELAYS = (5, 15, 60, 300, 900)  # seconds after each failed attempt; then failed for good
SENDING_TIMEOUT = timedelta(minutes=10)  # a claim older than this lost its sender
QUIET_HOURS = (time(21, 0), time(7, 0))  # local time: SMS created then wait for the end


def quiet_hours(setting: object) -> tuple[time, time] | None:
    """SMS_QUIET_HOURS as (start, end): "21:00-07:00"; "off", empty or false turns them off.
    Raises ValueError for anything else, so a mistyped setting stops the service at start."""
    if setting in (None, False, "", "off"):
        return None
    start, sep, end = str(setting).partition("-")
    if not sep:
        raise ValueError(f"SMS_QUIET_HOURS must be HH:MM-HH:MM or off, not {setting!r}")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def recipient_from(received: dict[str, Any]) -> dict[str, Any]:
    """Notification's own copy of what it needs from dossier_received."""
    return {
        "_id": received["code"],
        "phone": received["applicant"]["phone"],
        "office_id": received["office_id"],
        "procedure_name": received["procedure_name"],
        "return_method": received["return_method"],
    }


def feedback_recipient(submitted: dict[str, Any], code: str) -> dict[str, Any]:
    """Notification's own copy of a feedback's phone (feedback_submitted), to send its answer."""
    return {
        "_id": code,
        "phone": submitted["phone"],
        "office_id": submitted["office_id"],
        "procedure_name": "",
        "return_method": None,
    }


def levels_text() -> str:
    """The levels a reply may give, as the invitation lists them: "1 Rất hài lòng, 2 …"."""
    return ", ".join(f"{lv.value} {lv.label}" for lv in load_satisfaction().levels)


def _office_name(offices: OfficeCatalog, office_id: str) -> str:
    try:
        return offices.get(office_id).name
    except UnknownOffice:
        return office_id


def office_short_name(offices: OfficeCatalog, office_id: str) -> str:
    """The office's name as an SMS signs it: "UBND Vàm Láng", not "UBND Thị trấn Vàm Láng"."""
    name = _office_name(offices, office_id)
    return name.removeprefix("Xã ").removeprefix("Thị trấn ").removeprefix("Phường ")


def template_choices(setting: str | None) -> dict[str, str]:
    """Operators' per-event template choice, "event=template,event=template" (e.g.
    "result_returned=result_ready_ascii" where the SMS provider takes text without diacritics)."""
    choices = dict(TEMPLATE_OF)
    for item in filter(None, (part.strip() for part in (setting or "").split(","))):
        event, _, template_id = item.partition("=")
        if event.strip() not in TEMPLATE_OF or not template_id.strip():
            raise ValueError(f"SMS_TEMPLATES: {item!r} is not <event>=<template id>")
        choices[event.strip()] = template_id.strip()
    return choices


def compose(
    event_type: str,
    code: str,
    payload: dict[str, Any],
    recipient: dict[str, Any],
    offices: OfficeCatalog,
    calendar: WorkingCalendar,
    public_url: str,
    choices: dict[str, str] = TEMPLATE_OF,
) -> RenderedSms | None:
    """The rendered SMS for this event, or None if the event sends none."""
    template_id = choices.get(event_type)
    if payload.get("status") == "submitted_online":
        template_id = SUBMITTED_ONLINE_TEMPLATE
    if template_id is None or payload.get("status") in ("not_accepted", "awaiting_fee"):
        return None  # refused at the counter, or its fee awaited (the payment SMS says so)
    if event_type == "online_dossier_accepted" and not payload.get("appointment_at"):
        return None  # accepted, its fee still to pay online: the payment SMS says so
    if event_type == "result_returned" and payload.get("return_method") == "post":
        return None  # not "collect it at the counter": the "sent by post" SMS follows
    page = "feedback" if is_feedback_code(code) else "track"
    context: dict[str, Any] = {
        "office_name": office_short_name(offices, recipient["office_id"]),
        "code": code,
        "track_url": f"{public_url}/{page}?code={code}",
        "levels": levels_text(),
        "collect_at": "Bộ phận Một cửa"
        if recipient.get("return_method") != "post" or event_type == "result_returned_from_post"
        else "địa chỉ đã đăng ký, qua bưu điện",
    }
    when = payload.get("appointment_at") or payload.get("due_at")
    if when:
        context["appointment"] = format_datetime(calendar.local(when))
    context["new_appointment"] = context.get("appointment", "")
    # a list: the template joins it, and render() may shorten it to fit (templates.fit)
    context["missing"] = list(payload.get("missing_documents") or [])
    context["reason"] = payload.get("reason") or payload.get("answer") or ""
    context["tracking_number"] = payload.get("tracking_number") or ""
    amount = payload.get("amount_vnd")
    context["amount"] = money.format_vnd(amount) if amount else ""
    context["what"] = money.KIND_LABELS_VI.get(payload.get("kind") or "", "").lower()
    pay_by = payload.get("pay_by")
    context["deadline"] = f" trước {format_datetime(calendar.local(pay_by))}" if pay_by else ""
    return render(template_id, context)


def new_message(
    envelope: dict[str, Any],
    msisdn: str | None,
    rejection: str | None,
    rendered: RenderedSms,
    now: datetime,
    send_at: datetime,
) -> dict[str, Any]:
    """The message log's record of one SMS of an event (its `type`, `message_id` and
    `dossier_code`, None when the SMS is about no dossier) to one number, as first stored."""
    status = "rejected" if rejection else "queued"
    return {
        "_id": message_id(envelope["message_id"], msisdn),
        "dossier_code": envelope["dossier_code"],
        "event_type": envelope["type"],
        "event_id": envelope["message_id"],
        "to": msisdn,
        "template_id": rendered.template_id,
        "template_version": rendered.version,
        "encoding": rendered.encoding,
        "text": rendered.text,
        "length": rendered.length,
        "parts": rendered.parts,
        "degraded": rendered.degraded,
        "status": status,
        "reason": rejection,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": send_at,
        "history": [{"at": now, "status": status, "detail": rejection or ""}],
    }


# SMS whose text is a secret (a one-time code): the log keeps it only until it is sent
SECRET_TEXT = frozenset({"verification_code"})


def sent_fields(message: dict[str, Any]) -> dict[str, Any]:
    """What the log forgets once the gateway took the message."""
    if message["event_type"] in SECRET_TEXT:
        return {"text": "(mã xác minh: không lưu sau khi gửi)"}
    return {}


def message_id(event_id: str, msisdn: str | None) -> str:
    """One SMS per (event, recipient): the event's id and a hash of the number, which must not
    appear in ids (they travel in URLs, logs and the dossier's API)."""
    if not msisdn:
        return f"{event_id}:rejected"
    return f"{event_id}:{hashlib.sha256(msisdn.encode()).hexdigest()[:16]}"


def number_of(recipient: dict[str, Any]) -> tuple[str | None, str | None]:
    """(msisdn, None) or (None, rejection reason)."""
    try:
        return normalise_msisdn(recipient["phone"]), None
    except InvalidNumber as exc:
        return None, f"{exc.reason}: {exc}"


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    if attempts > len(RETRY_DELAYS):
        return None
    return now + timedelta(seconds=RETRY_DELAYS[attempts - 1])


def after_failed_send(
    attempts: int, now: datetime, rate_limited: bool
) -> tuple[str, dict[str, Any]]:
    """The status and fields of a message the gateway did not take, after `attempts` attempts
    before this one: queued again after the backoff, or failed for good once the backoff is
    used up. A send our own rate limit held back was no attempt: it is queued again at once,
    its attempts unchanged, for notification's sender to take when the limit allows."""
    if rate_limited:
        return "queued", {"next_attempt_at": now}
    attempts += 1
    retry_at = next_attempt(attempts, now)
    if retry_at is None:
        return "failed", {"attempts": attempts}
    return "queued", {"attempts": attempts, "next_attempt_at": retry_at}


def outside_quiet_hours(
    instant: datetime, calendar: WorkingCalendar, quiet: tuple[time, time] | None = QUIET_HOURS
) -> datetime:
    """The instant itself, or the end of the quiet hours (local time) when it falls inside them.
    The hours may run past midnight (21:00-07:00) or not (12:00-13:30); None means none."""
    if quiet is None:
        return instant
    start, end = quiet
    local = calendar.local(instant)
    at = local.time()
    inside = (start <= at or at < end) if start > end else (start <= at < end)
    if not inside:
        return instant
    day = local.date() + timedelta(days=1) if start > end and at >= start else local.date()
    return datetime.combine(day, end, tzinfo=local.tzinfo)


def status_of_parts(receipts: dict[str, str], refs: list[str]) -> str:
    """A multipart SMS is delivered when every part is; the first part that failed, expired or
    was rejected decides for the whole; otherwise it is still "sent"."""
    for status in ("failed", "expired", "rejected"):
        if status in receipts.values():
            return status
    if refs and all(receipts.get(ref) == "delivered" for ref in refs):
        return "delivered"
    return "sent"


def moved(
    m: dict[str, Any],
    now: datetime,
    status: str,
    detail: str = "",
    fields: dict[str, Any] | None = None,
) -> Change | Keep | None:
    """The change that moves message `m` to `status`, with `fields` recorded; None when the
    status machine (STATUS_FROM) does not allow it from where `m` is, or when `m` has that
    status already and there is nothing more to record; KEEP when that holds too from every
    status `m` could come to later (a repeated or late report: no later version need be
    looked for). The history entry is never dated before the one ahead of it (a delivery
    report and the gateway's answer may race), so the history reads in the order it happened."""
    fields = fields or {}
    if not _moves(m["status"], status, fields):
        later = REACHABLE[m["status"]]
        return None if any(_moves(s, status, fields) for s in later) else KEEP
    at = max([now, *(h["at"] for h in m.get("history", [])[-1:])])
    history = [{"at": at, "status": status, "detail": detail}]
    return Change({"status": status, "updated_at": now, **fields}, {"history": history})


def _moves(source: str, status: str, fields: dict[str, Any]) -> bool:
    """Whether a message at `source` moves to `status` (with `fields` to record)."""
    return source in STATUS_FROM[status] and (source != status or bool(fields))


def settled(m: dict[str, Any]) -> datetime | None:
    """When a message stopped changing: its last history entry once its status is final (no
    status leads out of it)."""
    if any(m["status"] in sources for sources in STATUS_FROM.values()) or not m.get("history"):
        return None
    at: datetime = m["history"][-1]["at"]
    return at
