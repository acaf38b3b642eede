"""Schemas of the HTTP API's requests (bodies, the worklist's query) and responses, and the
officer identity passed over RPC."""

from marshmallow import EXCLUDE, INCLUDE, RAISE, Schema, fields, validate

from contracts.codes import CODE_PATTERN, OFFICE_ID_PATTERN
from contracts.events import (
    CHANNELS,
    RETURN_METHODS,
    ApplicantSchema,
    PostalAddressSchema,
    PostalHandoverSchema,
)
from contracts.lifecycle import ACTIONS, ROLES, STATES
from contracts.money import COUNTER_METHODS, KINDS, METHODS, STATUSES, vnd_field
from contracts.scorecard import GROUPS, NO_DATA_YET, NO_EVALUATION_IN_PERIOD, NOTHING_IN_PERIOD
from contracts.verification import CODE_PATTERN as VERIFICATION_CODE
from contracts.verification import PURPOSES


class ProvidedDocumentSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    count = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100))


class ReceiveRequestSchema(Schema):
    """POST /api/dossiers: a dossier handed in at the caller's counter. With
    `not_accepted_reason` the counter refuses to accept it (form 03): it gets a code and a
    record, and goes no further."""

    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    channel = fields.String(load_default="counter", validate=validate.OneOf(CHANNELS))
    applicant = fields.Nested(ApplicantSchema, required=True)
    documents = fields.List(
        fields.Nested(ProvidedDocumentSchema), load_default=list, validate=validate.Length(max=100)
    )
    return_method = fields.String(load_default="counter", validate=validate.OneOf(RETURN_METHODS))
    postal_address = fields.Nested(PostalAddressSchema, load_default=None, allow_none=True)
    # channel "post": the dossier came by post; who brought it, signed for by the receiver
    postal_handover = fields.Nested(PostalHandoverSchema, load_default=None, allow_none=True)
    not_accepted_reason = fields.String(
        load_default=None, validate=validate.Length(min=1, max=1000)
    )
    # a two-level province centre receiving a procedure a commune decides names the commune
    deciding_office_id = fields.String(
        load_default=None, validate=validate.Regexp(f"^{OFFICE_ID_PATTERN}$")
    )
    # how the procedure's fee is paid (contracts/money.py): cash or transfer at the counter (the
    # default), to the postal worker (channel post's default), or online, in which case the
    # dossier is not accepted until the platform says it is paid
    fee_method = fields.String(load_default=None, validate=validate.OneOf(METHODS))


class ActionRequestSchema(Schema):
    """POST /api/dossiers/{code}/actions."""

    class Meta:
        unknown = RAISE

    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    reason = fields.String(load_default=None, validate=validate.Length(max=1000))
    missing_documents = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        validate=validate.Length(max=50),
    )
    new_due_at = fields.AwareDateTime(load_default=None)
    note = fields.String(load_default=None, validate=validate.Length(max=1000))
    # request_obligation: the amount to pay (whole VND), and the deadline to pay it by
    amount_vnd = vnd_field(load_default=None)
    pay_by = fields.AwareDateTime(load_default=None)


class CounterPaymentSchema(Schema):
    """POST /api/dossiers/{code}/payments: the citizen pays what is due at the counter."""

    class Meta:
        unknown = RAISE

    method = fields.String(required=True, validate=validate.OneOf(COUNTER_METHODS))
    payment_id = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "which payment; omitted: the dossier's only one due"},
    )


class PaymentsQuerySchema(Schema):
    """`?office=&from=YYYY-MM-DD&to=YYYY-MM-DD`: what an office collected, local days from..to."""

    class Meta:
        unknown = EXCLUDE

    office = fields.String(required=True, validate=validate.Regexp(f"^{OFFICE_ID_PATTERN}$"))
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)


class OfficerSchema(Schema):
    """Who is acting: resolved by the gateway from a bearer token."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(
        required=True, validate=validate.OneOf([r for r in ROLES if r != "system"])
    )
    office_id = fields.String(required=True)


# ---- Responses (documented in the OpenAPI spec; the gateway's answers match them) ----------


class _Response(Schema):
    """An answer: documented fields; more may be added without breaking clients."""

    class Meta:
        unknown = INCLUDE


class ErrorBodySchema(_Response):
    code = fields.String(required=True)
    message = fields.String(required=True)


class ErrorSchema(_Response):
    """Every 4xx/5xx answer: {"error": {"code", "message", …details}}."""

    error = fields.Nested(ErrorBodySchema, required=True)


class PlannedStepOutSchema(_Response):
    level = fields.String(required=True)
    office_id = fields.String(required=True)
    due_at = fields.DateTime(required=True)


class ReceiveResponseSchema(_Response):
    code = fields.String(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(["received", "not_accepted", "awaiting_fee"])
    )
    appointment_at = fields.DateTime(required=True)
    route = fields.List(fields.Nested(PlannedStepOutSchema), required=True)
    receipt_url = fields.String(required=True)
    receipt = fields.Dict(required=True, metadata={"description": "the receipt (form 01)"})


class ReceiptResponseSchema(_Response):
    """The receipt (form 01) as the counter issued it: the only answer with personal data."""

    code = fields.String(required=True)
    procedure_code = fields.String(required=True)
    procedure_name = fields.String(required=True)
    office_id = fields.String(required=True)
    channel = fields.String(required=True)
    applicant = fields.Dict(required=True)
    documents = fields.List(fields.Dict(), required=True)
    return_method = fields.String(required=True)
    postal_address = fields.Dict(allow_none=True)
    received_at = fields.DateTime(required=True)
    appointment_at = fields.DateTime(required=True)
    route = fields.List(fields.Dict(), required=True)
    received_by = fields.String(required=True)
    postal_handover = fields.Dict(allow_none=True)
    status = fields.String(required=True)
    not_accepted_reason = fields.String(allow_none=True)
    fee_vnd = fields.Integer(allow_none=True)
    fee = fields.Dict(
        allow_none=True,
        metadata={"description": "amount_vnd, method, receipt_number (None while awaited online)"},
    )


class DossierSummarySchema(_Response):
    """A dossier in a worklist, or the answer to an action."""

    code = fields.String(required=True)
    procedure_code = fields.String(required=True)
    procedure_name = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    status_label = fields.String(required=True, metadata={"description": "the state in Vietnamese"})
    national_status = fields.Integer(required=True, metadata={"description": "TrangThaiHoSo 1-10"})
    national_channel = fields.Integer(
        required=True, metadata={"description": "KenhThucHien: 1 in person, 2 online, 3 post"}
    )
    office_id = fields.String(required=True)
    at_office = fields.Boolean(required=True)
    receiving_office_id = fields.String(required=True)
    channel = fields.String(required=True)
    return_method = fields.String(required=True)
    received_at = fields.DateTime(required=True)
    appointment_at = fields.DateTime(
        required=True, metadata={"description": "the date promised to the citizen now"}
    )
    legal_due_at = fields.DateTime(
        required=True,
        metadata={
            "description": "the appointment the law judges against: moved by supplement "
            "pauses, never by an apology"
        },
    )
    current_due_at = fields.DateTime(required=True)
    due_status = fields.String(
        required=True,
        metadata={
            "description": "on_time, due_soon, overdue, paused (supplement awaited, the clock "
            "stopped); when finished: early/on_time/late"
        },
    )
    timing = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    supplement_requests = fields.Integer(required=True)
    allowed_actions = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "what each role may do in this state, wherever it works"},
    )


class TimelineEntrySchema(_Response):
    kind = fields.String(
        required=True, validate=validate.OneOf(["workflow", "sms", "postal", "payment"])
    )
    at = fields.DateTime(required=True)
    type = fields.String(required=True)


class DossierSchema(DossierSummarySchema):
    """GET /api/dossiers/{code}: the whole dossier; `actions` are what the caller may do now."""

    route = fields.List(fields.Dict(), required=True)
    step_index = fields.Integer(required=True)
    history = fields.List(fields.Dict(), required=True)
    control_sheet = fields.List(fields.Dict(), required=True)
    apologies = fields.List(fields.Dict(), required=True, metadata={"description": "form 04"})
    actions = fields.List(fields.String(validate=validate.OneOf(ACTIONS)), required=True)
    sms = fields.List(fields.Dict(), required=True)
    shipments = fields.List(fields.Dict(), required=True)
    payments = fields.List(fields.Dict(), load_default=list)
    portal_sync = fields.Dict(
        allow_none=True,
        load_default=None,
        metadata={"description": "the national portal's copy: status pending|synced|failed, "
                  "record_version, pushed_version, failure; null until the portal sync has "
                  "folded the dossier's first events (a few seconds after its receipt), or when "
                  "the portal sync does not answer"},
    )  # fmt: skip
    timeline = fields.List(fields.Nested(TimelineEntrySchema), required=True)


WORKLIST_PAGE = 20  # what the console shows before "Xem thêm"
WORKLIST_MAX_PAGE = 200
WORKLIST_PARTS = ("incoming", "in_hand")
WORKLIST_CURSOR_PATTERN = rf"[0-9]{{8}}T[0-9]{{9}}\|{CODE_PATTERN}"
"""A place in an office's worklist: the due instant (UTC, to the ms) and code of a row."""


class WorklistQuerySchema(Schema):
    """`?limit=&after=`: a page of the worklist, soonest due first, after the row `after` names
    (the `next` of the previous page)."""

    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(
        load_default=WORKLIST_PAGE, validate=validate.Range(1, WORKLIST_MAX_PAGE)
    )
    after = fields.String(
        load_default=None, validate=validate.Regexp(rf"{WORKLIST_CURSOR_PATTERN}\Z")
    )
    part = fields.String(
        load_default=None,
        validate=validate.OneOf(WORKLIST_PARTS),
        metadata={
            "description": "incoming: transferred here, not yet received by an officer; "
            "in_hand: the others; omitted: both"
        },
    )


BOOK_PAGE, BOOK_MAX_PAGE = 100, 500


class BookQuerySchema(Schema):
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD&limit=&after=`: a page of a counter's tracking book
    (form 07) for the local days from..to, in order of receipt, after the row `after` (the
    `next` of the previous page)."""

    class Meta:
        unknown = EXCLUDE

    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    limit = fields.Integer(load_default=BOOK_PAGE, validate=validate.Range(1, BOOK_MAX_PAGE))
    after = fields.String(
        load_default=None, validate=validate.Regexp(rf"{WORKLIST_CURSOR_PATTERN}\Z")
    )


class BookEntrySchema(_Response):
    code = fields.String(required=True)
    procedure_code = fields.String(required=True)
    procedure_name = fields.String(required=True)
    applicant_name = fields.String(required=True)
    channel = fields.String(required=True)
    received_at = fields.DateTime(required=True)
    appointment_at = fields.DateTime(required=True)
    return_method = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "received or not_accepted"})
    state = fields.String(allow_none=True)
    status_label = fields.String(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    timing = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)


class BookSchema(_Response):
    """GET /api/offices/{office}/book: the tracking book (form 07), applicants' names included."""

    office_id = fields.String(required=True)
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    entries = fields.List(fields.Nested(BookEntrySchema), required=True)
    next = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "`after` for the next page; null on the last page"},
    )


class WorklistSchema(_Response):
    office_id = fields.String(required=True)
    dossiers = fields.List(fields.Nested(DossierSummarySchema), required=True)
    next = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "`after` for the next page; null on the last page"},
    )


class TimingCountsSchema(_Response):
    early = fields.Integer(required=True)
    on_time = fields.Integer(required=True)
    late = fields.Integer(required=True)
    total = fields.Integer(required=True)


class StepCountsSchema(_Response):
    """The office's own steps: handed on, or decided, judged against each step's own due."""

    handed_on = fields.Nested(TimingCountsSchema, required=True)
    decided = fields.Nested(TimingCountsSchema, required=True)
    on_time_rate = fields.Float(required=True, allow_none=True)


class StatsSchema(_Response):
    """GET /api/stats: every figure is defined in services/routing/stats.py (and the README)."""

    office_id = fields.String(required=True)
    from_ = fields.DateTime(required=True, data_key="from")
    to = fields.DateTime(required=True)
    as_of = fields.DateTime(required=True)
    received = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    not_accepted = fields.Integer(required=True)
    transferred_in = fields.Integer(required=True)
    steps = fields.Nested(StepCountsSchema, required=True)
    resolved = fields.Nested(TimingCountsSchema, required=True)
    refused = fields.Integer(required=True)
    stopped = fields.Integer(required=True)
    withdrawn = fields.Integer(required=True)
    pending = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    suspended_for_supplement = fields.Integer(required=True)
    awaiting_payment = fields.Integer(
        load_default=0,
        metadata={"description": "open dossiers waiting for a fee or a financial obligation"},
    )
    awaiting_check = fields.Integer(
        load_default=0,
        metadata={"description": "dossiers filed online not yet accepted by the counter"},
    )
    returned = fields.Integer(required=True)
    on_time_rate = fields.Float(required=True, allow_none=True)


class RefundSchema(_Response):
    amount_vnd = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    method = fields.String(required=True)
    reason = fields.String(required=True)


class PaymentSchema(_Response):
    """One payment of a dossier: a fee or a financial obligation (contracts/money.py)."""

    payment_id = fields.String(required=True)
    dossier_code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    office_id = fields.String(required=True)
    amount_vnd = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    method = fields.String(allow_none=True)
    receipt_number = fields.String(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    pay_by = fields.DateTime(allow_none=True)
    pay_url = fields.String(allow_none=True, metadata={"description": "while due online"})
    reason = fields.String(allow_none=True)
    refunded_vnd = fields.Integer(required=True)
    refunds = fields.List(fields.Nested(RefundSchema), required=True)


class PaymentsSchema(_Response):
    """GET /api/payments: what an office collected in a period, by channel."""

    office_id = fields.String(required=True)
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    payments = fields.List(fields.Nested(PaymentSchema), required=True)
    collected_vnd = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "paid in the period, by method, and total"},
    )
    refunded_vnd = fields.Integer(required=True)
    fees = fields.Dict(
        required=True,
        metadata={"description": "payable dossiers (fees paid), of which online, online_share"},
    )


class ScorecardQuerySchema(PaymentsQuerySchema):
    """`?office=&from=YYYY-MM-DD&to=YYYY-MM-DD`: the Decision 766 scorecard of an office and of
    every office directly below it, for the local days from..to (at most 366 days)."""


class IndicatorSchema(_Response):
    """One indicator of the scorecard (contracts/scorecard.py; docs/scorecard.md)."""

    group = fields.String(required=True, validate=validate.OneOf([g.key for g in GROUPS]))
    group_name = fields.String(required=True)
    name = fields.String(required=True)
    formula = fields.String(required=True, metadata={"description": "in words; '' without data"})
    inputs = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "the figures the rate is computed from; {} without data"},
    )
    rate = fields.Float(required=True, allow_none=True, metadata={"description": "0..1"})
    points_max = fields.Integer(required=True)
    points = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "points_max × rate; null when the indicator scored nothing"},
    )
    reason = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf([NO_DATA_YET, NOTHING_IN_PERIOD, NO_EVALUATION_IN_PERIOD]),
        metadata={
            "description": "why points is null: no_data_yet (the system holds no such data), "
            "nothing_in_period (the ratio's denominator is 0) or no_evaluation_in_period (no "
            "citizen evaluated a dossier of the office in the period)"
        },
    )


class UnscoredSchema(_Response):
    group = fields.String(required=True)
    reason = fields.String(required=True)


class ScoreTotalsSchema(_Response):
    points = fields.Float(required=True, metadata={"description": "the indicators' points"})
    points_max = fields.Integer(
        required=True, metadata={"description": "the maximum of the indicators that scored"}
    )
    points_possible = fields.Integer(required=True, metadata={"description": "the decision's 100"})
    unscored = fields.List(fields.Nested(UnscoredSchema), required=True)


class OfficeScoreSchema(_Response):
    office_id = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    parent_id = fields.String(required=True, allow_none=True)
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True)
    totals = fields.Nested(ScoreTotalsSchema, required=True)


class ScorecardSchema(_Response):
    """GET /api/scorecard: the office asked for first, then every office directly below it."""

    office_id = fields.String(required=True)
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    offices = fields.List(fields.Nested(OfficeScoreSchema), required=True)


class MeSchema(_Response):
    """GET /api/me: who the token belongs to."""

    name = fields.String(required=True)
    role = fields.String(required=True)
    office_id = fields.String(required=True)
    office_name = fields.String(required=True)


class ProceduresSchema(_Response):
    procedures = fields.List(fields.Dict(), required=True)


class OfficesSchema(_Response):
    offices = fields.List(fields.Dict(), required=True)


class OkSchema(_Response):
    ok = fields.Boolean(required=True)


class CallbackAppliedSchema(_Response):
    status = fields.String(required=True)


class TrackStepSchema(_Response):
    level = fields.String(required=True)
    office_name = fields.String(required=True)
    due_at = fields.DateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["done", "current", "pending"]))


class TrackSchema(_Response):
    """GET /api/track/{code}: what a citizen may see; no personal data."""

    code = fields.String(required=True)
    procedure_name = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "in Vietnamese"})
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    national_status = fields.Integer(required=True)
    received_at = fields.DateTime(required=True)
    appointment_at = fields.DateTime(required=True)
    returned_at = fields.DateTime(allow_none=True)
    return_method = fields.String(required=True)
    steps = fields.List(fields.Nested(TrackStepSchema), required=True)
    payments = fields.List(
        fields.Dict(), load_default=list, metadata={"description": "fees and obligations"}
    )


class VerificationRequestSchema(Schema):
    """POST /api/verifications: send a one-time code by SMS to this phone, for this purpose
    (contracts/verification.py)."""

    class Meta:
        unknown = RAISE

    phone = fields.String(required=True, validate=validate.Length(min=1, max=32))
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))


class VerificationCodeSchema(Schema):
    """POST /api/verifications/{verification_id}: the code the SMS brought."""

    class Meta:
        unknown = RAISE

    code = fields.String(required=True, validate=validate.Regexp(VERIFICATION_CODE))


class VerificationSchema(_Response):
    """A code sent: the verification's id (the proof's name once the code is confirmed), where
    the SMS went (masked) and until when the code holds."""

    verification_id = fields.String(required=True)
    to = fields.String(required=True, metadata={"description": "the number, masked"})
    expires_at = fields.DateTime(required=True)


class VerifiedSchema(_Response):
    verified = fields.Boolean(required=True)
    tries_left = fields.Integer(required=True)
