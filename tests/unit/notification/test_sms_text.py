"""Unit tests for SMS encoding, part counting and diacritic stripping."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notification.sms_text import (
    GSM7_EXTENSION,
    NotGsm7Encodable,
    SmsMeasure,
    choose_encoding,
    is_gsm7,
    measure,
    strip_diacritics,
)


@pytest.mark.parametrize(
    ("length", "parts"),
    [(0, 1), (1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_ucs2_parts_at_the_70_67_boundaries(length, parts):
    assert measure("ệ" * length, "UCS2") == SmsMeasure("UCS2", length, parts)


@pytest.mark.parametrize(
    ("length", "parts"),
    [(0, 1), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_parts_at_the_160_153_boundaries(length, parts):
    assert measure("a" * length, "GSM7") == SmsMeasure("GSM7", length, parts)


@pytest.mark.parametrize("char", sorted(GSM7_EXTENSION))
def test_extension_characters_count_two_septets(char):
    assert measure(char, "GSM7").length == 2
    assert measure("a" * 158 + char, "GSM7").parts == 1
    assert measure("a" * 159 + char, "GSM7").parts == 2


def test_extension_character_is_not_split_across_parts():
    # 152 septets then an escape pair: the pair moves to part 2, which then overflows.
    text = "a" * 152 + "€" + "a" * 152
    assert measure(text, "GSM7") == SmsMeasure("GSM7", 306, 3)


def test_ucs2_counts_surrogate_pairs_as_two_units():
    assert measure("😀", "UCS2").length == 2
    assert measure("a" * 68 + "😀", "UCS2").parts == 1
    assert measure("a" * 69 + "😀", "UCS2").parts == 2


def test_gsm7_measure_rejects_unencodable_text():
    with pytest.raises(NotGsm7Encodable) as excinfo:
        measure("Hồ sơ", "GSM7")
    assert excinfo.value.chars == "ơồ"


def test_unknown_encoding_is_rejected():
    with pytest.raises(ValueError, match="unknown encoding"):
        measure("abc", "LATIN1")


def test_choose_encoding():
    assert choose_encoding("Ho so 123 {ok} €") == "GSM7"
    assert choose_encoding("Hồ sơ") == "UCS2"
    assert choose_encoding("`") == "UCS2"  # not in GSM-7 (smpplib's table wrongly has it)
    assert is_gsm7("§ @ £ Δ")


def test_strip_diacritics_on_a_full_vietnamese_sentence():
    sentence = (
        "Ủy ban nhân dân phường Đống Đa đã tiếp nhận hồ sơ đăng ký khai sinh; "
        "hẹn trả kết quả lúc 16:30 ngày 14/06/2024 tại Bộ phận Một cửa. "
        "Ưu tiên người cao tuổi, phụ nữ mang thai."
    )
    assert strip_diacritics(sentence) == (
        "Uy ban nhan dan phuong Dong Da da tiep nhan ho so dang ky khai sinh; "
        "hen tra ket qua luc 16:30 ngay 14/06/2024 tai Bo phan Mot cua. "
        "Uu tien nguoi cao tuoi, phu nu mang thai."
    )


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        ("đĐ", "dD"),
        ("ưƯơƠ", "uUoO"),
        ("ăĂâÂêÊôÔ", "aAaAeEoO"),
        ("àáảãạ", "aaaaa"),
        ("ằắẳẵặ ầấẩẫậ", "aaaaa aaaaa"),
        ("ềếểễệ ồốổỗộ ờớởỡợ ừứửữự ỳýỷỹỵ", "eeeee ooooo ooooo uuuuu yyyyy"),
        ("ÌÍỈĨỊ", "IIIII"),
        ("Ho\u0302\u0300 so\u031b", "Ho so"),  # decomposed input
    ],
)
def test_strip_diacritics_vietnamese_letters(source, plain):
    assert strip_diacritics(source) == plain


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        ("“trích dẫn” – ‘a’…", "\"trich dan\" - 'a'..."),
        ("a\u00a0b\tc", "a b c"),
        ("giá 10€ {x}", "gia 10€ {x}"),
        ("số ①, ﬁle", "so 1, file"),
        ("文件", "??"),
    ],
)
def test_strip_diacritics_replaces_other_characters(source, plain):
    assert strip_diacritics(source) == plain


@given(st.text())
def test_strip_diacritics_is_always_gsm7(text):
    stripped = strip_diacritics(text)
    assert is_gsm7(stripped)
    assert strip_diacritics(stripped) == stripped


PLAIN_GSM7 = sorted(ch for ch in map(chr, range(32, 127)) if is_gsm7(ch))


@given(st.text(alphabet=st.sampled_from(PLAIN_GSM7 + ["\n", "£", "Ø", "Δ", "€"])))
def test_strip_diacritics_leaves_plain_gsm7_alone(text):
    assert strip_diacritics(text) == text


@given(st.text(max_size=1000))
def test_ucs2_parts_cover_the_length(text):
    size = measure(text, "UCS2")
    # one part holds 70 UTF-16 units; split, each part holds 67
    assert size.parts == 1 if size.length <= 70 else size.parts >= math.ceil(size.length / 67)


@given(st.text(alphabet=st.sampled_from("aZ0 .€[]^"), max_size=1200))
def test_gsm7_parts_cover_the_length(text):
    size = measure(text, "GSM7")
    assert size.parts >= max(1, math.ceil(size.length / 153))
    assert size.parts <= max(1, math.ceil(size.length / 152))
    assert size.parts == 1 or size.length > 160
