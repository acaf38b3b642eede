"""The documents service's records on the real MongoDB-wire server: the receipt makes a dossier's
record in one create; a record a file made first takes the receipt as a change; a receipt's
event delivered again changes nothing."""

import uuid
from datetime import UTC, datetime

import pytest
from pymongo import MongoClient

from services.common.repository import Change, JournalRepository
from services.documents import indexes
from services.documents.store import DocumentRecords

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
FIELDS = {
    "office_id": "X28720",
    "applicant_key": "k" * 64,
    "documents": [{"id": "to_khai", "name": "Tờ khai", "count": 1}],
}


@pytest.fixture
def records(servers):
    name = f"t{uuid.uuid4().hex[:8]}_documents"
    client = MongoClient(servers["mongo"], tz_aware=True)
    db = client[name]
    yield DocumentRecords(db, JournalRepository(db, "records", indexes.VIEWS, None))
    client.drop_database(name)


def versions(records, code):
    return records.records.journal.count_documents({"_id": {"$gte": f"{code}:", "$lt": f"{code};"}})


def test_the_receipt_makes_the_record_in_one_version_and_once(records):
    code = "X28720-261206-0001"
    records.take_receipt(code, FIELDS, NOW, "m-received")
    records.take_receipt(code, {**FIELDS, "office_id": "X28702"}, NOW, "m-received")  # again
    record = records.get(code)
    assert {k: record[k] for k in FIELDS} == FIELDS and record["parts"] == []
    assert versions(records, code) == 1
    assert [r["_id"] for r in records.of_applicant("k" * 64)] == [code]


def test_a_record_a_file_made_first_takes_the_receipt_as_a_change(records):
    code = "X28720-261206-0002"
    part = {"document_id": "to_khai", "status": "digitised"}
    records.change(code, lambda r: Change(push={"parts": [part]}), NOW)
    records.take_receipt(code, FIELDS, NOW, "m-received")
    record = records.get(code)
    assert record["office_id"] == "X28720" and record["parts"] == [part]
    assert versions(records, code) == 3  # made, the file, the receipt
