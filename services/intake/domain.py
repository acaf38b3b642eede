"""What happens at the counter when a dossier is received: checks, route plan, receipt."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from marshmallow import ValidationError

from contracts.api import ReceiveRequestSchema
from contracts.calendar import WorkingCalendar
from contracts.codes import format_code
from contracts.envelope import make_envelope
from contracts.errors import Forbidden, InvalidInput
from contracts.events import DossierReceivedSchema
from contracts.lifecycle import RECEIVE, RECEIVER, national_channel, national_status, roles_of
from contracts.money import ONLINE, POST, fee_payment_id, receipt_number
from contracts.offices import Office, OfficeCatalog, UnknownOffice
from contracts.procedures import Procedure, ProcedureCatalog, UnknownProcedure, missing_documents
from contracts.route import PlannedStep, RouteError, plan_route, schedule

# built once per process: building a schema costs more than a load or dump with it
_RECEIVE_REQUEST, _RECEIVED = ReceiveRequestSchema(), DossierReceivedSchema()


def check_request(
    body: dict[str, Any],
    officer: dict[str, Any],
    offices: OfficeCatalog,
    procedures: ProcedureCatalog,
) -> tuple[dict[str, Any], Procedure, Office, tuple[PlannedStep, ...]]:
    """Validate a receive request; return (request, procedure, office, planned steps)."""
    if officer["role"] not in roles_of(RECEIVE):
        raise Forbidden("role_cannot_receive", f"role {officer['role']} cannot receive dossiers")
    try:
        request = _RECEIVE_REQUEST.load(body)
    except ValidationError as exc:
        raise InvalidInput(
            "invalid_input", "the dossier is not valid", {"fields": exc.messages}
        ) from None
    try:
        procedure = procedures.get(request["procedure_code"])
    except UnknownProcedure:
        raise InvalidInput(
            "unknown_procedure", f"no procedure {request['procedure_code']!r}"
        ) from None
    try:
        office = offices.get(officer["office_id"])
    except UnknownOffice:
        raise InvalidInput("unknown_office", f"no office {officer['office_id']!r}") from None
    try:
        steps = plan_route(procedure, office.id, offices, request["deciding_office_id"])
    except RouteError as exc:
        raise InvalidInput(exc.code, str(exc), {"may_receive_at": exc.offices}) from None
    if request["channel"] == "post" and not request["postal_handover"]:
        raise InvalidInput(
            "postal_handover_required",
            "a dossier that came by post needs its hand-over record: postal_handover.postal_worker",
        )
    if request["channel"] != "post" and request["postal_handover"]:
        raise InvalidInput("postal_handover_unexpected", "postal_handover is for channel post")
    if request["not_accepted_reason"]:
        return request, procedure, office, steps  # refused at the counter: nothing more to check
    if request.get("fee_method") == POST and request["channel"] != "post":
        raise InvalidInput(
            "fee_method_not_allowed", "only a dossier that came by post is paid to the post"
        )
    provided: dict[str, int] = {}
    for document in request["documents"]:  # a document on two lines counts both
        provided[document["id"]] = provided.get(document["id"], 0) + document["count"]
    missing = missing_documents(procedure, provided)
    if missing:
        raise InvalidInput(
            "missing_documents",
            "required documents are missing",
            {
                "missing": [
                    {"id": d.id, "name": d.name, "form": d.form, "count": d.count} for d in missing
                ]
            },
        )
    if request["return_method"] == "post":
        if not procedure.postal_return:
            raise InvalidInput(
                "postal_return_not_allowed", "this procedure is returned at the counter only"
            )
        address = request["postal_address"]
        if not address:
            raise InvalidInput("postal_address_required", "return by post needs a postal address")
        try:
            if offices.get(address["commune_id"]).level != "commune":
                raise UnknownOffice(address["commune_id"])
        except UnknownOffice:
            raise InvalidInput(
                "unknown_commune", "the postal address names no known commune"
            ) from None
    return request, procedure, office, steps


ONLINE_DESK = "Cổng dịch vụ công"  # who received a dossier filed online: the portal, no officer


def online_request(submission: dict[str, Any], phone: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(receive request, receiving desk) of a dossier filed online (contracts/documents.py
    OnlineSubmissionSchema, already loaded): the counter it names receives it with the phone the
    citizen proved by SMS; each uploaded file counts as one copy of its document; a fee is paid
    online. The same checks as at the counter follow (check_request)."""
    counts: dict[str, int] = {}
    for document in submission["documents"]:
        counts[document["id"]] = counts.get(document["id"], 0) + 1
    body = {
        "procedure_code": submission["procedure_code"],
        "channel": "online",
        "applicant": {**submission["applicant"], "phone": phone},
        "documents": [{"id": i, "count": n} for i, n in counts.items()],
        "return_method": submission["return_method"],
        "postal_address": submission["postal_address"],
        "fee_method": ONLINE,
    }
    desk = {"office_id": submission["office_id"], "role": RECEIVER, "name": ONLINE_DESK}
    desk["online"] = True  # never on an officer's identity: only this function sets it
    return body, desk


def _postal_handover(
    handover: dict[str, Any] | None, officer: dict[str, Any], now: datetime
) -> dict[str, Any] | None:
    """The hand-over record of a dossier that came by post, signed by the receiving officer."""
    if not handover:
        return None
    return {**handover, "officer": officer["name"], "at": handover["at"] or now}


def fee_of(
    request: dict[str, Any], procedure: Procedure, code: str, collector: str
) -> dict[str, Any] | None:
    """The fee block of a receipt: None when there is nothing to pay (no fee, or refused at the
    counter). Paid there and then (cash, transfer, or to the postal worker) it has its receipt
    number; online it is awaited, and the dossier with it (contracts/money.py)."""
    if not procedure.fee_vnd or request["not_accepted_reason"]:
        return None
    method = request.get("fee_method") or (POST if request["channel"] == "post" else "cash")
    paid = method != ONLINE
    return {
        "amount_vnd": procedure.fee_vnd,
        "method": method,
        "receipt_number": receipt_number(fee_payment_id(code)) if paid else None,
        "collected_by": collector if paid else None,
    }


def build_receipt(
    request: dict[str, Any],
    procedure: Procedure,
    office: Office,
    steps: Sequence[PlannedStep],
    number: int,
    now: datetime,
    calendar: WorkingCalendar,
    officer: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stored dossier (form 01 data) and its dossier_received message."""
    local_now = now.astimezone(calendar.tz)
    code = format_code(office.id, local_now.date(), number)
    dues = schedule(steps, now, calendar)
    route = [
        {
            "index": s.index,
            "level": s.level,
            "office_id": s.office_id,
            "duration_amount": s.duration.amount,
            "duration_unit": s.duration.unit,
            "due_at": due,
        }
        for s, due in zip(steps, dues, strict=True)
    ]
    forms = {d.id: d for d in procedure.documents}
    documents = [
        {
            "id": d["id"],
            "form": forms[d["id"]].form if d["id"] in forms else "copy",
            "count": d["count"],
        }
        for d in request["documents"]
    ]
    handover = _postal_handover(request["postal_handover"], officer, now)
    fee = fee_of(
        request, procedure, code, handover["postal_worker"] if handover else officer["name"]
    )
    status = "received"
    if officer.get("online"):
        status = "submitted_online"  # to check at the counter; its fee may be paid meanwhile
    elif request["not_accepted_reason"]:
        status = "not_accepted"
    elif fee and fee["method"] == ONLINE:
        status = "awaiting_fee"
    payload = {
        "code": code,
        "procedure_code": procedure.code,
        "procedure_name": procedure.name,
        "office_id": office.id,
        "channel": request["channel"],
        "applicant": request["applicant"],
        "documents": documents,
        "return_method": request["return_method"],
        "postal_address": request["postal_address"],
        "received_at": now,
        "appointment_at": dues[-1],
        "route": route,
        "received_by": officer["name"],
        "postal_handover": handover,
        "status": status,
        "not_accepted_reason": request["not_accepted_reason"],
        "fee": fee,
    }
    payload["national_status"] = national_status(payload["status"])
    payload["national_channel"] = national_channel(request["channel"])
    dumped = _RECEIVED.dump(payload)
    envelope = make_envelope("dossier_received", code, 1, dumped, now)
    receipt = {"_id": code, **dumped, "fee_vnd": procedure.fee_vnd}
    return receipt, envelope
