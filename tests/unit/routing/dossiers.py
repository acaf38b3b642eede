"""Dossiers for routing's unit tests, built the way the services build them: intake's receipt
(build_receipt) loaded as routing loads the dossier_received payload, then new_dossier, then
decisions applied as the store applies them. No I/O."""

from datetime import datetime
from zoneinfo import ZoneInfo

from contracts.calendar import WorkingCalendar
from contracts.events import DossierReceivedSchema
from contracts.offices import load_offices
from contracts.procedures import load_procedures
from contracts.route import plan_route
from services.intake.domain import build_receipt
from services.routing import domain

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkingCalendar()
OFFICES = load_offices()
PROCEDURES = load_procedures()

# officers of Tiền Giang (2018 regime): commune X28720, district H824, province T82
RECEIVER_X = {"name": "Trần Thị Lan", "role": "receiver", "office_id": "X28720"}
HANDLER_X = {"name": "Võ Văn Hùng", "role": "handler", "office_id": "X28720"}
HANDLER_H = {"name": "Phạm Minh Đức", "role": "handler", "office_id": "H824"}
LEADER_H = {"name": "Nguyễn Thị Hoa", "role": "leader", "office_id": "H824"}
HANDLER_T = {"name": "Lê Quang Vinh", "role": "handler", "office_id": "T82"}
# Tuyên Quang (2025 regime): centre T08, commune X02269
RECEIVER_T08 = {"name": "Hoàng Thị Mai", "role": "receiver", "office_id": "T08"}
HANDLER_X02269 = {"name": "Đặng Văn Long", "role": "handler", "office_id": "X02269"}

DOCUMENTS = {
    "XD-01": [
        {"id": "don_xin_phep_xd", "count": 1},
        {"id": "giay_to_dat", "count": 1},
        {"id": "ban_ve_thiet_ke", "count": 2},
    ],
    "NCC-01": [{"id": "ban_khai_ncc", "count": 1}, {"id": "giay_to_tham_gia_kc", "count": 1}],
    "HT-03": [{"id": "to_khai_ket_hon", "count": 1}, {"id": "xac_nhan_hon_nhan", "count": 1}],
    "DD-04": [{"id": "don_cap_doi", "count": 1}, {"id": "gcn_qsdd", "count": 1}],
}


def at(month: int, day: int, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    """An instant of 2026 in Vietnam."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=VN)


def received_payload(
    code: str,
    office_id: str,
    when: datetime,
    *,
    deciding: str | None = None,
    channel: str = "counter",
    return_method: str = "counter",
    receiver: dict | None = None,
    not_accepted_reason: str | None = None,
    postal_handover: dict | None = None,
    number: int = 1,
    fee_method: str | None = None,
) -> dict:
    """The dossier_received payload of a dossier handed in at `office_id`, as routing loads it."""
    procedure = PROCEDURES.get(code)
    office = OFFICES.get(office_id)
    steps = plan_route(procedure, office_id, OFFICES, deciding)
    request = {
        "procedure_code": code,
        "channel": channel,
        "applicant": {"name": "Nguyễn Văn An", "phone": "0912345678"},
        "documents": DOCUMENTS.get(code, []),
        "return_method": return_method,
        "postal_address": (
            {"line": "12 Nguyễn Huệ", "commune_id": office_id} if return_method == "post" else None
        ),
        "postal_handover": postal_handover,
        "not_accepted_reason": not_accepted_reason,
        "deciding_office_id": deciding,
        "fee_method": fee_method,
    }
    receiver = receiver or {"name": "Trần Thị Lan", "role": "receiver", "office_id": office_id}
    _, envelope = build_receipt(request, procedure, office, steps, number, when, CAL, receiver)
    return DossierReceivedSchema().load(envelope["payload"])


def new(code: str, office_id: str, when: datetime, **kwargs) -> dict:
    """Routing's dossier just created from its receipt (before on_received)."""
    return domain.new_dossier(received_payload(code, office_id, when, **kwargs))


def apply(d: dict, decision: domain.Decision) -> dict:
    """The dossier after a decision, as the store applies it (fields set, rows and history
    appended)."""
    out = {**d, **decision.changes}
    out["history"] = list(out.get("history", [])) + decision.history
    out["handovers"] = list(out.get("handovers", [])) + decision.handovers
    return out


def transfer(decision: domain.Decision, index: int = -1) -> dict:
    """The liaison transfer message a decision sent, as on_arrived reads it."""
    to_office, direction, step_index, handover = decision.transfers[index]
    return {
        "to_office_id": to_office,
        "direction": direction,
        "step_index": step_index,
        "handover": handover,
    }


def receive(code: str, office_id: str, when: datetime, **kwargs) -> dict:
    """Received and routed (on_received at the instant of receipt)."""
    d = new(code, office_id, when, **kwargs)
    return apply(d, domain.on_received(d, when, CAL))


def act(d: dict, action: str, officer: dict, now: datetime, **params) -> dict:
    return apply(d, domain.act(d, action, params, officer, now, CAL))


def arrive(d: dict, now: datetime) -> dict:
    """The transfer the dossier is on reaches its office."""
    row = d["handovers"][-1]
    message = {
        "to_office_id": d["office_id"],
        "direction": d["direction"],
        "step_index": d["step_index"],
        "handover": row,
    }
    return apply(d, domain.on_arrived(d, message, now))


def three_level_walk() -> dict:
    """The worked example of services/routing/stats.py and docs/domain.md: NCC-01 received at
    commune X28720 on Monday 16 Nov 2026 09:00 (steps due Mon 23 Nov, Tue 1 Dec, Thu 17 Dec,
    all 17:00); the commune hands on early (Fri 20 Nov), the district too (Mon 30 Nov), the
    province resolves a day late (Fri 18 Dec), the result comes back down and is handed over at
    X28720 (Mon 21 Dec)."""
    d = receive("NCC-01", "X28720", at(11, 16))
    d = act(d, "accept", HANDLER_X, at(11, 16, 9, 30))
    d = act(d, "resolve", HANDLER_X, at(11, 20, 10))
    d = arrive(d, at(11, 20, 10, 5))
    d = act(d, "accept", HANDLER_H, at(11, 20, 14))
    d = act(d, "resolve", HANDLER_H, at(11, 30, 10))
    d = arrive(d, at(11, 30, 10, 5))
    d = act(d, "accept", HANDLER_T, at(11, 30, 15))
    d = act(d, "resolve", HANDLER_T, at(12, 18, 10))
    d = arrive(d, at(12, 18, 10, 5))  # the result at H824, passed on by the system
    d = arrive(d, at(12, 18, 10, 10))  # at X28720's counter
    return act(d, "hand_over", RECEIVER_X, at(12, 21, 9))
