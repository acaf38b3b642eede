"""Phone verification decisions (services/notification/verification.py): codes, tries, locks,
expiry and proofs, without I/O."""

from datetime import UTC, datetime, timedelta

import pytest

from contracts import verification as rules
from contracts.errors import Gone, InvalidInput, TooManyRequests
from services.common.repository import apply_change
from services.notification import verification as v

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
SECRET = "test-secret"


def fresh(code="123456"):
    vid = "A" * 24
    return v.new_verification(vid, "84912345678", "feedback", v.keyed(SECRET, vid, code), NOW)


def tried(doc, code, at=NOW):
    digest = v.keyed(SECRET, doc["_id"], code)
    change = v.tried(doc, digest, at)
    if change is not None:
        doc = apply_change(doc, change.set, change.push, 2)
    return doc, digest


def test_codes_and_ids_are_random_and_well_formed():
    codes = {v.new_code() for _ in range(200)}
    assert len(codes) > 190 and all(len(c) == rules.CODE_LENGTH and c.isdigit() for c in codes)
    ids = {v.new_id() for _ in range(50)}
    assert len(ids) == 50 and all(len(i) == 24 for i in ids)


def test_the_code_hash_is_bound_to_its_verification_and_key():
    assert v.keyed(SECRET, "a", "123456") != v.keyed(SECRET, "b", "123456")
    assert v.keyed(SECRET, "a", "123456") != v.keyed("other", "a", "123456")
    assert "123456" not in v.keyed(SECRET, "a", "123456")


def test_the_right_code_confirms_and_proves_the_phone_for_its_purpose():
    doc, digest = tried(fresh(), "123456")
    assert doc["status"] == "verified" and doc["verified_at"] == NOW
    assert v.answer(doc, digest, NOW) == {"verified": True, "tries_left": rules.MAX_TRIES}
    assert v.proven_phone(doc, "feedback", NOW + rules.PROOF_TTL) == "84912345678"
    assert v.proven_phone(doc, "online_submission", NOW) is None
    assert v.proven_phone(doc, "feedback", NOW + rules.PROOF_TTL + timedelta(seconds=1)) is None
    assert v.proven_phone(None, "feedback", NOW) is None


def test_wrong_codes_count_down_then_lock_even_the_right_code():
    doc = fresh()
    for left in range(rules.MAX_TRIES - 1, 0, -1):
        doc, digest = tried(doc, "000000")
        with pytest.raises(InvalidInput) as wrong:
            v.answer(doc, digest, NOW)
        assert wrong.value.code == "wrong_code" and wrong.value.details["tries_left"] == left
    doc, digest = tried(doc, "000000")
    assert doc["status"] == "locked"
    doc, digest = tried(doc, "123456")
    assert doc["status"] == "locked"
    with pytest.raises(TooManyRequests):
        v.answer(doc, digest, NOW)
    assert v.proven_phone(doc, "feedback", NOW) is None


def test_a_code_after_its_time_is_expired_and_changes_nothing():
    late = NOW + rules.CODE_TTL + timedelta(seconds=1)
    doc = fresh()
    assert v.tried(doc, v.keyed(SECRET, doc["_id"], "123456"), late) is None
    with pytest.raises(Gone):
        v.answer(doc, v.keyed(SECRET, doc["_id"], "123456"), late)
    assert v.settled(doc) == NOW + rules.CODE_TTL


def test_a_confirmed_verification_answers_the_same_code_again_and_no_other():
    doc, digest = tried(fresh(), "123456")
    again, _ = tried(doc, "123456", NOW + timedelta(minutes=1))
    assert again == doc
    assert v.answer(doc, digest, NOW)["verified"] is True
    with pytest.raises(InvalidInput):
        v.answer(doc, v.keyed(SECRET, doc["_id"], "654321"), NOW)
    assert v.settled(doc) == NOW
