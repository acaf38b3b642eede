"""services.ops.backup on the real MongoDB-wire server: what is backed up comes back the same,
with DROP or without, under the same prefix or another."""

import io
import json
import uuid
from datetime import UTC, datetime

import pytest
from pymongo import MongoClient

from services.ops import backup

pytestmark = pytest.mark.integration


@pytest.fixture
def client(servers):
    client = MongoClient(servers["mongo"], tz_aware=True, serverSelectionTimeoutMS=5000)
    prefixes = []
    yield client, prefixes
    for prefix in prefixes:
        for name in backup.databases(prefix):
            client.drop_database(name)
    client.close()


def fill(db) -> dict:
    docs = {
        "dossiers": [
            {
                "_id": f"X28720-261203-{n:04d}",
                "version": n,
                "received_at": datetime(2026, 12, 3, n % 24, n % 60, tzinfo=UTC),
                "history": [{"state": "received", "by": {"name": "Nguyễn Văn An"}}],
                "applicant": {"phone": "0912345678", "id_number": None},
            }
            for n in range(1, 121)  # more than two restore batches
        ],
        "dossiers_journal": [{"_id": "X28720-261203-0001:00000001", "set": {"a": 1}}],
    }
    for name, items in docs.items():
        db[name].insert_many(items)
    db.dossiers.create_index([("received_at", 1)])
    return docs


def test_backup_then_restore_with_drop_gives_back_every_document(client, tmp_path):
    client, prefixes = client
    prefix = f"b{uuid.uuid4().hex[:8]}_"
    prefixes.append(prefix)
    docs = fill(client[f"{prefix}routing"])
    manifest = backup.backup(client, prefix, tmp_path / "b", out=io.StringIO())
    assert manifest["databases"][f"{prefix}routing"]["dossiers"]["documents"] == 120
    assert json.loads((tmp_path / "b" / "manifest.json").read_text()) == manifest

    db = client[f"{prefix}routing"]
    db.dossiers.delete_many({"version": {"$gt": 60}})
    db.dossiers.update_one({"_id": "X28720-261203-0001"}, {"$set": {"version": 99}})
    inserted = backup.restore(client, tmp_path / "b", prefix, drop=True, out=io.StringIO())
    assert inserted[f"{prefix}routing.dossiers"] == 120
    for name, items in docs.items():
        assert list(db[name].find({}, sort=[("_id", 1)])) == sorted(items, key=lambda d: d["_id"])
    assert any(
        info["key"] == [("received_at", 1)] for info in db.dossiers.index_information().values()
    )


def test_restore_without_drop_keeps_what_is_there_and_may_rename(client, tmp_path):
    client, prefixes = client
    prefix, other = f"b{uuid.uuid4().hex[:8]}_", f"c{uuid.uuid4().hex[:8]}_"
    prefixes += [prefix, other]
    fill(client[f"{prefix}routing"])
    backup.backup(client, prefix, tmp_path / "b", out=io.StringIO())
    db = client[f"{prefix}routing"]
    db.dossiers.delete_one({"_id": "X28720-261203-0007"})
    db.dossiers.update_one({"_id": "X28720-261203-0001"}, {"$set": {"version": 99}})
    inserted = backup.restore(client, tmp_path / "b", prefix, out=io.StringIO())
    assert inserted[f"{prefix}routing.dossiers"] == 1  # only the one that was gone
    assert db.dossiers.find_one({"_id": "X28720-261203-0001"})["version"] == 99
    assert db.dossiers.count_documents({}) == 120

    backup.restore(client, tmp_path / "b", other, out=io.StringIO())
    assert client[f"{other}routing"].dossiers.count_documents({}) == 120
