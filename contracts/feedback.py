"""Citizens' voice: the satisfaction levels and questions of a dossier's evaluation (configuration,
contracts/data/satisfaction.yaml, the national portal's levels by default), the satisfaction
rate, reading an SMS reply, feedback codes (phản ánh, kiến nghị) and the bodies and events of
both. Pure; the data file is read lazily."""

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from contracts.catalog_loader import read_data
from contracts.catalog_loader import validate as validate_data
from contracts.codes import CODE_PATTERN, OFFICE_ID_PATTERN

SMS, PAGE, KIOSK = "sms", "page", "kiosk"  # how an evaluation was given
CHANNELS = (SMS, PAGE, KIOSK)
COMPLAINT, RECOMMENDATION = "complaint", "recommendation"  # phản ánh, kiến nghị
KINDS = {COMPLAINT: "Phản ánh", RECOMMENDATION: "Kiến nghị"}
RECEIVED, ASSIGNED, ANSWERED = "received", "assigned", "answered"
STATUS_LABELS_VI = {RECEIVED: "Đã tiếp nhận", ASSIGNED: "Đang xử lý", ANSWERED: "Đã trả lời"}
MAX_TEXT = 2000  # characters of a feedback's content or of an answer
FEEDBACK_CODE_PATTERN = rf"PA-{OFFICE_ID_PATTERN}-[0-9]{{6}}-[0-9]{{4}}"
_FEEDBACK_CODE = re.compile(FEEDBACK_CODE_PATTERN)
# what an envelope's `dossier_code` may be: a dossier's code, or a feedback's for its events
SUBJECT_PATTERN = rf"(?:{CODE_PATTERN}|{FEEDBACK_CODE_PATTERN})"
_REPLY = re.compile(r"^\s*(?:DG\s*)?([0-9])\s*[.!]?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Level:
    value: int
    label: str
    satisfied: bool


@dataclass(frozen=True)
class Question:
    id: str
    text: str


@dataclass(frozen=True)
class Satisfaction:
    levels: tuple[Level, ...]
    questions: tuple[Question, ...]
    feedback_due_days: int
    invitation_days: int

    def level(self, value: int) -> Level | None:
        return next((lv for lv in self.levels if lv.value == value), None)


class _LevelRecord(Schema):
    value = fields.Integer(required=True, validate=validate.Range(min=0, max=9))
    label = fields.String(required=True, validate=validate.Length(min=1, max=60))
    satisfied = fields.Boolean(required=True)


class _QuestionRecord(Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]{1,32}$"))
    text = fields.String(required=True, validate=validate.Length(min=1, max=200))


class _SatisfactionFile(Schema):
    levels = fields.List(
        fields.Nested(_LevelRecord), required=True, validate=validate.Length(2, 10)
    )
    questions = fields.List(fields.Nested(_QuestionRecord), load_default=list)
    feedback_due_days = fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    invitation_days = fields.Integer(required=True, validate=validate.Range(min=1, max=365))

    @validates_schema
    def _distinct(self, data: dict[str, Any], **kwargs: Any) -> None:
        if len({lv["value"] for lv in data["levels"]}) != len(data["levels"]):
            raise ValidationError("each level's value must be different", "levels")


def parse_satisfaction(data: object, filename: str = "satisfaction.yaml") -> Satisfaction:
    loaded = validate_data(_SatisfactionFile(), data, filename)
    return Satisfaction(
        levels=tuple(Level(**lv) for lv in loaded["levels"]),
        questions=tuple(Question(**q) for q in loaded["questions"]),
        feedback_due_days=loaded["feedback_due_days"],
        invitation_days=loaded["invitation_days"],
    )


@cache
def load_satisfaction() -> Satisfaction:
    """contracts/data/satisfaction.yaml, read and checked once."""
    return parse_satisfaction(read_data("satisfaction.yaml"))


def reply_level(text: str, config: Satisfaction) -> int | None:
    """The level an SMS reply gives ("1", " 2 ", "DG 3"), or None if it gives none."""
    match = _REPLY.match(text or "")
    if not match or config.level(int(match.group(1))) is None:
        return None
    return int(match.group(1))


def satisfaction_rate(by_level: dict[int, int], config: Satisfaction) -> float | None:
    """Satisfied evaluations / all, in percent to one decimal; None when there are none."""
    total = sum(by_level.values())
    if not total:
        return None
    satisfied = sum(n for v, n in by_level.items() if (lv := config.level(v)) and lv.satisfied)
    return round(100 * satisfied / total, 1)


def format_feedback_code(office_id: str, day: date, number: int) -> str:
    """PA-{office}-{yyMMdd}-{NNNN}: the number-th feedback an office received that day."""
    return f"PA-{office_id}-{day:%y%m%d}-{number:04d}"


def is_feedback_code(text: str) -> bool:
    return isinstance(text, str) and _FEEDBACK_CODE.fullmatch(text) is not None


def office_of_feedback(code: str) -> str:
    return code.split("-")[1]


def _answers_valid(answers: dict[str, Any]) -> None:
    config = load_satisfaction()
    known = {q.id for q in config.questions}
    for key, value in answers.items():
        if key not in known:
            raise ValidationError(f"no question {key!r}", "answers")
        if isinstance(value, bool) or not isinstance(value, int) or not config.level(value):
            raise ValidationError(f"{key}: not one of the levels", "answers")


class EvaluationSchema(Schema):
    """An evaluation given on the tracking page or the kiosk: the overall level, and optionally
    a level for each configured question."""

    level = fields.Integer(required=True, strict=True)
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)

    @validates_schema
    def _levels(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not load_satisfaction().level(data["level"]):
            raise ValidationError("not one of the levels", "level")
        _answers_valid(data["answers"])


class TrackEvaluationSchema(EvaluationSchema):
    """The citizen's evaluation on /track: the code's phone check, then the evaluation."""

    phone = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{4}$"))


class FeedbackSubmissionSchema(Schema):
    """A citizen's feedback: about a dossier (its code and the phone's last four digits) or not
    (a phone confirmed by an SMS code, `verification_id`, and the office it is for)."""

    kind = fields.String(required=True, validate=validate.OneOf(tuple(KINDS)))
    content = fields.String(required=True, validate=validate.Length(min=10, max=MAX_TEXT))
    dossier_code = fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(f"^{CODE_PATTERN}$")
    )
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{4}$"))
    verification_id = fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(r"^[A-Za-z0-9_\-]{8,100}$")
    )
    office_id = fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(f"^{OFFICE_ID_PATTERN}$")
    )

    @validates_schema
    def _one_way(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["dossier_code"]:
            if not data["phone"]:
                raise ValidationError("the phone's last 4 digits go with a dossier code", "phone")
        elif not data["verification_id"] or not data["office_id"]:
            raise ValidationError(
                "without a dossier code: verification_id and office_id", "verification_id"
            )


class AssignSchema(Schema):
    assignee = fields.String(required=True, validate=validate.Length(min=2, max=100))


class AnswerSchema(Schema):
    answer = fields.String(required=True, validate=validate.Length(min=10, max=MAX_TEXT))


class FeedbackEventSchema(Schema):
    """What the feedback service tells the world. Only `feedback_submitted` carries the phone
    (notification keeps its own copy to send the answer, as with `dossier_received`)."""

    office_id = fields.String(required=True)
    dossier_code = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)
    kind = fields.String(load_default=None, allow_none=True)
    level = fields.Integer(load_default=None, allow_none=True)
    channel = fields.String(load_default=None, allow_none=True)
    due_at = fields.AwareDateTime(load_default=None, allow_none=True)
    answer = fields.String(load_default=None, allow_none=True)  # the office's, to the citizen


FEEDBACK_EVENT_TYPES = (
    "evaluation_invited",
    "evaluation_recorded",
    "feedback_submitted",
    "feedback_assigned",
    "feedback_answered",
    "feedback_overdue",
)
FEEDBACK_EVENTS = {name: FeedbackEventSchema() for name in FEEDBACK_EVENT_TYPES}


# ---- answers of the gateway (documented in /api/openapi.json)
class _Answer(Schema):
    class Meta:
        unknown = INCLUDE


class LevelOutSchema(_Answer):
    value = fields.Integer(required=True)
    label = fields.String(required=True)
    satisfied = fields.Boolean(required=True)


class QuestionOutSchema(_Answer):
    id = fields.String(required=True)
    text = fields.String(required=True)


class EvaluationViewSchema(_Answer):
    """A dossier's evaluation: open (its result returned, not evaluated yet), or given."""

    open = fields.Boolean(required=True)
    evaluated = fields.Boolean(required=True)
    level = fields.Integer(allow_none=True)
    channel = fields.String(allow_none=True, validate=validate.OneOf(CHANNELS))
    evaluated_at = fields.DateTime(allow_none=True)
    levels = fields.List(fields.Nested(LevelOutSchema), required=True)
    questions = fields.List(fields.Nested(QuestionOutSchema), required=True)


class CitizenFeedbackSchema(_Answer):
    """What the citizen sees of their feedback: no phone, no officer's name."""

    code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(tuple(KINDS)))
    kind_label = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(tuple(STATUS_LABELS_VI)))
    status_label = fields.String(required=True)
    content = fields.String(required=True)
    received_at = fields.DateTime(required=True)
    due_at = fields.DateTime(required=True)
    answer = fields.String(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)


class OfficerFeedbackSchema(CitizenFeedbackSchema):
    office_id = fields.String(required=True)
    dossier_code = fields.String(allow_none=True)
    phone_tail = fields.String(allow_none=True, metadata={"description": "last 4 digits"})
    assignee = fields.String(allow_none=True)
    assigned_by = fields.String(allow_none=True)
    answered_by = fields.String(allow_none=True)
    timing = fields.String(allow_none=True, validate=validate.OneOf(("on_time", "late")))
    overdue = fields.Boolean(required=True)


class OfficeFeedbackSchema(_Answer):
    office_id = fields.String(required=True)
    feedback = fields.List(fields.Nested(OfficerFeedbackSchema), required=True)


class InboundAnswerSchema(_Answer):
    matched = fields.Boolean(required=True, metadata={"description": "an open invitation"})
    outcome = fields.String(required=True)


class SatisfactionSchema(_Answer):
    """GET /api/satisfaction: each office's evaluations and feedback, and the office's months."""

    office_id = fields.String(required=True)
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    target_rate = fields.Float(required=True)
    offices = fields.List(fields.Dict(), required=True)
    months = fields.List(fields.Dict(), required=True)
