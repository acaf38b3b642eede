"""Online public services end to end (issue 20): a citizen proves their phone by an SMS code read
off Kannel's SMS centre, uploads real files, files a dossier online; the counter checks it
(accepts, asks for a supplement the citizen uploads on the tracking page, refuses); a second
dossier of the same citizen re-uses a digitised part; the deciding office issues the result as a
file the citizen downloads. Hostile files and other offices are refused, and store nothing."""

import os
from urllib.parse import quote

import pytest
import requests
from pymongo import MongoClient

from services.notification.fakesmsc import read_received
from tests import sample_files as files
from tests.e2e.conftest import (
    BASE,
    FAKESMSC_LOG,
    client_headers,
    eventually,
    fresh_client,
    fresh_phone,
    msisdn_of,
    verify_phone,
)

pytestmark = pytest.mark.e2e
OFFICE, PROCEDURE = "X28720", "HT-01"  # birth registration at a commune: no fee
PARTS = ("to_khai_khai_sinh", "giay_chung_sinh")


class Citizen:
    """A citizen at their own client address, with a phone proved by SMS."""

    def __init__(self, id_number: str | None = None):
        self.phone, self.client = fresh_phone(), fresh_client()
        self.headers = client_headers(self.client)
        self.verification_id = verify_phone(self.phone, "online_submission", self.client)
        self.id_number = id_number

    def upload(self, data: bytes, name: str, expect: int = 201) -> dict:
        r = requests.post(
            f"{BASE}/api/online/files",
            params={"verification_id": self.verification_id},
            data=data,
            headers={**self.headers, "X-Filename": quote(name)},
            timeout=30,
        )
        assert r.status_code == expect, r.text
        return r.json()

    def submit(self, expect: int = 201, procedure=PROCEDURE, parts=PARTS, **extra) -> dict:
        documents = [
            {"id": part, "file_id": self.upload(files.pdf(part), f"{part}.pdf")["file_id"]}
            for part in parts
        ]
        applicant = {"name": "Nguyễn Thị Bình", "address": "Ấp Lăng, Vàm Láng"}
        if self.id_number:
            applicant["id_number"] = self.id_number
        body = {
            "verification_id": self.verification_id,
            "procedure_code": procedure,
            "office_id": OFFICE,
            "applicant": applicant,
            "documents": documents,
            **extra,
        }
        r = requests.post(
            f"{BASE}/api/online/dossiers", json=body, headers=self.headers, timeout=30
        )
        assert r.status_code == expect, r.text
        return r.json()

    def track(self, path: str, **params) -> requests.Response:
        params = {"verification_id": self.verification_id, **params}
        url = f"{BASE}/api/track/{path}"
        return requests.get(url, params=params, headers=self.headers, timeout=30)

    def sms(self, containing: str, timeout: float = 30.0) -> str:
        return eventually(
            lambda: next(
                (
                    s.text
                    for s in read_received(FAKESMSC_LOG)
                    if s.to == msisdn_of(self.phone) and containing in s.text
                ),
                None,
            ),
            timeout,
            f"an SMS with {containing!r} to {self.phone}",
        )


def stored_files() -> int:
    prefix = os.environ.get("LT_MONGO_DATABASE_PREFIX", "lienthong_")
    with MongoClient(os.environ.get("LT_MONGO_URI", "mongodb://127.0.0.1:27017/")) as client:
        return client[f"{prefix}documents"]["fs.files"].count_documents({})


def upload_as(officer, path: str, data: bytes, name: str) -> requests.Response:
    headers = {**officer.headers, "X-Filename": quote(name)}
    return requests.post(f"{BASE}{path}", data=data, headers=headers, timeout=30)


@pytest.fixture
def receiver(officers):
    return officers(OFFICE, "receiver")


def test_online_dossier_checked_and_accepted_at_the_counter(receiver):
    citizen = Citizen()
    filed = citizen.submit()
    code = filed["code"]
    assert filed["status"] == "submitted_online" and filed["national_status"] == 1
    text = citizen.sms("trực tuyến")
    assert code in text and f"/track?code={code}" in text
    row = receiver.wait_in_worklist(code)
    assert row["state"] == "submitted_online"
    dossier = receiver.dossier(code)
    assert dossier["channel"] == "online" and dossier["national_status"] == 1
    assert set(dossier["actions"]) >= {"accept_online", "request_online_supplement"}
    # the receiver opens each document: the very bytes the citizen uploaded
    parts = receiver.get(f"/api/dossiers/{code}/documents").json()["parts"]
    assert [p["status"] for p in parts] == ["digitised", "digitised"]
    first = parts[0]["files"][0]["file"]
    got = receiver.get(f"/api/dossiers/{code}/files/{first['file_id']}")
    assert got.status_code == 200 and got.content == files.pdf(PARTS[0])
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["X-Content-Type-Options"] == "nosniff"

    accepted = receiver.act(code, "accept_online")
    assert accepted["state"] in ("received", "awaiting_acceptance")
    history = receiver.dossier(code)["history"]
    entry = next(h for h in history if h["type"] == "online_dossier_accepted")
    assert entry["national_status"] == 2 and entry["by"] == receiver.name
    assert entry["appointment_at"] > entry["at"]  # the clock started at acceptance
    assert code in citizen.sms("Hẹn trả")


def test_supplement_asked_before_acceptance_uploaded_on_the_tracking_page(receiver):
    citizen = Citizen()
    code = citizen.submit()["code"]
    receiver.wait_in_worklist(code)
    receiver.act(
        code,
        "request_online_supplement",
        missing_documents=["Giấy chứng sinh"],
        reason="Ảnh giấy chứng sinh bị mờ",
    )
    assert code in citizen.sms("bổ sung")
    seen = citizen.track(f"{code}/documents").json()
    assert seen["may_upload"] and seen["missing_documents"] == ["Giấy chứng sinh"]
    assert receiver.dossier(code)["national_status"] == 5
    r = requests.post(
        f"{BASE}/api/track/{code}/documents/giay_chung_sinh",
        params={"verification_id": citizen.verification_id},
        data=files.png(40, 30),
        headers={**citizen.headers, "X-Filename": quote("giấy chứng sinh rõ.png")},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    receiver.wait_state(code, "submitted_online")  # to check again
    parts = receiver.get(f"/api/dossiers/{code}/documents").json()["parts"]
    assert [f["file"]["content_type"] for f in parts[1]["files"]] == [
        "application/pdf",
        "image/png",
    ]
    receiver.act(code, "accept_online")
    assert receiver.dossier(code)["supplement_requests"] == 0  # before acceptance: not counted


def test_refused_at_the_check_with_form_03_and_an_sms(receiver):
    citizen = Citizen()
    code = citizen.submit()["code"]
    receiver.wait_in_worklist(code)
    receiver.act(code, "refuse_online", reason="Hồ sơ không thuộc thẩm quyền")
    dossier = receiver.dossier(code)
    assert dossier["state"] == "not_accepted" and dossier["national_status"] == 3
    assert "thẩm quyền" in citizen.sms("không được tiếp nhận")
    receiver.act(code, "accept_online", expect=409)


def test_a_fee_due_online_is_cancelled_when_the_check_refuses_the_dossier(receiver):
    citizen = Citizen()
    code = citizen.submit(procedure="HT-04", parts=("to_khai_nhan_cha_me_con", "chung_cu_quan_he"))[
        "code"
    ]
    due = eventually(
        lambda: [p for p in receiver.dossier(code)["payments"] if p["status"] == "due"],
        30,
        f"{code}'s fee due online",
    )
    assert due[0]["amount_vnd"] == 15000 and due[0]["method"] in (None, "online")
    receiver.act(code, "refuse_online", reason="Thiếu chữ ký trên tờ khai")
    eventually(
        lambda: [p["status"] for p in receiver.dossier(code)["payments"]] == ["cancelled"],
        30,
        f"{code}'s fee cancelled",
    )


def test_a_digitised_part_re_used_then_the_result_downloaded(officers, receiver):
    citizen = Citizen(id_number="0791" + citizen_suffix())
    first = citizen.submit()["code"]
    receiver.wait_in_worklist(first)
    receiver.act(first, "accept_online")
    # the same citizen at the counter: the receiver is offered what the state holds of them
    body = {
        "procedure_code": PROCEDURE,
        "applicant": {
            "name": "Nguyễn Thị Bình",
            "phone": citizen.phone,
            "id_number": citizen.id_number,
        },
        "documents": [{"id": part} for part in PARTS],
    }
    r = receiver.post("/api/dossiers", body)
    assert r.status_code == 201, r.text
    second = r.json()["code"]
    offers = eventually(
        lambda: receiver.get(f"/api/dossiers/{second}/reuse-offers").json()["offers"],
        20,
        "re-use offers",
    )
    assert {(o["code"], o["document_id"]) for o in offers} >= {(first, "giay_chung_sinh")}
    reused = receiver.post(
        f"/api/dossiers/{second}/documents/giay_chung_sinh/reuse",
        {"source_code": first, "source_document_id": "giay_chung_sinh"},
    )
    assert reused.status_code == 201, reused.text
    part = next(p for p in reused.json()["parts"] if p["document_id"] == "giay_chung_sinh")
    assert part["status"] == "reused_from_part"
    assert part["files"][-1]["source"] == {"code": first, "document_id": "giay_chung_sinh"}
    # another applicant's dossier cannot take it
    other = receiver.receive(PROCEDURE, applicant={"name": "Lê Văn C", "phone": "0912345678"})
    refused = receiver.post(
        f"/api/dossiers/{other['code']}/documents/giay_chung_sinh/reuse",
        {"source_code": first, "source_document_id": "giay_chung_sinh"},
    )
    assert refused.status_code in (404, 409), refused.text

    # the commune decides the first dossier and issues its result as a file
    handler = officers(OFFICE, "handler")
    handler.wait_state(first, "awaiting_acceptance")
    handler.act(first, "accept")
    handler.act(first, "resolve")
    result = upload_as(
        handler, f"/api/dossiers/{first}/result", files.pdf("Trich luc"), "trích lục.pdf"
    )
    assert result.status_code == 201, result.text
    assert (
        upload_as(handler, f"/api/dossiers/{first}/result", files.pdf(), "x.pdf").status_code == 409
    )
    assert first in citizen.sms("bản điện tử")
    seen = citizen.track(f"{first}/documents").json()
    got = citizen.track(f"{first}/files/{seen['result']['file_id']}")
    assert got.status_code == 200 and got.content == files.pdf("Trich luc")
    assert got.headers["Content-Type"] == "application/pdf"
    # the citizen's proof opens only their own dossier
    assert citizen.track(f"{other['code']}/documents").status_code == 404


def offers_of(officer, code: str) -> list[dict] | None:
    """The re-use offers once routing knows the dossier just received (404 until then)."""
    r = officer.get(f"/api/dossiers/{code}/reuse-offers")
    return r.json()["offers"] if r.status_code == 200 else None


def citizen_suffix() -> str:
    return fresh_phone()[-8:]


def test_hostile_files_are_refused_and_nothing_is_stored():
    citizen = Citizen()
    before = stored_files()
    assert citizen.upload(files.program(), "don.pdf", 415)["error"]["code"] == (
        "unsupported_file_type"
    )
    assert citizen.upload(files.pdf_with_javascript(), "to-khai.pdf", 422)["error"]["code"] == (
        "pdf_active_content"
    )
    assert citizen.upload(files.png_bomb(), "anh.png", 422)["error"]["code"] == "image_too_large"
    oversize = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    r = requests.post(
        f"{BASE}/api/online/files",
        params={"verification_id": citizen.verification_id},
        data=oversize,
        headers=citizen.headers,
        timeout=60,
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
    assert stored_files() == before
    # no phone proved, no upload
    r = requests.post(f"{BASE}/api/online/files", data=files.pdf(), timeout=30)
    assert r.status_code == 401
    # a file uploaded under another verification cannot be filed
    other = Citizen()
    stolen = other.upload(files.pdf(), "x.pdf")["file_id"]
    body = {
        "verification_id": citizen.verification_id,
        "procedure_code": PROCEDURE,
        "office_id": OFFICE,
        "applicant": {"name": "Nguyễn Thị Bình"},
        "documents": [{"id": part, "file_id": stolen} for part in PARTS],
    }
    r = requests.post(f"{BASE}/api/online/dossiers", json=body, headers=citizen.headers, timeout=30)
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_file"


def test_another_office_sees_no_file(officers, receiver):
    citizen = Citizen()
    code = citizen.submit()["code"]
    receiver.wait_in_worklist(code)
    file_id = receiver.get(f"/api/dossiers/{code}/documents").json()["parts"][0]["files"][0][
        "file"
    ]["file_id"]
    stranger = officers("X28702", "receiver")
    assert stranger.get(f"/api/dossiers/{code}/documents").status_code == 403
    assert stranger.get(f"/api/dossiers/{code}/files/{file_id}").status_code == 403
    assert (
        upload_as(
            stranger, f"/api/dossiers/{code}/documents/giay_chung_sinh", files.pdf(), "x.pdf"
        ).status_code
        == 403
    )
    # a guessed id, or a file of another dossier through this one, is not found
    other = Citizen().submit()["code"]
    receiver.wait_in_worklist(other)
    assert receiver.get(f"/api/dossiers/{other}/files/{file_id}").status_code == 404
    assert receiver.get(f"/api/dossiers/{code}/files/{'A' * 43}").status_code == 404
    # the citizen needs their proved phone: another's proof is the same 404 as a wrong code
    assert Citizen().track(f"{code}/files/{file_id}").status_code == 404
    r = requests.get(f"{BASE}/api/track/{code}/files/{file_id}", timeout=30)
    assert r.status_code == 401
