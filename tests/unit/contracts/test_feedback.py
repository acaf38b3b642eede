"""contracts/feedback.py: the configured levels, reading an SMS reply, the satisfaction rate,
feedback codes and what a submission must hold."""

import pytest
from marshmallow import ValidationError

from contracts import feedback as fb
from contracts.catalog_loader import CatalogError
from contracts.envelope import EnvelopeSchema


def test_the_default_levels_are_the_national_portals():
    config = fb.load_satisfaction()
    assert [(lv.value, lv.label, lv.satisfied) for lv in config.levels] == [
        (1, "Rất hài lòng", True),
        (2, "Hài lòng", True),
        (3, "Không hài lòng", False),
    ]
    assert config.feedback_due_days == 10


@pytest.mark.parametrize(
    "text, level",
    [
        ("1", 1),
        (" 2 ", 2),
        ("3.", 3),
        ("dg 2", 2),
        ("DG3", 3),
        ("4", None),
        ("12", None),
        ("hai long", None),
        ("", None),
        ("2 3", None),
    ],
)
def test_a_reply_gives_a_level_or_none(text, level):
    assert fb.reply_level(text, fb.load_satisfaction()) == level


def test_the_rate_counts_the_satisfied_levels():
    config = fb.load_satisfaction()
    assert fb.satisfaction_rate({1: 10, 2: 9, 3: 1}, config) == 95.0
    assert fb.satisfaction_rate({3: 2}, config) == 0.0
    assert fb.satisfaction_rate({}, config) is None


def test_a_configuration_with_two_levels_of_one_value_is_refused():
    data = {
        "levels": [
            {"value": 1, "label": "A", "satisfied": True},
            {"value": 1, "label": "B", "satisfied": False},
        ],
        "feedback_due_days": 10,
        "invitation_days": 30,
    }
    with pytest.raises(CatalogError):
        fb.parse_satisfaction(data)


def test_feedback_codes_and_the_envelope_takes_them():
    from datetime import date

    code = fb.format_feedback_code("X28720", date(2026, 12, 5), 7)
    assert code == "PA-X28720-261205-0007" and fb.is_feedback_code(code)
    assert fb.office_of_feedback(code) == "X28720"
    assert not fb.is_feedback_code("X28720-261205-0007")
    envelope = {
        "message_id": "5f0e0c1e-3c2a-4d5e-9f10-111213141516",
        "type": "feedback_submitted",
        "schema_version": 1,
        "occurred_at": "2026-12-05T09:00:00+00:00",
        "dossier_code": code,
        "sequence": 1,
        "correlation_id": "c",
        "payload": {},
    }
    assert EnvelopeSchema().load(envelope)["dossier_code"] == code
    with pytest.raises(ValidationError):
        EnvelopeSchema().load({**envelope, "dossier_code": "PA-x-1"})


def test_a_submission_is_about_a_dossier_or_from_a_confirmed_phone():
    schema = fb.FeedbackSubmissionSchema()
    about = {"kind": "complaint", "content": "Phải chờ quá lâu ở quầy."}
    assert schema.load({**about, "dossier_code": "X28720-261205-0001", "phone": "5678"})
    assert schema.load({**about, "verification_id": "v-12345678", "office_id": "X28720"})
    for bad in (
        about,
        {**about, "dossier_code": "X28720-261205-0001"},
        {**about, "verification_id": "v-12345678"},
        {**about, "kind": "other", "dossier_code": "X28720-261205-0001", "phone": "5678"},
        {
            "kind": "complaint",
            "content": "ngắn",
            "dossier_code": "X28720-261205-0001",
            "phone": "5678",
        },
    ):
        with pytest.raises(ValidationError):
            schema.load(bad)


def test_an_evaluation_takes_known_levels_and_questions_only():
    schema = fb.EvaluationSchema()
    assert schema.load({"level": 1, "answers": {"attitude": 2}})["answers"] == {"attitude": 2}
    for bad in (
        {"level": 4},
        {"level": "1"},
        {"level": 1, "answers": {"bribe": 1}},
        {"level": 1, "answers": {"attitude": 9}},
        {"level": True},
    ):
        with pytest.raises(ValidationError):
            schema.load(bad)
