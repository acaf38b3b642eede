"""The portal simulator's pure rules: which pushed version is accepted, the rate limit's token
bucket, the bearer token; the record's contract; the page."""

import copy
from datetime import UTC, datetime

import pytest
from marshmallow import ValidationError

from contracts.lifecycle import NATIONAL_CHANNEL, NATIONAL_STATUS, NATIONAL_STATUS_NAMES
from contracts.portal import (
    NATIONAL_CHANNEL_NAMES_VI,
    NATIONAL_STATUS_NAMES_VI,
    DossierRecordSchema,
    FaultsRequestSchema,
)
from services.portal.pages import recent_page
from services.portal.rules import (
    TokenBucket,
    Verdict,
    authorised,
    bearer_token,
    outage_left,
    retry_after,
    verdict,
)


def body(version: int = 1, **changes) -> dict:
    record = {
        "code": "X28720-261205-0001",
        "version": version,
        "province_id": "T82",
        "receiving_office_id": "X28720",
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "channel": 1,
        "status": 4,
        "received_at": "2026-12-05T08:00:00+07:00",
        "appointment_at": "2026-12-08T17:00:00+07:00",
        "legal_due_at": "2026-12-08T17:00:00+07:00",
        "return_method": "counter",
        "history": [
            {
                "at": "2026-12-05T08:00:00+07:00",
                "type": "receive",
                "status": 2,
                "office_id": "X28720",
                "by": "Nguyễn Văn A",
            }
        ],
    }
    record.update(changes)
    return record


def load(version: int = 1, **changes) -> dict:
    return DossierRecordSchema().load(body(version, **changes))


# ---- which version is accepted ----------------------------------------------------------------


def test_a_first_record_is_created():
    assert verdict(None, None, load(3)) is Verdict.CREATED


def test_a_higher_version_is_accepted_a_lower_one_is_stale():
    stored = load(5)
    assert verdict(5, stored, load(6)) is Verdict.ACCEPTED
    assert verdict(5, stored, load(9)) is Verdict.ACCEPTED  # versions may be skipped
    assert verdict(5, stored, load(4)) is Verdict.STALE
    assert verdict(5, stored, load(1, status=10)) is Verdict.STALE


def test_the_same_version_is_unchanged_only_with_the_same_record():
    stored = load(5)
    assert verdict(5, stored, load(5)) is Verdict.UNCHANGED
    assert verdict(5, stored, load(5, status=5)) is Verdict.CONFLICT


def test_records_compare_as_loaded_not_as_written():
    stored = load(2)
    same = body(2, received_at="2026-12-05T01:00:00Z")  # the same instant, another offset
    reordered = dict(reversed(list(same.items())))
    assert verdict(2, stored, DossierRecordSchema().load(reordered)) is Verdict.UNCHANGED


# ---- the token bucket -------------------------------------------------------------------------


def test_no_rate_lets_everything_through():
    bucket = TokenBucket(0, now=0.0)
    assert all(bucket.take(0.0) == 0.0 for _ in range(1000))


def test_a_burst_of_the_rate_then_waits():
    bucket = TokenBucket(4, now=100.0)
    assert [bucket.take(100.0) for _ in range(4)] == [0.0] * 4
    assert bucket.take(100.0) == pytest.approx(0.25)
    assert bucket.take(100.1) == pytest.approx(0.15)  # a refused request takes nothing
    assert bucket.take(100.25) == 0.0
    assert bucket.take(100.25) > 0


def test_the_bucket_refills_up_to_its_capacity_only():
    bucket = TokenBucket(2, now=0.0)
    bucket.take(0.0), bucket.take(0.0)
    assert bucket.take(60.0) == 0.0
    assert bucket.take(60.0) == 0.0
    assert bucket.take(60.0) > 0  # not 120 tokens after a minute


def test_a_rate_below_one_still_allows_one_request():
    bucket = TokenBucket(0.5, now=0.0)
    assert bucket.take(0.0) == 0.0
    assert bucket.take(0.0) == pytest.approx(2.0)
    assert bucket.take(2.0) == 0.0


def test_a_new_rate_starts_full_and_a_negative_one_is_refused():
    bucket = TokenBucket(1, now=0.0)
    bucket.take(0.0)
    assert bucket.take(0.0) > 0
    bucket.set_rate(3, now=0.0)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0] * 3
    with pytest.raises(ValueError):
        bucket.set_rate(-1, now=0.0)


def test_a_clock_going_back_adds_no_tokens():
    bucket = TokenBucket(1, now=10.0)
    bucket.take(10.0)
    assert bucket.take(5.0) > 0


@pytest.mark.parametrize(("seconds", "header"), [(0.0, "1"), (0.01, "1"), (1.0, "1"), (1.2, "2")])
def test_retry_after_is_whole_seconds_rounded_up(seconds, header):
    assert retry_after(seconds) == header


def test_outage_left():
    assert outage_left(10.0, 4.0) == 6.0
    assert outage_left(10.0, 12.0) == 0.0


# ---- the bearer token -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_token(header, token):
    assert bearer_token(header) == token


def test_only_the_api_key_is_authorised():
    assert authorised("Bearer key-1", "key-1")
    assert not authorised("Bearer key-2", "key-1")
    assert not authorised("key-1", "key-1")
    assert not authorised(None, "key-1")


# ---- the contract of a record -------------------------------------------------------------------


def test_a_minimal_record_gets_its_defaults():
    record = load()
    assert record["fees"] == record["postal"] == record["evaluations"] == []
    assert record["digitisation"] == {}
    assert record["finished_at"] is None and record["timing"] is None
    assert record["history"][0]["due_at"] is None


def test_a_full_record_loads():
    full = body(
        7,
        status=10,
        channel=3,
        finished_at="2026-12-07T10:00:00+07:00",
        timing="early",
        returned_at="2026-12-08T09:00:00+07:00",
        return_method="post",
        fees=[
            {
                "payment_id": "p1",
                "kind": "fee",
                "amount_vnd": 50000,
                "method": "online",
                "paid_at": "2026-12-05T08:10:00+07:00",
                "receipt_number": "BL-0001",
                "refunded_vnd": 0,
            }
        ],
        postal=[
            {
                "tracking_number": "EL123456789VN",
                "status": "delivered",
                "at": "2026-12-08T09:00:00+07:00",
            }
        ],
        evaluations=[{"score": 5, "comment": "Nhanh"}],
        digitisation={"dossier": True, "result": True},
    )
    assert DossierRecordSchema().load(full)["fees"][0]["amount_vnd"] == 50000


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", 11),
        ("status", 0),
        ("status", "4"),
        ("channel", 4),
        ("version", 0),
        ("version", 1.5),
        ("code", "not-a-code"),
        ("province_id", "t82"),
        ("timing", "soon"),
        ("return_method", "drone"),
        ("received_at", "2026-12-05T08:00:00"),  # naive
        ("appointment_at", "tomorrow"),
        (
            "fees",
            [
                {
                    "payment_id": "p",
                    "kind": "fee",
                    "amount_vnd": 50000.0,
                    "method": "cash",
                    "paid_at": "2026-12-05T08:10:00+07:00",
                }
            ],
        ),
        (
            "history",
            [
                {
                    "at": "2026-12-05T08:00:00+07:00",
                    "type": "x",
                    "status": 2,
                    "office_id": "X1",
                    "extra": 1,
                }
            ],
        ),
        ("surprise", 1),
    ],
)
def test_an_invalid_record_is_refused(field, value):
    with pytest.raises(ValidationError) as exc:
        DossierRecordSchema().load(body(**{field: value}))
    assert field in exc.value.messages


def test_required_fields():
    record = body()
    del record["history"], record["legal_due_at"]
    with pytest.raises(ValidationError) as exc:
        DossierRecordSchema().load(record)
    assert set(exc.value.messages) == {"history", "legal_due_at"}


def test_due_dates_may_be_null_for_a_dossier_without_one():
    record = load(status=3, appointment_at=None, legal_due_at=None)
    assert record["appointment_at"] is None


def test_faults_request_keeps_what_is_left_out():
    assert FaultsRequestSchema().load({"latency": 0.5}) == {"latency": 0.5}
    with pytest.raises(ValidationError):
        FaultsRequestSchema().load({"fail_rate": 1.5})


def test_the_portal_names_every_national_code():
    assert set(NATIONAL_STATUS_NAMES_VI) == set(NATIONAL_STATUS_NAMES)
    assert set(NATIONAL_STATUS.values()) <= set(NATIONAL_STATUS_NAMES_VI)
    assert set(NATIONAL_CHANNEL_NAMES_VI) == set(NATIONAL_CHANNEL.values())


# ---- the page ---------------------------------------------------------------------------------


def test_the_page_lists_dossiers_in_vietnam_time():
    at = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)
    rows = [
        {
            "code": "X1-261205-0002",
            "version": 3,
            "status": 9,
            "procedure_name": "Khai <sinh>",
            "updated_at": at,
        },
    ]
    html = recent_page(rows)
    assert "Cổng Dịch vụ công quốc gia (mô phỏng)" in html
    assert "X1-261205-0002" in html and "Đã xử lý xong" in html
    assert "Khai &lt;sinh&gt;" in html
    assert "05/12/2026 08:30:00" in html


def test_the_page_without_dossiers():
    assert "Chưa nhận hồ sơ nào" in recent_page([])


def test_helpers_do_not_mutate():
    record = load()
    before = copy.deepcopy(record)
    verdict(1, record, record)
    assert record == before
