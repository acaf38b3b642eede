"""Schemas of the national public-service portal's JSON HTTP API, the side of it a provincial
one-stop system synchronises its dossiers with (Decision 31/2021/QĐ-TTg art. 30: every dossier,
its status, history, fees, postal sends and evaluations). The portal is external; the simulator
in services/portal plays it in development and tests.

Authentication: every request but ``GET /health`` and the page ``GET /`` carries
``Authorization: Bearer <token>``, the token being the province's API key (a secret shared by
the province and the portal). A missing or wrong token → ``401`` (``unauthorized``) with a
``WWW-Authenticate: Bearer`` header.

Endpoints (JSON bodies, UTF-8; times are ISO 8601 with an offset, a naive time is refused;
amounts are whole đồng, JSON integers: ``150000.0`` is refused):

- ``PUT /dossiers/{code}`` with a DossierRecordSchema body (``code`` equal to the URL's): the
  whole record of one dossier as the province has it at its ``version`` (the dossier's version
  in the province's system, ≥ 1, raised by every change). The portal keeps the record of the
  highest version it has accepted:

  - no record yet → ``201``, ``version`` higher than the stored one → ``200``; both with a
    PutAnswerSchema body ``{"code", "version", "accepted": true, "unchanged": false}``;
  - ``version`` equal to the stored one and the same record (an idempotent repeat, e.g. after a
    lost answer) → ``200`` with ``{"code", "version", "accepted": false, "unchanged": true}``;
    the same version with a different record → ``409`` ``version_conflict`` (a province must
    not change a record without raising its version);
  - ``version`` lower than the stored one → ``409`` ``stale_version``: nothing is overwritten,
    the error carries ``stored_version``.

- ``GET /dossiers/{code}`` → ``200`` with a DossierVersionsSchema body: ``record`` (the last
  accepted record), ``versions`` (every accepted version number, in the order they were
  accepted) and ``received_at`` (when the portal accepted each of them, same order). Unknown
  code → ``404`` (``not_found``).
- ``GET /dossiers?province=T82&updated_since=2026-12-05T00:00:00+07:00`` (both optional) →
  ``200`` with a DossierListSchema body: the dossiers of that province (``province_id``) whose
  last accepted version arrived at or after ``updated_since``, by code; what a reconciliation
  reads.
- ``GET /health`` → ``200`` ``{"status": "ok"}`` (no token, never delayed nor down).

Codes of the national catalogue: ``status`` is the TrangThaiHoSo (1–10,
contracts/lifecycle.py NATIONAL_STATUS), ``channel`` the KenhThucHien (1 at the counter,
2 online, 3 by post), and a history step's ``status`` the TrangThaiHoSo after that step.
``timing`` is ``early`` | ``on_time`` | ``late`` once the dossier is finished (null before).
``appointment_at`` and ``legal_due_at`` are null while a dossier has no due date (status 1,
awaiting its fee; status 3, not accepted).

Errors: ``{"error": {"code": ..., "message": ...}}``: ``401`` ``unauthorized``; ``404``
``not_found``; ``409`` ``stale_version`` or ``version_conflict`` (both with
``stored_version``); ``422`` ``invalid_request`` (invalid JSON, body, query, or a body ``code``
other than the URL's; ``message`` is marshmallow's messages per field); ``429``
``rate_limited`` with a ``Retry-After`` header (whole seconds) when the province sends more
requests per second than it is allowed; ``500`` ``internal_error`` (the portal failed; nothing
was stored); ``503`` ``unavailable`` with a ``Retry-After`` header (the portal is down). A
client retries 429, 500, 503 and timeouts later with the same body: PUT is idempotent.

The simulator has an admin API as well, for tests and chaos runs (same token; never delayed nor
down): ``POST /admin/outage`` with an OutageRequestSchema body (``{"seconds": N}``: every
request but ``/health`` and ``/admin/*`` answers 503 for N seconds; 0 ends an outage),
``POST /admin/faults`` with a FaultsRequestSchema body (change latency, fail rate and rate
limit live; fields left out are kept), both answering a FaultsSchema body, and
``GET /admin/stats`` → an AdminStatsSchema body.
"""

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from contracts.codes import CODE_PATTERN
from contracts.events import RETURN_METHODS, office_field
from contracts.lifecycle import NATIONAL_CHANNEL, NATIONAL_STATUS_NAMES
from contracts.money import KINDS, MAX_VND, METHODS, vnd_field

AUTH_HEADER = "Authorization"
AUTH_SCHEME = "Bearer"
RETRY_AFTER_HEADER = "Retry-After"
NATIONAL_STATUS_CODES = tuple(sorted(NATIONAL_STATUS_NAMES))  # TrangThaiHoSo 1..10
NATIONAL_CHANNEL_CODES = tuple(sorted(set(NATIONAL_CHANNEL.values())))  # KenhThucHien 1..3
TIMINGS = ("early", "on_time", "late")
MAX_VERSION = 2**31 - 1

# The portal's names of its codes, as its pages show them.
NATIONAL_STATUS_NAMES_VI = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
NATIONAL_CHANNEL_NAMES_VI = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Qua dịch vụ bưu chính công ích"}


def national_status_field(**kwargs: Any) -> fields.Integer:
    """A TrangThaiHoSo code: a JSON integer 1..10 ("4" or 4.0 is refused)."""
    return fields.Integer(strict=True, validate=validate.OneOf(NATIONAL_STATUS_CODES), **kwargs)


def version_field(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_VERSION), **kwargs)


def _timing_field() -> fields.String:
    return fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TIMINGS))


def _optional_time() -> fields.AwareDateTime:
    return fields.AwareDateTime(load_default=None, allow_none=True)


def _text(max_length: int, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


class HistoryStepSchema(Schema):
    """One step of a dossier's processing: who did what, where, and how it stood on time."""

    class Meta:
        unknown = RAISE

    at = fields.AwareDateTime(required=True)
    type = _text(64, required=True)  # the province's step type, e.g. "accept", "forward"
    status = national_status_field(required=True)  # the TrangThaiHoSo after the step
    office_id = office_field(required=True)
    by = fields.String(  # the officer's name; null for a step of the system
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )
    due_at = _optional_time()  # when this step was due
    timing = _timing_field()


class FeePaidSchema(Schema):
    """A fee or financial obligation paid for the dossier (contracts/money.py)."""

    class Meta:
        unknown = RAISE

    payment_id = _text(64, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    amount_vnd = vnd_field(required=True)
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    paid_at = fields.AwareDateTime(required=True)
    receipt_number = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=64)
    )
    refunded_vnd = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(min=0, max=MAX_VND)
    )


class PostalSendSchema(Schema):
    """A package the post carried for the dossier (the dossier in, or its result out)."""

    class Meta:
        unknown = RAISE

    tracking_number = _text(64, required=True)
    status = _text(32, required=True)  # the carrier's status (contracts/carrier.py)
    at = fields.AwareDateTime(required=True)


class DossierRecordSchema(Schema):
    """PUT /dossiers/{code}: the whole record of one dossier at one version."""

    class Meta:
        unknown = RAISE

    code = fields.String(required=True, validate=validate.Regexp(f"^{CODE_PATTERN}$"))
    version = version_field(required=True)
    province_id = office_field(required=True)  # the province's office id, e.g. "T82"
    receiving_office_id = office_field(required=True)
    procedure_code = _text(64, required=True)
    procedure_name = _text(500, required=True)
    channel = fields.Integer(  # KenhThucHien
        strict=True, required=True, validate=validate.OneOf(NATIONAL_CHANNEL_CODES)
    )
    status = national_status_field(required=True)  # TrangThaiHoSo
    received_at = fields.AwareDateTime(required=True)
    appointment_at = fields.AwareDateTime(required=True, allow_none=True)
    legal_due_at = fields.AwareDateTime(required=True, allow_none=True)
    finished_at = _optional_time()
    timing = _timing_field()
    returned_at = _optional_time()
    return_method = fields.String(required=True, validate=validate.OneOf(RETURN_METHODS))
    history = fields.List(
        fields.Nested(HistoryStepSchema), required=True, validate=validate.Length(max=1000)
    )
    fees = fields.List(
        fields.Nested(FeePaidSchema), load_default=list, validate=validate.Length(max=100)
    )
    postal = fields.List(
        fields.Nested(PostalSendSchema), load_default=list, validate=validate.Length(max=100)
    )
    evaluations = fields.List(  # the citizen's evaluations, as the province records them
        fields.Dict(keys=fields.String()), load_default=list, validate=validate.Length(max=100)
    )
    digitisation = fields.Dict(  # digitisation flags of the dossier and its result
        keys=fields.String(), load_default=dict
    )


class PutAnswerSchema(Schema):
    """PUT /dossiers/{code} answered 200 or 201."""

    code = fields.String(required=True)
    version = version_field(required=True)
    accepted = fields.Boolean(required=True)  # stored as the dossier's record
    unchanged = fields.Boolean(required=True)  # a repeat of the stored version


class DossierVersionsSchema(Schema):
    """GET /dossiers/{code}: the last accepted record and the history of accepted versions."""

    record = fields.Nested(DossierRecordSchema, required=True)
    versions = fields.List(version_field(), required=True)  # in the order they were accepted
    received_at = fields.List(fields.AwareDateTime(), required=True)  # when, for each version


class DossierListQuerySchema(Schema):
    """GET /dossiers?province=&updated_since=: which dossiers the portal has."""

    class Meta:
        unknown = RAISE

    province = office_field(load_default=None)
    updated_since = fields.AwareDateTime(load_default=None)


class DossierListEntrySchema(Schema):
    code = fields.String(required=True)
    version = version_field(required=True)
    status = national_status_field(required=True)
    updated_at = fields.AwareDateTime(required=True)  # when its last version was accepted


class DossierListSchema(Schema):
    dossiers = fields.List(fields.Nested(DossierListEntrySchema), required=True)


class OutageRequestSchema(Schema):
    """POST /admin/outage (simulator): the portal is down for `seconds` from now."""

    class Meta:
        unknown = RAISE

    seconds = fields.Float(required=True, validate=validate.Range(min=0, max=24 * 3600))


class FaultsRequestSchema(Schema):
    """POST /admin/faults (simulator): change its faults live; fields left out are kept."""

    class Meta:
        unknown = RAISE

    latency = fields.Float(validate=validate.Range(min=0, max=120))  # seconds added per answer
    fail_rate = fields.Float(validate=validate.Range(min=0, max=1))  # share of PUTs failing 500
    rate_limit = fields.Float(validate=validate.Range(min=0))  # requests per second; 0 = none


class FaultsSchema(Schema):
    """The simulator's faults as they stand."""

    latency = fields.Float(required=True)
    fail_rate = fields.Float(required=True)
    rate_limit = fields.Float(required=True)
    outage_seconds_left = fields.Float(required=True)


class AdminStatsSchema(Schema):
    """GET /admin/stats (simulator): what the portal's API (/dossiers…) has answered."""

    requests = fields.Dict(  # answers by HTTP status code ("201": 3, "429": 1, …)
        keys=fields.String(), values=fields.Integer(), required=True
    )
    out_of_order = fields.Integer(required=True)  # PUTs older than the stored version (409)
    version_conflicts = fields.Integer(required=True)  # same version, another record (409)
    dossiers = fields.Integer(required=True)  # dossiers with a record
    faults = fields.Nested(FaultsSchema, required=True)


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.Raw(required=True)  # a text, or marshmallow's messages per field
    stored_version = version_field(load_default=None)  # on stale_version and version_conflict


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)
