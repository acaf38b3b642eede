"""The OpenAPI 3 document of the gateway's JSON API, built with apispec from the marshmallow
schemas in contracts/ (served at /api/openapi.json). OPERATIONS is the list of endpoints; a unit
test checks that every /api route of the gateway is in it."""

from functools import cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from contracts import api as schemas
from contracts import documents, payment_platform
from contracts.carrier import SIGNATURE_HEADER, StatusCallbackSchema
from services.gateway import api_examples as ex

_CODE = {
    "name": "code",
    "in": "path",
    "required": True,
    "description": "dossier code {office}-{yyMMdd}-{NNNN}",
    "schema": {"type": "string"},
    "example": ex.CODE,
}
_BEARER = [{"officer": []}]
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "repeat a request whose answer was lost with the same key: the dossier or "
    "action is made once (8-64 of A-Z a-z 0-9 _ -)",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
    "example": "c1f0e6a2-counter-7",
}


def _json(schema, example, description="OK") -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema, "example": example}},
    }


def _office(example: str) -> dict:
    return {
        "name": "office_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "example": example,
    }


def _limit(maximum: int, default: int) -> dict:
    return {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "rows in the page",
        "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
        "example": default,
    }


def _query(name: str, description: str, example, required=True, pattern=None) -> dict:
    schema = {"type": "string"}
    if pattern:
        schema["pattern"] = pattern
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
        "example": example,
    }


_SCORECARD_QUERY = [
    _query("office", "office id: the office and the offices directly below it", "T82"),
    _query("from", "first day, YYYY-MM-DD", "2026-10-01"),
    _query("to", "last day, YYYY-MM-DD (at most 366 days)", "2026-12-31"),
]

# online public services: a proved phone, raw file bodies, downloads (services/gateway/online.py)
_VERIFICATION = _query(
    "verification_id", "the verification that proved the citizen's phone", ex.VERIFICATION_ID
)
_FILENAME = {
    "name": "X-Filename",
    "in": "header",
    "required": False,
    "description": "the file's name, percent-encoded UTF-8 (its type is read from its content)",
    "schema": {"type": "string", "maxLength": 600},
    "example": "gi%E1%BA%A5y%20ch%E1%BB%A9ng%20sinh.pdf",
}
_PART = {
    "name": "document_id",
    "in": "path",
    "required": True,
    "description": "the part: a document id of the procedure",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
    "example": "giay_chung_sinh",
}
_FILE = {
    "name": "file_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "example": ex.FILE_ID,
}
_BINARY = {"type": "string", "format": "binary"}
_FILE_BODY = {  # any Content-Type: the file's type is read from its bytes
    "required": True,
    "content": {"application/octet-stream": {"schema": _BINARY, "example": "%PDF-1.4 …"}},
}
_DOWNLOAD = {
    "description": "the file, Content-Disposition: attachment",
    "content": {
        "application/pdf": {"schema": _BINARY, "example": "%PDF-1.4 …"},
        "image/jpeg": {"schema": _BINARY, "example": "…"},
        "image/png": {"schema": _BINARY, "example": "…"},
    },
}

# (path, method, operation)
OPERATIONS: list[tuple[str, str, dict]] = [
    (
        "/api/dossiers",
        "post",
        {
            "summary": "Receive a dossier at the caller's counter (form 01); with "
            "not_accepted_reason the counter refuses it (form 03)",
            "security": _BEARER,
            "parameters": [_IDEMPOTENCY_KEY],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": schemas.ReceiveRequestSchema,
                        "example": ex.RECEIVE_REQUEST,
                    }
                },
            },
            "responses": {"201": _json(schemas.ReceiveResponseSchema, ex.RECEIVE_RESPONSE)},
        },
    ),
    (
        "/api/dossiers/{code}",
        "get",
        {
            "summary": "The whole dossier: timeline (workflow, SMS, postal), control sheet, "
            "and the actions the caller may take now",
            "security": _BEARER,
            "parameters": [_CODE],
            "responses": {"200": _json(schemas.DossierSchema, ex.DOSSIER)},
        },
    ),
    (
        "/api/dossiers/{code}/receipt",
        "get",
        {
            "summary": "The receipt (form 01) as issued at the counter, applicant included",
            "security": _BEARER,
            "parameters": [_CODE],
            "responses": {"200": _json(schemas.ReceiptResponseSchema, ex.RECEIPT)},
        },
    ),
    (
        "/api/dossiers/{code}/actions",
        "post",
        {
            "summary": "An officer's action; 409 if the state forbids it, 403 at another office",
            "security": _BEARER,
            "parameters": [_CODE, _IDEMPOTENCY_KEY],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": schemas.ActionRequestSchema,
                        "example": ex.ACTION_REQUEST,
                    }
                },
            },
            "responses": {"200": _json(schemas.DossierSummarySchema, ex.SUMMARY)},
        },
    ),
    (
        "/api/offices/{office_id}/worklist",
        "get",
        {
            "summary": "Dossiers at that office, soonest due first, with due status, a page at "
            "a time",
            "security": _BEARER,
            "parameters": [
                _office("H824"),
                _limit(schemas.WORKLIST_MAX_PAGE, schemas.WORKLIST_PAGE),
                _query(
                    "after",
                    "the page after this row: the `next` of the page before",
                    ex.WORKLIST_NEXT,
                    required=False,
                    pattern=f"^{schemas.WORKLIST_CURSOR_PATTERN}$",
                ),
                {
                    "name": "part",
                    "in": "query",
                    "required": False,
                    "description": "incoming: transferred here and not yet received by an "
                    "officer; in_hand: the others; omitted: both",
                    "schema": {"type": "string", "enum": list(schemas.WORKLIST_PARTS)},
                    "example": "in_hand",
                },
            ],
            "responses": {"200": _json(schemas.WorklistSchema, ex.WORKLIST)},
        },
    ),
    (
        "/api/offices/{office_id}/book",
        "get",
        {
            "summary": "The tracking book (form 07) of a counter for a period of local days, "
            "in order of receipt, a page at a time (applicants' names included)",
            "security": _BEARER,
            "parameters": [
                _office("X28720"),
                _query("from", "first day, YYYY-MM-DD", "2026-12-01"),
                _query("to", "last day, YYYY-MM-DD (at most 366 days)", "2026-12-31"),
                _limit(schemas.BOOK_MAX_PAGE, schemas.BOOK_PAGE),
                _query(
                    "after",
                    "the page after this row: the `next` of the page before",
                    ex.BOOK_NEXT,
                    required=False,
                    pattern=f"^{schemas.WORKLIST_CURSOR_PATTERN}$",
                ),
            ],
            "responses": {"200": _json(schemas.BookSchema, ex.BOOK)},
        },
    ),
    (
        "/api/stats",
        "get",
        {
            "summary": "Statistics of an office for a period of local days (both included)",
            "security": _BEARER,
            "parameters": [
                _query("office", "office id", "H824"),
                _query("from", "first day, YYYY-MM-DD", "2026-11-01"),
                _query("to", "last day, YYYY-MM-DD", "2026-11-30"),
            ],
            "responses": {"200": _json(schemas.StatsSchema, ex.STATS)},
        },
    ),
    (
        "/api/payments",
        "get",
        {
            "summary": "What an office collected on local days from..to (both included): each "
            "payment, the totals by method, refunds, and the share of fees paid online",
            "security": _BEARER,
            "parameters": [
                _query("office", "office id", "X28720"),
                _query("from", "first day, YYYY-MM-DD", "2026-12-01"),
                _query("to", "last day, YYYY-MM-DD", "2026-12-31"),
            ],
            "responses": {"200": _json(schemas.PaymentsSchema, ex.PAYMENTS)},
        },
    ),
    (
        "/api/scorecard",
        "get",
        {
            "summary": "The Decision 766 scorecard (docs/scorecard.md) of an office and of every "
            "office directly below it, for local days from..to (both included, at most 366): each "
            "group's indicator with its formula, inputs, rate and points; a group this system has "
            "no data for yet scores null with reason no_data_yet",
            "security": _BEARER,
            "parameters": _SCORECARD_QUERY,
            "responses": {"200": _json(schemas.ScorecardSchema, ex.SCORECARD)},
        },
    ),
    (
        "/api/scorecard.csv",
        "get",
        {
            "summary": "The same scorecard as a CSV download (UTF-8 with a BOM): the offices as "
            "rows, each group's rate and points as columns, then the totals",
            "security": _BEARER,
            "parameters": _SCORECARD_QUERY,
            "responses": {
                "200": {
                    "description": "CSV, Content-Disposition: attachment",
                    "content": {
                        "text/csv": {"schema": {"type": "string"}, "example": ex.SCORECARD_CSV}
                    },
                }
            },
        },
    ),
    (
        "/api/scorecard.svg",
        "get",
        {
            "summary": "The same scorecard as a chart: the offices' points stacked by group "
            "(SVG drawn by pygal)",
            "security": _BEARER,
            "parameters": _SCORECARD_QUERY,
            "responses": {
                "200": {
                    "description": "an SVG image",
                    "content": {
                        "image/svg+xml": {
                            "schema": {"type": "string"},
                            "example": '<svg xmlns="http://www.w3.org/2000/svg">…</svg>',
                        }
                    },
                }
            },
        },
    ),
    (
        "/api/dossiers/{code}/payments",
        "post",
        {
            "summary": "The citizen pays what is due (a fee awaited online, or a financial "
            "obligation) at the dossier's counter: the payment with its receipt number; 409 "
            "when nothing is due",
            "security": _BEARER,
            "parameters": [_CODE],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": schemas.CounterPaymentSchema,
                        "example": ex.COUNTER_PAYMENT,
                    }
                },
            },
            "responses": {"200": _json(schemas.PaymentSchema, ex.PAYMENT)},
        },
    ),
    (
        "/api/callbacks/payment",
        "post",
        {
            "summary": "The payment platform's signed status callback: 200 applied, 409 a "
            "replay, 401 a bad or stale signature, 404 an unknown payment",
            "parameters": [
                {
                    "name": payment_platform.SIGNATURE_HEADER,
                    "in": "header",
                    "required": True,
                    "description": "t=<unix time>,v1=<hex HMAC-SHA256 of 't.body'>",
                    "schema": {"type": "string"},
                    "example": "t=1764730800,v1=5f2b8e0c",
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": payment_platform.StatusCallbackSchema,
                        "example": ex.PAYMENT_CALLBACK,
                    }
                },
            },
            "responses": {
                "200": _json(schemas.CallbackAppliedSchema, {"status": "applied"}),
            },
        },
    ),
    (
        "/api/me",
        "get",
        {
            "summary": "The officer the bearer token belongs to",
            "security": _BEARER,
            "responses": {"200": _json(schemas.MeSchema, ex.ME)},
        },
    ),
    (
        "/api/verifications",
        "post",
        {
            "summary": "Send a one-time code by SMS to confirm a phone, for one purpose; 429 "
            "past the limits per phone and per client address",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": schemas.VerificationRequestSchema,
                        "example": ex.VERIFICATION_REQUEST,
                    }
                },
            },
            "responses": {"201": _json(schemas.VerificationSchema, ex.VERIFICATION)},
        },
    ),
    (
        "/api/verifications/{verification_id}",
        "post",
        {
            "summary": "Confirm the phone with the code the SMS brought; 422 a wrong code "
            "(tries_left), 410 expired, 429 locked after too many wrong codes",
            "parameters": [
                {
                    "name": "verification_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    "example": ex.VERIFICATION_ID,
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": schemas.VerificationCodeSchema,
                        "example": ex.VERIFICATION_CODE,
                    }
                },
            },
            "responses": {"200": _json(schemas.VerifiedSchema, ex.VERIFIED)},
        },
    ),
    (
        "/api/track/{code}",
        "get",
        {
            "summary": "The citizen's view of a dossier: status in Vietnamese, appointment, "
            "steps; no personal data. 404 for an unknown code or wrong phone digits alike; "
            "429 after too many failed lookups",
            "parameters": [
                _CODE,
                _query("phone", "last four digits of the applicant's phone", "5678"),
            ],
            "responses": {"200": _json(schemas.TrackSchema, ex.TRACK)},
        },
    ),
    (
        "/api/catalog/procedures",
        "get",
        {
            "summary": "The procedure catalog: documents, durations, route, fee",
            "responses": {"200": _json(schemas.ProceduresSchema, ex.PROCEDURES)},
        },
    ),
    (
        "/api/catalog/offices",
        "get",
        {
            "summary": "The office hierarchy",
            "responses": {"200": _json(schemas.OfficesSchema, ex.OFFICES)},
        },
    ),
    (
        "/api/callbacks/sms",
        "get",
        {
            "summary": "Kannel's delivery report for one SMS",
            "parameters": [
                _query("id", "the SMS message id", "X28720-261203-0007:dossier_received"),
                _query("type", "Kannel DLR type (1 delivered, 2 failed, 8 sent, …)", "1"),
                _query("t", "the token of this SMS's report URL (401 without it)", ex.DLR_TOKEN),
            ],
            "responses": {"200": _json(schemas.OkSchema, {"ok": True})},
        },
    ),
    (
        "/api/callbacks/postal",
        "post",
        {
            "summary": "The carrier's signed status callback: 200 applied, 409 a replay, "
            "401 a bad or stale signature",
            "parameters": [
                {
                    "name": SIGNATURE_HEADER,
                    "in": "header",
                    "required": True,
                    "description": "t=<unix time>,v1=<hex HMAC-SHA256 of 't.body'>",
                    "schema": {"type": "string"},
                    "example": "t=1764730800,v1=5f2b8e0c",
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": StatusCallbackSchema,
                        "example": ex.POSTAL_CALLBACK,
                    }
                },
            },
            "responses": {
                "200": _json(schemas.CallbackAppliedSchema, {"status": "applied"}),
            },
        },
    ),
    # ---- online public services (issue 20): files go in and out as raw bytes
    (
        "/api/online/files",
        "post",
        {
            "summary": "A citizen uploads one document file (PDF, JPEG or PNG, checked by content; "
            "10 MB) under a verification that proved their phone; 201 its reference. 401 without "
            "a proved phone; 413, 415 or 422 for a file refused, which is not stored",
            "parameters": [_VERIFICATION, _FILENAME],
            "requestBody": _FILE_BODY,
            "responses": {"201": _json(documents.FileRefSchema, ex.FILE_REF, "stored")},
        },
    ),
    (
        "/api/online/dossiers",
        "post",
        {
            "summary": "A citizen files a dossier online at a counter that may receive it, with "
            "the files uploaded under the same verification: 201 its code (national status 1, "
            "to check at the counter)",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": documents.OnlineSubmissionSchema,
                        "example": ex.ONLINE_SUBMISSION,
                    }
                },
            },
            "responses": {"201": _json({"type": "object"}, ex.ONLINE_SUBMITTED, "filed")},
        },
    ),
    (
        "/api/dossiers/{code}/documents",
        "get",
        {
            "summary": "The dossier's parts with their digitisation status and files, and its "
            "electronic result, for an officer who may read the dossier",
            "security": _BEARER,
            "parameters": [_CODE],
            "responses": {"200": _json({"type": "object"}, ex.DOCUMENTS)},
        },
    ),
    (
        "/api/dossiers/{code}/documents/{document_id}",
        "post",
        {
            "summary": "The receiving counter scans a paper part in (raw bytes); 403 elsewhere",
            "security": _BEARER,
            "parameters": [_CODE, _PART, _FILENAME],
            "requestBody": _FILE_BODY,
            "responses": {"201": _json({"type": "object"}, ex.DOCUMENTS, "stored")},
        },
    ),
    (
        "/api/dossiers/{code}/documents/{document_id}/reuse",
        "post",
        {
            "summary": "The receiving counter re-uses an earlier dossier's part (or its result, "
            "source_document_id 'result') of the same applicant instead of asking for the paper",
            "security": _BEARER,
            "parameters": [_CODE, _PART],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": documents.ReuseRequestSchema,
                        "example": ex.REUSE_REQUEST,
                    }
                },
            },
            "responses": {"201": _json({"type": "object"}, ex.DOCUMENTS, "re-used")},
        },
    ),
    (
        "/api/dossiers/{code}/reuse-offers",
        "get",
        {
            "summary": "What earlier dossiers of the same applicant hold (matched by the keyed "
            "hash of the ID number on this dossier's receipt), to re-use",
            "security": _BEARER,
            "parameters": [_CODE],
            "responses": {"200": _json({"type": "object"}, ex.REUSE_OFFERS)},
        },
    ),
    (
        "/api/dossiers/{code}/files/{file_id}",
        "get",
        {
            "summary": "One of the dossier's files, as an attachment, for an officer who may "
            "read the dossier; 404 for a file of another dossier",
            "security": _BEARER,
            "parameters": [_CODE, _FILE],
            "responses": {"200": _DOWNLOAD},
        },
    ),
    (
        "/api/dossiers/{code}/result",
        "post",
        {
            "summary": "The deciding office issues the result as a file (raw bytes): the citizen "
            "is told by SMS and downloads it on the tracking page; 409 once issued",
            "security": _BEARER,
            "parameters": [_CODE, _FILENAME],
            "requestBody": _FILE_BODY,
            "responses": {"201": _json({"type": "object"}, ex.DOCUMENTS, "issued")},
        },
    ),
    (
        "/api/track/{code}/documents",
        "get",
        {
            "summary": "The citizen's own dossier's parts, what the counter asked for, and its "
            "electronic result, after the phone was proved by SMS (404 for another's dossier)",
            "parameters": [_CODE, _VERIFICATION],
            "responses": {"200": _json({"type": "object"}, ex.CITIZEN_DOCUMENTS)},
        },
    ),
    (
        "/api/track/{code}/documents/{document_id}",
        "post",
        {
            "summary": "The citizen uploads a part the counter asked for before accepting the "
            "dossier (raw bytes); the dossier is to check again",
            "parameters": [_CODE, _PART, _VERIFICATION, _FILENAME],
            "requestBody": _FILE_BODY,
            "responses": {"201": _json({"type": "object"}, ex.CITIZEN_UPLOADED, "stored")},
        },
    ),
    (
        "/api/track/{code}/files/{file_id}",
        "get",
        {
            "summary": "One of the citizen's own dossier's files (its result included), as an "
            "attachment, after the phone was proved by SMS",
            "parameters": [_CODE, _FILE, _VERIFICATION],
            "responses": {"200": _DOWNLOAD},
        },
    ),
    (
        "/api/openapi.json",
        "get",
        {
            "summary": "This document",
            "responses": {
                "200": {
                    "description": "OpenAPI 3",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        },
    ),
]


def all_operations() -> list[tuple[str, str, dict]]:
    """OPERATIONS and those of the citizens' voice (services/gateway/voice_openapi.py)."""
    from services.gateway import voice_openapi  # it builds on this module's helpers

    return OPERATIONS + voice_openapi.OPERATIONS


@cache
def openapi_spec() -> dict:
    spec = APISpec(
        title="lienthong gateway",
        version="1.0.0",
        openapi_version="3.0.3",
        info={
            "description": "JSON API of the one-stop-shop liaison system. Errors are "
            '{"error": {"code", "message", …}} with 4xx; officers send a bearer token.'
        },
        plugins=[MarshmallowPlugin()],
    )
    spec.components.security_scheme("officer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=schemas.ErrorSchema)
    # two outside parties call back with a body of the same class name: each gets its own
    spec.components.schema("CarrierCallback", schema=StatusCallbackSchema)
    spec.components.schema("PaymentCallback", schema=payment_platform.StatusCallbackSchema)
    for path, method, operation in all_operations():
        responses = {
            **operation["responses"],
            "default": {
                "description": "an error",
                "content": {
                    "application/json": {"schema": "Error", "example": ex.ERROR},
                },
            },
        }
        spec.path(path=path, operations={method: {**operation, "responses": responses}})
    return spec.to_dict()
