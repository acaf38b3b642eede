"""The whole journey over HTTP with every service running as a process (make stack-up)."""

import os

import pytest
import requests
from pymongo import MongoClient

from services.notification.fakesmsc import read_received
from tests.e2e.conftest import BASE, FAKESMSC_LOG, eventually, issue_token

pytestmark = pytest.mark.e2e
DOCS = [{"id": "don_xin_phep_xd"}, {"id": "giay_to_dat"}, {"id": "ban_ve_thiet_ke", "count": 2}]


def issue(office, role, name):
    return {"Authorization": f"Bearer {issue_token(office, role, name)}"}


@pytest.fixture(scope="module")
def receiver():
    return issue("X28720", "receiver", "Trần Thị Lan")


@pytest.fixture(scope="module")
def handler():
    return issue("H824", "handler", "Lê Văn Hùng")


def test_commune_to_district_and_back_with_sms(receiver, handler):
    phone = "0987654321"
    before = len(read_received(FAKESMSC_LOG))
    r = requests.post(
        f"{BASE}/api/dossiers",
        headers=receiver,
        timeout=30,
        json={
            "procedure_code": "XD-01",
            "applicant": {"name": "Nguyễn Văn An", "phone": phone},
            "documents": DOCS,
        },
    )
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    assert [s["office_id"] for s in r.json()["route"]] == ["X28720", "H824"]

    eventually(
        lambda: any(
            d["code"] == code
            for d in requests.get(
                f"{BASE}/api/offices/H824/worklist",
                headers=handler,
                params={"part": "incoming", "limit": 200},  # transferred, not yet received
                timeout=10,
            ).json()["dossiers"]
        )
    )
    for action in ("accept", "resolve"):
        r = requests.post(
            f"{BASE}/api/dossiers/{code}/actions",
            headers=handler,
            json={"action": action},
            timeout=30,
        )
        assert r.status_code == 200, r.text
    eventually(
        lambda: (
            requests.get(f"{BASE}/api/dossiers/{code}", headers=receiver, timeout=10).json()[
                "state"
            ]
            == "ready_at_counter"
        )
    )
    r = requests.post(
        f"{BASE}/api/dossiers/{code}/actions",
        headers=receiver,
        json={"action": "hand_over"},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["state"] == "returned"
    assert r.json()["national_status"] == 10

    def texts():
        mine = [s for s in read_received(FAKESMSC_LOG)[before:] if s.to == "84987654321"]
        return mine if len(mine) >= 2 else None

    received_sms, ready_sms = eventually(texts)[:2]
    assert received_sms.text.startswith(f"UBND Vàm Láng: Đã nhận hồ sơ {code}. Hẹn trả ")
    assert ready_sms.text.startswith(f"UBND Vàm Láng: Hồ sơ {code} đã có kết quả. Mời nhận tại")
    dossier = requests.get(f"{BASE}/api/dossiers/{code}", headers=receiver, timeout=10).json()
    assert dossier["state"] == "returned"
    kinds = [e["type"] for e in dossier["timeline"]]
    assert (
        kinds.index("dossier_received")
        < kinds.index("result_returned")
        < kinds.index("result_handed_over")
    )
    assert eventually(
        lambda: (
            "sms_delivered"
            in [
                e["type"]
                for e in requests.get(
                    f"{BASE}/api/dossiers/{code}", headers=receiver, timeout=10
                ).json()["timeline"]
            ]
        )
    )


@pytest.mark.parametrize(
    "body, status, error",
    [
        (b"{not json", 400, "invalid_json"),
        (b"[]", 400, "invalid_json"),
        (b'{"applicant": {"name": "A", "phone": "0912345678"}}', 422, "invalid_input"),
        (
            b'{"procedure_code": 7, "applicant": {"name": "A", "phone": "0912345678"}}',
            422,
            "invalid_input",
        ),
        (
            b'{"procedure_code": "NOPE-1", "applicant": {"name": "A", "phone": "0912345678"}}',
            422,
            "unknown_procedure",
        ),
        (
            b'{"procedure_code": "XD-01", "applicant": {"name": "A", "phone": "0912345678"}}',
            422,
            "missing_documents",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(receiver, body, status, error):
    db = MongoClient(os.environ.get("LT_MONGO_URI", "mongodb://127.0.0.1:27017/"))
    before = db.lienthong_intake.receipts.count_documents({})
    r = requests.post(
        f"{BASE}/api/dossiers",
        headers={**receiver, "Content-Type": "application/json"},
        data=body,
        timeout=30,
    )
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == error
    assert db.lienthong_intake.receipts.count_documents({}) == before


def test_unknown_token_is_401_and_other_office_is_403(handler):
    r = requests.get(
        f"{BASE}/api/offices/X28720/worklist",
        timeout=10,
        headers={"Authorization": "Bearer " + "x" * 40},
    )
    assert r.status_code == 401
    r = requests.get(f"{BASE}/api/offices/X28720/worklist", headers=handler, timeout=10)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_your_office"
