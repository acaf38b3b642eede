"""Digitisation decisions: the keyed hash, parts' statuses, re-use offers and who may re-use."""

from datetime import UTC, datetime

import pytest

from contracts import documents as doc
from contracts.errors import IllegalAction, InvalidInput, NotFoundError
from services.documents import domain

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
FILE = {"file_id": "a" * 43, "sha256": "0" * 64, "size": 100, "content_type": doc.PDF}
RESULT_FILE = {**FILE, "file_id": "r" * 43}


def record(code: str, key: str | None = "k1", parts=(), result=None) -> dict:
    r = domain.new_record(code, NOW)
    r.update(office_id="X28720", applicant_key=key, result=result)
    r["documents"] = [{"id": "to_khai", "name": "Tờ khai", "count": 1}]
    r["documents"].append({"id": "giay_chung_sinh", "name": "Giấy chứng sinh", "count": 1})
    r["parts"] = list(parts)
    return r


def test_the_keyed_hash_matches_the_same_id_and_gives_nothing_back():
    one = domain.applicant_key("secret", "079123456789")
    assert one == domain.applicant_key("secret", "079123456789")
    assert one != domain.applicant_key("secret", "079123456788")
    assert one != domain.applicant_key("another secret", "079123456789")
    assert "079123456789" not in one and len(one) == 64
    assert domain.applicant_key("secret", None) is None


def test_each_part_has_its_status_and_its_files():
    scanned = domain.part_entry("giay_chung_sinh", FILE, NOW, "officer")
    reused = domain.part_entry(
        "to_khai", FILE, NOW, "officer", {"code": "X28720-261206-0001", "document_id": "to_khai"}
    )
    from_result = domain.part_entry(
        "to_khai", FILE, NOW, "officer", {"code": "X", "document_id": doc.RESULT}
    )
    assert scanned["status"] == doc.DIGITISED and scanned["source"] is None
    assert reused["status"] == doc.REUSED_FROM_PART
    assert from_result["status"] == doc.REUSED_FROM_RESULT
    parts = domain.parts_view(record("A", parts=[scanned]))
    assert [(p["document_id"], p["status"]) for p in parts] == [
        ("to_khai", doc.NOT_DIGITISED),
        ("giay_chung_sinh", doc.DIGITISED),
    ]


def test_re_used_files_are_not_counted_twice_against_the_dossier_limit():
    scanned = domain.part_entry("giay_chung_sinh", FILE, NOW, "officer")
    reused = domain.part_entry("to_khai", FILE, NOW, "officer", {"code": "B", "document_id": "x"})
    assert domain.stored_bytes(record("A", parts=[scanned, reused])) == 100


def test_offers_list_earlier_parts_and_results_never_the_dossier_itself():
    earlier = record(
        "X28720-261201-0001",
        parts=[domain.part_entry("giay_chung_sinh", FILE, NOW, "citizen")],
        result=RESULT_FILE,
    )
    current = record("X28720-261206-0001")
    offers = domain.offers([earlier, current], exclude=current["_id"])
    assert [(o["code"], o["document_id"]) for o in offers] == [
        ("X28720-261201-0001", doc.RESULT),
        ("X28720-261201-0001", "giay_chung_sinh"),
    ]
    assert "file_id" not in offers[0]  # an offer names a part, never where its bytes are


def test_a_re_use_takes_the_file_of_the_same_applicant_only():
    source = record("S", parts=[domain.part_entry("giay_chung_sinh", FILE, NOW, "officer")])
    assert domain.reuse(record("T"), source, "giay_chung_sinh") == FILE
    with pytest.raises(NotFoundError):
        domain.reuse(record("T", key="k2"), source, "giay_chung_sinh")
    with pytest.raises(IllegalAction):
        domain.reuse(record("T", key=None), source, "giay_chung_sinh")
    with pytest.raises(InvalidInput):
        domain.reuse(record("T"), source, "to_khai")  # that part has no file
    with pytest.raises(InvalidInput):
        domain.reuse(record("T"), source, doc.RESULT)  # no electronic result


def test_a_result_is_issued_once():
    domain.result_allowed(record("A"))
    with pytest.raises(IllegalAction):
        domain.result_allowed(record("A", result=RESULT_FILE))


def test_a_file_is_recorded_once_per_part():
    scanned = domain.part_entry("giay_chung_sinh", FILE, NOW, "officer")
    r = record("A", parts=[scanned])
    assert domain.has_file(r, "giay_chung_sinh", FILE["file_id"])
    assert not domain.has_file(r, "to_khai", FILE["file_id"])
    assert not domain.has_file(r, "giay_chung_sinh", "b" * 43)


def test_figures_count_the_parts_received_digitised_and_re_used():
    scanned = domain.part_entry("giay_chung_sinh", FILE, NOW, "officer")
    reused = domain.part_entry(
        "to_khai", FILE, NOW, "officer", {"code": "X28720-261206-0001", "document_id": "to_khai"}
    )
    stray = domain.part_entry("not_asked_for", FILE, NOW, "officer")  # not a part received
    records = [
        record("X28720-261207-0001", parts=[scanned, reused], result=RESULT_FILE),
        record("X28720-261207-0002", parts=[stray]),
        record("X28720-261207-0003"),
    ]
    assert domain.figures(records) == {
        "dossiers": 3,
        "parts_received": 6,
        "parts_digitised": 2,
        "parts_reused": 1,
        "results_electronic": 1,
    }
    assert domain.figures([])["parts_received"] == 0
