"""`make demo`: one whole journey over the HTTP API of a running stack, printed step by step.

A citizen asks Vàm Láng town's counter (commune) for a construction permit, decided by Gò Công
Đông district, and chooses to pay its fee online: the dossier waits at the counter until the
payment platform (its simulator) says the citizen paid on its page, and is accepted then. The
district accepts and resolves it; the result comes back to the counter, which sends it home by
post (the carrier simulator picks it up and delivers it). Then a birth registration is filed
online at the same counter (a phone proved by SMS, two files) and checked there. The SMS the
citizens got are read back from fakesmsc."""

import os
import subprocess
import sys
import time
from datetime import datetime

import requests

from services.notification.fakesmsc import read_received

# two small documents a citizen scanned at home (the checks read their type from these bytes)
SCANNED_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

BASE = os.environ.get("LT_PUBLIC_URL", "http://127.0.0.1:8000")
FAKESMSC_LOG = os.environ["LT_FAKESMSC_LOG"]
COMMUNE, DISTRICT = "X28720", "H824"
PHONE = os.environ.get("DEMO_PHONE", "0912345678")


def step(text: str) -> None:
    print(f"{datetime.now():%H:%M:%S}  {text}", flush=True)


def token(office: str, role: str, name: str) -> str:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.gateway.officers",
            "issue",
            "--office",
            office,
            "--role",
            role,
            "--name",
            name,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def call(method: str, path: str, tok: str, **kwargs) -> dict:
    r = requests.request(
        method, BASE + path, headers={"Authorization": f"Bearer {tok}"}, timeout=30, **kwargs
    )
    if r.status_code >= 400:
        raise SystemExit(f"{method} {path} -> {r.status_code}: {r.text}")
    return r.json()


def worklist(office: str, tok: str) -> set[str]:
    """The codes in an office's worklist, every page of it."""
    codes, page = set(), {"limit": 200}
    while True:
        found = call("GET", f"/api/offices/{office}/worklist", tok, params=page)
        codes |= {d["code"] for d in found["dossiers"]}
        if not found["next"]:
            return codes
        page["after"] = found["next"]


def wait_for(what: str, check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise SystemExit(f"timed out waiting for {what}")


def online_dossier(receiver: str) -> str:
    """A birth registration filed online at the same counter: the phone proved by an SMS code,
    two files uploaded, the code given at once (status 1); the counter checks and accepts it."""
    phone = f"098{int(time.time()) % 10**7:07d}"  # a fresh number: 3 codes a phone per 15 min
    since = len(read_received(FAKESMSC_LOG))
    asked = requests.post(
        f"{BASE}/api/verifications",
        json={"phone": phone, "purpose": "online_submission"},
        timeout=30,
    ).json()
    otp = wait_for(
        "the verification SMS",
        lambda: next(
            (
                m.text.split()[0]
                for m in read_received(FAKESMSC_LOG)[since:]
                if "ma xac minh" in m.text
            ),
            None,
        ),
    )
    proof = asked["verification_id"]
    requests.post(f"{BASE}/api/verifications/{proof}", json={"code": otp}, timeout=30)
    step(f"online: phone {asked['to']} proved by the SMS code")
    documents = []
    for part in ("to_khai_khai_sinh", "giay_chung_sinh"):
        stored = requests.post(
            f"{BASE}/api/online/files", params={"verification_id": proof}, data=SCANNED_PDF,
            headers={"X-Filename": f"{part}.pdf"}, timeout=30,
        ).json()  # fmt: skip
        documents.append({"id": part, "file_id": stored["file_id"]})
    body = {
        "verification_id": proof,
        "procedure_code": "HT-01",
        "office_id": COMMUNE,
        "applicant": {"name": "Phạm Thị Mai", "id_number": "082095004321"},
        "documents": documents,
    }
    filed = requests.post(f"{BASE}/api/online/dossiers", json=body, timeout=30).json()
    code = filed["code"]
    step(f"online: filed {code} with 2 files, {filed['status']} (national status 1)")
    wait_for("the counter's worklist", lambda: code in worklist(COMMUNE, receiver))
    parts = call("GET", f"/api/dossiers/{code}/documents", receiver)["parts"]
    step("online: the counter opens it: " + ", ".join(f"{p['name']} {p['status']}" for p in parts))
    done = call("POST", f"/api/dossiers/{code}/actions", receiver, json={"action": "accept_online"})
    step(f"online: checked and accepted, {done['state']}; appointment {done['appointment_at']}")
    return code


def main() -> int:
    receiver = token(COMMUNE, "receiver", "Trần Thị Lan (một cửa Vàm Láng)")
    handler = token(DISTRICT, "handler", "Lê Văn Hùng (phòng KT-HT Gò Công Đông)")
    already = len(read_received(FAKESMSC_LOG))

    receipt = call(
        "POST",
        "/api/dossiers",
        receiver,
        json={
            "procedure_code": "XD-01",
            "channel": "counter",
            "applicant": {"name": "Nguyễn Văn An", "phone": PHONE, "id_number": "082090001234"},
            "documents": [
                {"id": "don_xin_phep_xd"},
                {"id": "giay_to_dat"},
                {"id": "ban_ve_thiet_ke", "count": 2},
            ],
            "return_method": "post",
            "postal_address": {"line": "Ấp Giồng Cát, số 12", "commune_id": COMMUNE},
            "fee_method": "online",
        },
    )
    code = receipt["code"]
    step(f"registered at counter {COMMUNE}: {code} ({receipt['status']}), fee to pay online")
    payment = wait_for(
        "the pay link",
        lambda: next((p for p in call("GET", f"/api/dossiers/{code}", receiver)["payments"]
                      if p["pay_url"]), None),
    )  # fmt: skip
    step(f"fee {payment['amount_vnd']:,} VND due; the citizen pays at {payment['pay_url']}")
    paid = requests.post(payment["pay_url"], data={"action": "pay", "channel": "card"}, timeout=30)
    paid.raise_for_status()
    accepted = wait_for(
        "the dossier accepted once paid",
        lambda: (
            (d := call("GET", f"/api/dossiers/{code}", receiver))["state"] != "awaiting_fee" and d
        ),
    )
    (fee,) = accepted["payments"]
    step(f"paid online, receipt {fee['receipt_number']}; appointment {accepted['appointment_at']}")
    for s in accepted["route"]:
        step(f"    route: {s['level']:<9} {s['office_id']:<7} due {s['due_at']}")

    wait_for("the district worklist", lambda: code in worklist(DISTRICT, handler))
    step(f"in the district's worklist ({DISTRICT}) via the liaison.district queue")
    call("POST", f"/api/dossiers/{code}/actions", handler, json={"action": "accept"})
    step("district handler accepted it")
    call("POST", f"/api/dossiers/{code}/actions", handler, json={"action": "resolve"})
    step("district handler resolved it; the result goes back down to the commune counter")
    wait_for(
        "the result at the counter",
        lambda: call("GET", f"/api/dossiers/{code}", receiver)["state"] == "ready_at_counter",
    )
    step("result ready at the commune counter (result_returned)")
    call("POST", f"/api/dossiers/{code}/actions", receiver, json={"action": "return_result"})
    step("the counter sends it home by post (return_result)")
    final = wait_for(
        "delivery by post",
        lambda: (d := call("GET", f"/api/dossiers/{code}", receiver))["state"] == "returned" and d,
    )
    (shipment,) = final["shipments"]
    step(
        f"delivered by post: {shipment['tracking_number']} to {shipment['receiver_name']} "
        f"(picked up by {shipment['handover']['postal_worker']}); state {final['state']} "
        f"(national status {final['national_status']})"
    )
    wait_for("the delivered SMS", lambda: len(read_received(FAKESMSC_LOG)) >= already + 4)
    online_dossier(receiver)

    dossier = call("GET", f"/api/dossiers/{code}", receiver)
    print("\nTimeline:")
    for e in dossier["timeline"]:
        where = (
            e.get("office_id") or e.get("to") or e.get("tracking_number")
            or e.get("receipt_number") or ""
        )  # fmt: skip
        print(f"  {e['at']}  {e['kind']:<8} {e['type']:<26} {where}")
    print("\nSMS as fakesmsc received them:")
    for sms in read_received(FAKESMSC_LOG)[already:]:
        print(f"  from {sms.sender} to {sms.to} [{sms.coding}]: {sms.text}")
    return 0 if dossier["state"] == "returned" else 1


if __name__ == "__main__":
    sys.exit(main())
