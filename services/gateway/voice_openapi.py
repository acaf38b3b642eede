"""The OpenAPI operations of the citizens' voice routes (services/gateway/voice.py), with their
examples; services/gateway/openapi.py adds them to the document."""

from contracts import feedback as fb
from services.gateway.openapi import _BEARER, _CODE, _SCORECARD_QUERY, _json, _query

FEEDBACK_CODE = "PA-X28720-261205-0001"
_FEEDBACK_CODE = {
    "name": "code",
    "in": "path",
    "required": True,
    "description": "feedback code PA-{office}-{yyMMdd}-{NNNN}",
    "schema": {"type": "string"},
    "example": FEEDBACK_CODE,
}
_LEVELS = [
    {"value": 1, "label": "Rất hài lòng", "satisfied": True},
    {"value": 2, "label": "Hài lòng", "satisfied": True},
    {"value": 3, "label": "Không hài lòng", "satisfied": False},
]
EVALUATION = {
    "open": False,
    "evaluated": True,
    "level": 2,
    "channel": "page",
    "evaluated_at": "2026-12-05T09:12:00+07:00",
    "levels": _LEVELS,
    "questions": [{"id": "attitude", "text": "Thái độ, tác phong của cán bộ"}],
}
EVALUATE = {"level": 2, "answers": {"attitude": 1}}
CITIZEN_FEEDBACK = {
    "code": FEEDBACK_CODE,
    "kind": "complaint",
    "kind_label": "Phản ánh",
    "status": "answered",
    "status_label": "Đã trả lời",
    "content": "Cán bộ hướng dẫn chưa rõ về giấy tờ cần nộp.",
    "received_at": "2026-12-05T09:00:00+07:00",
    "due_at": "2026-12-19T17:00:00+07:00",
    "answer": "Bộ phận Một cửa đã bổ sung bảng hướng dẫn tại quầy.",
    "answered_at": "2026-12-08T10:00:00+07:00",
}
OFFICER_FEEDBACK = {
    **CITIZEN_FEEDBACK,
    "office_id": "X28720",
    "dossier_code": "X28720-261203-0001",
    "phone_tail": "5678",
    "assignee": "Trần Thị Bích",
    "assigned_by": "Võ Thành Đạt",
    "answered_by": "Võ Thành Đạt",
    "timing": "on_time",
    "overdue": False,
}
SUBMIT = {
    "kind": "complaint",
    "content": "Cán bộ hướng dẫn chưa rõ về giấy tờ cần nộp.",
    "dossier_code": "X28720-261203-0001",
    "phone": "5678",
}
SATISFACTION = {
    "office_id": "H824",
    "from": "2026-01-01",
    "to": "2026-12-31",
    "target_rate": 95.0,
    "offices": [
        {
            "office_id": "H824",
            "name": "Huyện Gò Công Đông",
            "level": "district",
            "evaluations": {
                "total": 20,
                "by_level": [
                    {"level": 1, "label": "Rất hài lòng", "count": 12},
                    {"level": 2, "label": "Hài lòng", "count": 7},
                    {"level": 3, "label": "Không hài lòng", "count": 1},
                ],
                "satisfaction_rate": 95.0,
            },
            "feedback": {
                "received": 3,
                "answered_on_time": 2,
                "answered_late": 0,
                "pending": 1,
                "pending_past_due": 0,
            },
        }
    ],
    "months": [{"month": "2026-12", "evaluations": 20, "satisfaction_rate": 95.0}],
}
_PHONE = _query("phone", "last four digits of the phone", "5678")


def _body(schema, example) -> dict:
    return {
        "required": True,
        "content": {"application/json": {"schema": schema, "example": example}},
    }


def _svg(description: str) -> dict:
    return {
        "description": description,
        "content": {"image/svg+xml": {"schema": {"type": "string"}, "example": "<svg …>"}},
    }


OPERATIONS: list[tuple[str, str, dict]] = [
    (
        "/api/track/{code}/evaluation",
        "get",
        {
            "summary": "Whether the citizen may evaluate the dossier (code and phone check as "
            "/api/track), with the levels and questions",
            "parameters": [_CODE, _PHONE],
            "responses": {"200": _json(fb.EvaluationViewSchema, EVALUATION)},
        },
    ),
    (
        "/api/track/{code}/evaluation",
        "post",
        {
            "summary": "The citizen's evaluation on the tracking page: once per dossier (409 "
            "already_evaluated), once its result is returned (409 not_returned)",
            "parameters": [_CODE],
            "requestBody": _body(fb.TrackEvaluationSchema, {**EVALUATE, "phone": "5678"}),
            "responses": {"201": _json(fb.EvaluationViewSchema, EVALUATION)},
        },
    ),
    (
        "/api/dossiers/{code}/evaluation",
        "get",
        {
            "summary": "The counter's kiosk: whether the dossier just handed over may be evaluated",
            "security": _BEARER,
            "parameters": [_CODE],
            "responses": {"200": _json(fb.EvaluationViewSchema, EVALUATION)},
        },
    ),
    (
        "/api/dossiers/{code}/evaluation",
        "post",
        {
            "summary": "The citizen's evaluation on the counter's kiosk (opened by an officer)",
            "security": _BEARER,
            "parameters": [_CODE],
            "requestBody": _body(fb.EvaluationSchema, EVALUATE),
            "responses": {"201": _json(fb.EvaluationViewSchema, EVALUATION)},
        },
    ),
    (
        "/api/feedback",
        "post",
        {
            "summary": "A citizen's feedback (phản ánh, kiến nghị): with a dossier code and the "
            "phone's last 4 digits, or with a phone confirmed by an SMS code and an office. 429 "
            "past the limits per phone and per client address",
            "requestBody": _body(fb.FeedbackSubmissionSchema, SUBMIT),
            "responses": {
                "201": _json(fb.CitizenFeedbackSchema, {**CITIZEN_FEEDBACK, "status": "received"})
            },
        },
    ),
    (
        "/api/feedback/{code}",
        "get",
        {
            "summary": "The citizen's view of their feedback and its answer (404 for a wrong "
            "code or phone alike)",
            "parameters": [_FEEDBACK_CODE, _PHONE],
            "responses": {"200": _json(fb.CitizenFeedbackSchema, CITIZEN_FEEDBACK)},
        },
    ),
    (
        "/api/feedback/{code}/assign",
        "post",
        {
            "summary": "A leader of the feedback's office (or above it) names who handles it",
            "security": _BEARER,
            "parameters": [_FEEDBACK_CODE],
            "requestBody": _body(fb.AssignSchema, {"assignee": "Trần Thị Bích"}),
            "responses": {"200": _json(fb.OfficerFeedbackSchema, OFFICER_FEEDBACK)},
        },
    ),
    (
        "/api/feedback/{code}/answer",
        "post",
        {
            "summary": "The answer, by a leader or the assignee: sent to the citizen by SMS",
            "security": _BEARER,
            "parameters": [_FEEDBACK_CODE],
            "requestBody": _body(fb.AnswerSchema, {"answer": CITIZEN_FEEDBACK["answer"]}),
            "responses": {"200": _json(fb.OfficerFeedbackSchema, OFFICER_FEEDBACK)},
        },
    ),
    (
        "/api/offices/{office_id}/feedback",
        "get",
        {
            "summary": "The feedback of an office; for its leaders also of the offices below",
            "security": _BEARER,
            "parameters": [
                {
                    "name": "office_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    "example": "X28720",
                }
            ],
            "responses": {
                "200": _json(
                    fb.OfficeFeedbackSchema, {"office_id": "X28720", "feedback": [OFFICER_FEEDBACK]}
                )
            },
        },
    ),
    (
        "/api/satisfaction",
        "get",
        {
            "summary": "Evaluations by level, the satisfaction rate and the feedback figures of "
            "an office and of the offices directly below it, and the office's months",
            "security": _BEARER,
            "parameters": _SCORECARD_QUERY,
            "responses": {"200": _json(fb.SatisfactionSchema, SATISFACTION)},
        },
    ),
    (
        "/api/satisfaction.svg",
        "get",
        {
            "summary": "A chart of the satisfaction rate (pygal SVG): offices side by side, or "
            "the office's months",
            "security": _BEARER,
            "parameters": [
                *_SCORECARD_QUERY,
                _query("chart", "offices | months", "offices", required=False),
            ],
            "responses": {"200": _svg("the chart")},
        },
    ),
]
