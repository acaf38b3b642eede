"""The file store on the real database (FerretDB locally, MongoDB under compose): GridFS's two
collections and its unique chunk index, whole files back byte for byte, random ids, and the
files uploaded online that no dossier was filed with, found for deletion."""

from datetime import UTC, datetime, timedelta

import pytest
from pymongo import MongoClient

from services.documents.files import files_of
from tests import sample_files as files


@pytest.fixture
def store(service_config):
    client = MongoClient(service_config["MONGO_URI"], tz_aware=True)
    yield files_of(service_config, client)
    client.drop_database(service_config["MONGO_DATABASE_PREFIX"] + "documents")
    client.close()


def test_gridfs_keeps_whole_files_under_random_ids(store):
    big = files.pdf("x") + b"%" + bytes(range(256)) * 4000  # ~1 MB: several 255 kB chunks
    ids = {store.put(big, "application/pdf", "to-khai.pdf", {"code": "X"}) for _ in range(3)}
    assert len(ids) == 3 and all(len(i) >= 43 for i in ids)
    got = store.get(next(iter(ids)))
    assert got.data == big and got.content_type == "application/pdf"
    assert got.filename == "to-khai.pdf" and got.metadata == {"code": "X"}
    indexes = store.db["fs.chunks"].index_information()
    unique = [i for i in indexes.values() if i.get("unique")]
    assert [list(k for k, _ in i["key"]) for i in unique] == [["files_id", "n"]]
    assert store.db["fs.chunks"].count_documents({}) >= 3 * 4
    store.delete(got.file_id)
    assert store.get(got.file_id) is None and store.metadata(got.file_id) is None


def test_files_uploaded_online_and_never_filed_are_found_for_deletion(store):
    staged = store.put(files.png(), "image/png", "a.png", {"staged_for": "h1", "sha256": "0"})
    filed = store.put(files.png(), "image/png", "b.png", {"staged_for": "h1", "sha256": "0"})
    scanned = store.put(files.png(), "image/png", "c.png", {"code": "X28720-261206-0001"})
    store.claim(filed, "X28720-261206-0002")
    assert store.metadata(filed)["code"] == "X28720-261206-0002"
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert store.unfiled_before(later) == [staged]
    assert store.unfiled_before(datetime.now(UTC) - timedelta(hours=1)) == []
    assert store.metadata(scanned)["length"] == len(files.png())
