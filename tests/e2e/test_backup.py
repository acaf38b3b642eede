"""`make backup`, then `make restore` on the local stack, brings back a dossier that was lost,
its fee paid at the counter (the payment service's database is backed up too) and a part
scanned in at the counter (the file itself, from the documents service's GridFS)."""

import os
import subprocess

import pytest
import requests
from pymongo import MongoClient

from services.common.repository import view_id, views_of
from tests import sample_files as files
from tests.e2e.conftest import BASE, eventually, stack

pytestmark = pytest.mark.e2e

PREFIX = os.environ.get("LT_MONGO_DATABASE_PREFIX", "lienthong_")


def make(*args: str) -> str:
    out = subprocess.run(["make", "-s", *args], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def claims(journal, aggregate: str) -> list[dict]:
    """An aggregate's journal entries (its versions; not the outbox entries kept beside them)."""
    found = journal.find({"aggregate": aggregate, "version": {"$exists": True}}, sort=[("_id", 1)])
    return list(found)


def test_backup_then_restore_round_trips_a_dossier(officers, tmp_path):
    receiver = officers("X28720", "receiver")
    code = receiver.receive("HT-04", fee_method="cash")["code"]  # a fee of 15.000 ₫
    before = receiver.wait_state(code, "awaiting_acceptance")
    paid = eventually(
        lambda: [p for p in receiver.dossier(code)["payments"] if p["status"] == "paid"],
        what=f"{code}'s fee paid",
    )
    mongo = MongoClient(os.environ["LT_MONGO_URI"], serverSelectionTimeoutMS=5000)
    routing, payment = mongo[f"{PREFIX}routing"], mongo[f"{PREFIX}payment"]
    journal = claims(routing.dossiers_journal, code)
    projection = routing.dossiers.find_one({"_id": code})
    assert journal and projection
    fee_id = paid[0]["payment_id"]
    fee_journal = claims(payment.payments_journal, fee_id)
    fee = payment.payments.find_one({"_id": fee_id})
    assert fee_journal and fee["status"] == "paid"
    scan = files.png(24, 24)
    scanned = requests.post(
        f"{BASE}/api/dossiers/{code}/documents/to_khai_nhan_cha_me_con",
        data=scan,
        headers=receiver.headers,
        timeout=30,
    )
    assert scanned.status_code == 201, scanned.text
    file_id = scanned.json()["parts"][0]["files"][0]["file"]["file_id"]
    documents = mongo[f"{PREFIX}documents"]

    target = tmp_path / "backup"
    make("backup", f"DIR={target}")
    assert (target / "manifest.json").is_file()

    try:
        # the dossier is lost: its projection and its journal are gone
        stack("services-down")
        routing.dossiers.delete_one({"_id": code})
        routing.dossiers_journal.delete_many({"aggregate": code})
        assert routing.dossiers.find_one({"_id": code}) is None
        payment.payments.delete_one({"_id": fee_id})  # and its payment, view entry included
        payment.payments_journal.delete_many({"aggregate": fee_id})
        entries = f"^{view_id('payments_by_dossier', code)}\\|"
        payment[views_of("payments")].delete_many({"_id": {"$regex": entries}})
        documents["fs.chunks"].delete_many({"files_id": file_id})  # and the scanned file
        documents["fs.files"].delete_one({"_id": file_id})
        out = make("restore", f"DIR={target}")
        assert "restored" in out
        assert routing.dossiers.find_one({"_id": code}) == projection
        assert claims(routing.dossiers_journal, code) == journal
        assert payment.payments.find_one({"_id": fee_id}) == fee
        assert claims(payment.payments_journal, fee_id) == fee_journal
    finally:
        stack("services-up")
    after = eventually(lambda: receiver.dossier(code), what=f"{code} served again")
    assert (after["state"], after["history"]) == (before["state"], before["history"])
    assert after["payments"] == paid
    got = receiver.get(f"/api/dossiers/{code}/files/{file_id}")
    assert got.status_code == 200 and got.content == scan
