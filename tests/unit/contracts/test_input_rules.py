import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.input_rules import UnsafeInput, check_document, check_query, check_text

VIETNAMESE = "Nguyễn Thị Ánh Tuyết, ấp Mỹ Lợi, xã Vàm Láng\n\tghi chú"


def test_ordinary_vietnamese_text_and_json_pass():
    check_document({"applicant": {"name": VIETNAMESE, "docs": [{"id": "a_b", "count": 2}]}})
    check_query({"office": ["X28720"], "from": ["2026-01-01"]})


@pytest.mark.parametrize(
    "body, where",
    [
        ({"procedure_code": {"$gt": ""}}, "$.procedure_code"),
        ({"$where": "sleep(1000)"}, "$"),
        ({"applicant": {"name": "x", "$ne": 1}}, "$.applicant"),
        ({"documents": [{"id": {"$regex": ".*"}}]}, "$.documents[0].id"),
        ({"a.b": 1}, "$"),
        ({"deep": [[{"x.y": 1}]]}, "$.deep[0][0]"),
    ],
)
def test_operator_and_dotted_keys_are_refused_anywhere(body, where):
    with pytest.raises(UnsafeInput) as exc:
        check_document(body)
    assert exc.value.code == "operator_key" and exc.value.where == where


@pytest.mark.parametrize(
    "text",
    ["a\x00b", "\ud800", "x\udfffy", "\u202eevil", "\x1b[31m", "\ufffe", "\x85", "\ufdd0"],
)
def test_odd_characters_are_refused_in_values_keys_and_query(text):
    for call in (
        lambda: check_text(text, "$"),
        lambda: check_document({"name": text}),
        lambda: check_document({text: 1}),
        lambda: check_query({"office": [text]}),
    ):
        with pytest.raises(UnsafeInput):
            call()


def test_lone_surrogates_from_a_json_escape_are_caught():
    body = json.loads('{"applicant": {"name": "An \\ud83d"}}')
    with pytest.raises(UnsafeInput) as exc:
        check_document(body)
    assert exc.value.code == "invalid_text" and exc.value.where == "$.applicant.name"


@pytest.mark.parametrize("name", ["office[$gt]", "$where", "a.b", "Office", "x" * 40, ""])
def test_query_parameter_names_are_plain(name):
    with pytest.raises(UnsafeInput) as exc:
        check_query({name: ["1"]})
    assert exc.value.code == "invalid_parameter"


def test_long_query_values_are_refused():
    with pytest.raises(UnsafeInput):
        check_query({"office": ["X" * 201]})


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Co", "Cn"))))
def test_printable_text_passes(text):
    check_text(text, "$")
