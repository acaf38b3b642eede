"""The payment simulator's pure rules: tags, amounts as shown, refunds, the pages."""

import pytest
from marshmallow import ValidationError

from contracts.payment_platform import PaymentRequestSchema, RefundRequestSchema
from services.payment_platform.pages import pay_page, result_page, return_link
from services.payment_platform.script import (
    BadTag,
    Script,
    format_vnd,
    parse_tags,
    refund_problem,
    status_after_refund,
    strip_tags,
)


def test_no_tag_is_the_default_script():
    script = parse_tags("Lệ phí đăng ký kết hôn [không phải thẻ]")
    assert script == Script()
    assert not script.attempts_by_itself
    assert script.callbacks


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("a [autopay]", Script(autopay=True)),
        ("a [autopay:e_wallet]", Script(autopay=True, channel="e_wallet")),
        ("[fail] a", Script(fail=True)),
        ("[autopay][expire]", Script(autopay=True, expire=True)),
        ("a [dup:2]", Script(duplicates=2)),
        ("a [nocallback] [autopay:card]", Script(autopay=True, channel="card", callbacks=False)),
    ],
)
def test_tags(description, expected):
    assert parse_tags(description) == expected


def test_who_attempts_by_itself():
    assert parse_tags("[autopay]").attempts_by_itself
    assert parse_tags("[fail]").attempts_by_itself
    assert not parse_tags("[autopay] [expire]").attempts_by_itself
    assert not parse_tags("[fail][expire]").attempts_by_itself


def test_an_unknown_channel_is_refused():
    with pytest.raises(BadTag, match="cash"):
        parse_tags("[autopay:cash]")


def test_the_citizen_does_not_read_the_tags():
    assert strip_tags("Lệ phí  [autopay:card] cấp bản sao [dup:1]") == "Lệ phí cấp bản sao"


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(150_000, "150.000 ₫"), (1, "1 ₫"), (999, "999 ₫"), (1_234_567, "1.234.567 ₫")],
)
def test_format_vnd(amount, shown):
    assert format_vnd(amount) == shown


def test_refund_rules():
    assert refund_problem("paid", 100, 0, 100) is None
    assert refund_problem("partially_refunded", 100, 40, 60) is None
    assert "exceeds the 60" in refund_problem("partially_refunded", 100, 40, 61)
    for status in ("pending", "failed", "expired", "refunded"):
        assert status in refund_problem(status, 100, 0, 1)
    assert status_after_refund(100, 40) == "partially_refunded"
    assert status_after_refund(100, 100) == "refunded"


def test_amounts_are_integers():
    base = {"reference": "r", "description": "d"}
    assert PaymentRequestSchema().load({**base, "amount": 150_000})["expires_in_seconds"] == 900
    for amount in (150_000.0, "150000", True, 0, -5):
        with pytest.raises(ValidationError) as err:
            PaymentRequestSchema().load({**base, "amount": amount})
        assert "amount" in err.value.messages
    with pytest.raises(ValidationError):
        RefundRequestSchema().load({"refund_reference": "x", "amount": 1.0, "reason": "r"})


def payment(**overrides):
    return {
        "payment_ref": "PAY000000000001",
        "amount": 150_000,
        "description": "Lệ phí <b> [autopay]",
        "payer_name": None,
        "status": "pending",
        "return_url": "http://127.0.0.1:9/back?x=1",
        **overrides,
    }


def test_pay_page_while_pending():
    text = pay_page(payment())
    assert "150.000 ₫" in text
    assert "Lệ phí &lt;b&gt;" in text and "[autopay]" not in text
    assert 'value="pay">Thanh toán<' in text and 'value="cancel">Huỷ<' in text
    assert "Quay lại" not in text  # no way back before the citizen acts


def test_result_page_links_back_with_the_outcome():
    text = result_page(payment(status="paid"))
    assert "Thanh toán thành công" in text
    assert "<form" not in text
    link = "http://127.0.0.1:9/back?x=1&amp;payment_ref=PAY000000000001&amp;status=paid"
    assert f'href="{link}"' in text
    assert "Quay lại" not in result_page(payment(status="failed", return_url=None))
    assert "<form" not in pay_page(payment(status="expired"))


def test_return_link_keeps_the_query():
    assert return_link("https://a.vn/r?h=1#top", "PAY1", "failed") == (
        "https://a.vn/r?h=1&payment_ref=PAY1&status=failed#top"
    )
