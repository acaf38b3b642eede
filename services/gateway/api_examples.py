"""Examples shown in the OpenAPI document: one request and one answer per endpoint."""

from contracts.scorecard import scorecard

CODE = "X28720-261203-0007"

APPLICANT = {"name": "Nguyễn Văn An", "phone": "0912345678", "address": "Ấp 1, Vàm Láng"}

RECEIVE_REQUEST = {
    "procedure_code": "XD-01",
    "channel": "counter",
    "applicant": APPLICANT,
    "documents": [{"id": "don-de-nghi", "count": 1}, {"id": "ban-ve", "count": 2}],
    "return_method": "counter",
}

ROUTE = [
    {"level": "commune", "office_id": "X28720", "due_at": "2026-12-04T10:00:00+07:00"},
    {"level": "district", "office_id": "H824", "due_at": "2026-12-17T10:00:00+07:00"},
]

RECEIPT = {
    "code": CODE,
    "procedure_code": "XD-01",
    "procedure_name": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "office_id": "X28720",
    "channel": "counter",
    "applicant": {**APPLICANT, "id_number": None},
    "documents": [{"id": "don-de-nghi", "form": "original", "count": 1}],
    "return_method": "counter",
    "postal_address": None,
    "received_at": "2026-12-03T09:12:00+07:00",
    "appointment_at": "2026-12-17T10:00:00+07:00",
    "route": [{"index": 0, **ROUTE[0], "duration_amount": 1, "duration_unit": "days"}],
    "received_by": "Trần Thị Bình",
    "postal_handover": None,
    "status": "received",
    "not_accepted_reason": None,
    "fee_vnd": 75000,
}

RECEIVE_RESPONSE = {
    "code": CODE,
    "status": "received",
    "appointment_at": "2026-12-17T10:00:00+07:00",
    "route": ROUTE,
    "receipt_url": f"/api/dossiers/{CODE}",
    "receipt": RECEIPT,
}

SUMMARY = {
    "code": CODE,
    "procedure_code": "XD-01",
    "procedure_name": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "state": "in_process",
    "status_label": "Đang giải quyết",
    "national_status": 4,
    "national_channel": 1,
    "office_id": "H824",
    "at_office": True,
    "receiving_office_id": "X28720",
    "channel": "counter",
    "return_method": "counter",
    "received_at": "2026-12-03T09:12:00+07:00",
    "appointment_at": "2026-12-17T10:00:00+07:00",
    "legal_due_at": "2026-12-17T10:00:00+07:00",
    "current_due_at": "2026-12-17T10:00:00+07:00",
    "due_status": "on_time",
    "timing": None,
    "outcome": None,
    "returned_at": None,
    "finished_at": None,
    "supplement_requests": 0,
    "allowed_actions": {
        "receiver": ["withdraw"],
        "handler": ["request_supplement", "resolve", "refuse", "extend"],
        "leader": ["request_supplement", "resolve", "refuse", "extend", "stop"],
    },
}

DOSSIER = {
    **SUMMARY,
    "route": ROUTE,
    "step_index": 1,
    "history": [{"at": "2026-12-03T02:12:00+00:00", "type": "dossier_received"}],
    "control_sheet": [
        {
            "from_office_id": "X28720",
            "to_office_id": "H824",
            "at": "2026-12-03T02:12:00+00:00",
            "by": "Trần Thị Bình",
            "by_system": False,
            "received_by": "Lê Văn Cường",
            "received_at": "2026-12-03T03:40:00+00:00",
            "received_by_system": False,
            "step_due_at": "2026-12-03T04:30:00+00:00",
            "timing": "on_time",
        }
    ],
    "apologies": [],
    "actions": ["request_supplement", "resolve", "refuse", "extend"],
    "sms": [],
    "shipments": [],
    "timeline": [
        {"kind": "workflow", "at": "2026-12-03T02:12:00+00:00", "type": "dossier_received"},
        {
            "kind": "sms",
            "at": "2026-12-03T02:12:05+00:00",
            "type": "sms_delivered",
            "status": "delivered",
            "template_id": "dossier_received",
            "to": "091****678",
        },
    ],
}

ACTION_REQUEST = {"action": "resolve", "note": "Đủ điều kiện cấp phép"}

WORKLIST_NEXT = "20261203T020000000|X28720-261124-0042"
WORKLIST = {"office_id": "H824", "dossiers": [SUMMARY], "next": WORKLIST_NEXT}

STATS = {
    "office_id": "H824",
    "from": "2026-11-01T00:00:00+07:00",
    "to": "2026-12-01T00:00:00+07:00",
    "as_of": "2026-12-01T00:00:00+07:00",
    "received": {"counter": 12, "post": 1, "online": 0, "carried_over": 3, "total": 16},
    "not_accepted": 1,
    "transferred_in": 21,
    "steps": {
        "handed_on": {"early": 3, "on_time": 1, "late": 0, "total": 4},
        "decided": {"early": 9, "on_time": 5, "late": 1, "total": 15},
        "on_time_rate": 0.9474,
    },
    "resolved": {"early": 4, "on_time": 6, "late": 1, "total": 11},
    "refused": 1,
    "stopped": 0,
    "withdrawn": 1,
    "pending": {"within_deadline": 2, "past_deadline": 1},
    "suspended_for_supplement": 0,
    "returned": 9,
    "on_time_rate": 0.9091,
}

BOOK_NEXT = "20261203T031500000|X28720-261203-0008"
BOOK = {
    "office_id": "X28720",
    "from": "2026-12-01",
    "to": "2026-12-31",
    "entries": [
        {
            "code": CODE,
            "procedure_code": "XD-01",
            "procedure_name": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
            "applicant_name": APPLICANT["name"],
            "channel": "counter",
            "received_at": "2026-12-03T09:12:00+07:00",
            "appointment_at": "2026-12-17T10:00:00+07:00",
            "return_method": "counter",
            "status": "received",
            "state": "in_process",
            "status_label": "Đang giải quyết",
            "finished_at": None,
            "timing": None,
            "outcome": None,
            "returned_at": None,
        }
    ],
    "next": BOOK_NEXT,
}

ME = {
    "name": "Trần Thị Bình",
    "role": "receiver",
    "office_id": "X28720",
    "office_name": "Thị trấn Vàm Láng",
}

TRACK = {
    "code": CODE,
    "procedure_name": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "status": "Đang giải quyết",
    "state": "in_process",
    "national_status": 4,
    "received_at": "2026-12-03T09:12:00+07:00",
    "appointment_at": "2026-12-17T10:00:00+07:00",
    "returned_at": None,
    "return_method": "counter",
    "steps": [
        {
            "level": "commune",
            "office_name": "Thị trấn Vàm Láng",
            "due_at": "2026-12-04T10:00:00+07:00",
            "status": "done",
        },
        {
            "level": "district",
            "office_name": "Huyện Gò Công Đông",
            "due_at": "2026-12-17T10:00:00+07:00",
            "status": "current",
        },
    ],
}

PROCEDURES = {
    "procedures": [
        {
            "code": "HT-01",
            "name": "Đăng ký khai sinh",
            "documents": [{"id": "to-khai", "required": True}],
        }
    ]
}

OFFICES = {
    "offices": [
        {"id": "H824", "name": "Huyện Gò Công Đông", "level": "district", "parent_id": "T82"}
    ]
}

POSTAL_CALLBACK = {
    "tracking_number": "EL123456789VN",
    "reference": f"{CODE}:1",
    "status": "delivered",
    "at": "2026-12-18T03:00:00+00:00",
    "attempt": 1,
    "detail": "",
    "receiver_name": "Nguyễn Văn An",
    "event_id": "evt-0001",
    "by": "Bưu tá Lê Văn C",
}

ERROR = {"error": {"code": "not_your_office", "message": "this dossier is not at your office"}}

PAYMENT = {
    "payment_id": f"{CODE}-F",
    "dossier_code": CODE,
    "kind": "fee",
    "office_id": "X28720",
    "amount_vnd": 15000,
    "status": "paid",
    "method": "cash",
    "receipt_number": f"BL-{CODE}-F",
    "paid_at": "2026-12-03T02:05:00+00:00",
    "pay_by": None,
    "pay_url": None,
    "reason": "Đăng ký nhận cha, mẹ, con",
    "refunded_vnd": 0,
    "refunds": [],
    "platform_ref": None,
}
COUNTER_PAYMENT = {"method": "cash"}
PAYMENTS = {
    "office_id": "X28720",
    "from": "2026-12-01",
    "to": "2026-12-31",
    "payments": [PAYMENT],
    "collected_vnd": {"cash": 15000, "transfer": 0, "post": 0, "online": 0, "total": 15000},
    "refunded_vnd": 0,
    "fees": {"paid": 1, "online": 0, "online_share": 0.0},
}
PAYMENT_CALLBACK = {
    "event_id": "evt-5c1d2e3f",
    "payment_ref": "PAY000000000123",
    "reference": f"{CODE}-N12-1",
    "status": "paid",
    "amount": 1500000,
    "refunded_amount": 0,
    "channel": "e_wallet",
    "occurred_at": "2026-12-03T02:05:00+00:00",
    "refund_ref": None,
}


def _scorecard_row(office_id, name, level, parent_id, stats, payments):
    described = {"office_id": office_id, "name": name, "level": level, "parent_id": parent_id}
    return scorecard(described, stats, payments)


_NONE = {"early": 0, "on_time": 0, "late": 0, "total": 0}
SCORECARD = {
    "office_id": "T82",
    "from": "2026-10-01",
    "to": "2026-12-31",
    "offices": [
        _scorecard_row(
            "T82",
            "Tỉnh Tiền Giang",
            "province",
            None,
            {
                "resolved": {"early": 12, "on_time": 30, "late": 3, "total": 45},
                "steps": {"handed_on": _NONE, "decided": _NONE, "on_time_rate": None},
                "received": {"counter": 20, "online": 25, "post": 5},
            },
            {"fees": {"paid": 0, "online": 0, "online_share": None}},
        ),
        _scorecard_row(
            "H824",
            "Huyện Gò Công Đông",
            "district",
            "T82",
            STATS,
            {"fees": {"paid": 8, "online": 3, "online_share": 0.375}},
        ),
    ],
}
SCORECARD_CSV = (
    "\ufeffMã cơ quan,Tên cơ quan,Cấp,Từ ngày,Đến ngày,…\r\n"
    "T82,Tỉnh Tiền Giang,Cấp tỉnh,2026-10-01,2026-12-31,chưa có dữ liệu,chưa có dữ liệu,…\r\n"
)

VERIFICATION_ID = "q3N0dXJhbC1leGFtcGxlLWlk"
VERIFICATION_REQUEST = {"phone": "0912345678", "purpose": "online_submission"}
VERIFICATION = {
    "verification_id": VERIFICATION_ID,
    "to": "84******678",
    "expires_at": "2026-12-07T02:10:00+00:00",
}
VERIFICATION_CODE = {"code": "482913"}
VERIFIED = {"verified": True, "tries_left": 4}

DLR_TOKEN = "5f0c7a9be1d24c3f8a6b0e9d2c7f4a1b"
