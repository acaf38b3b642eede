"""The citizen's view: steps, no personal data; the client behind a trusted proxy."""

from services.gateway.tracking import citizen_view, client_address, phone_matches

ROUTE = [
    {"level": "commune", "office_id": "X28720", "due_at": "2026-12-04T10:00:00+07:00"},
    {"level": "district", "office_id": "H824", "due_at": "2026-12-17T10:00:00+07:00"},
    {"level": "province", "office_id": "T82", "due_at": "2026-12-24T10:00:00+07:00"},
]
RECEIPT = {
    "code": "X28720-261203-0001",
    "procedure_name": "Cấp phép",
    "applicant": {"name": "Nguyễn Văn An", "phone": "+84 912-345-678"},
    "status": "received",
    "route": ROUTE,
    "received_at": "2026-12-03T09:00:00+07:00",
    "appointment_at": "2026-12-24T10:00:00+07:00",
    "return_method": "counter",
}


def dossier(state, step_index):
    return {
        "state": state,
        "step_index": step_index,
        "route": ROUTE,
        "appointment_at": "2026-12-25T10:00:00+07:00",
        "returned_at": None,
    }


def statuses(view):
    return [s["status"] for s in view["steps"]]


def test_steps_follow_the_dossier():
    name = {"X28720": "Vàm Láng", "H824": "Gò Công Đông", "T82": "Tiền Giang"}.get
    view = citizen_view(RECEIPT, dossier("in_process", 1), name)
    assert statuses(view) == ["done", "current", "pending"]
    assert view["status"] == "Đang giải quyết" and view["national_status"] == 4
    assert view["appointment_at"] == "2026-12-25T10:00:00+07:00"  # routing's, extended
    assert [s["office_name"] for s in view["steps"]] == ["Vàm Láng", "Gò Công Đông", "Tiền Giang"]
    assert statuses(citizen_view(RECEIPT, dossier("ready_at_counter", 2), name)) == ["done"] * 3
    early = citizen_view(RECEIPT, None, name)  # routing has not seen it yet
    assert early["state"] == "received" and statuses(early) == ["current", "pending", "pending"]
    assert "applicant" not in view and "Nguyễn" not in str(view) and "678" not in str(view)


def test_phone_digits():
    assert phone_matches(RECEIPT, "5678")
    assert not phone_matches(RECEIPT, "5679")


def test_client_behind_a_trusted_proxy():
    trusted = {"127.0.0.1", "10.0.0.2"}
    assert client_address("198.51.100.1", "1.2.3.4", trusted) == "198.51.100.1"  # not a proxy
    assert client_address("127.0.0.1", "1.2.3.4, 10.0.0.2", trusted) == "1.2.3.4"
    assert client_address("127.0.0.1", None, trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", "9.9.9.9, 1.2.3.4", trusted) == "1.2.3.4"  # spoofed left
