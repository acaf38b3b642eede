"""The citizen's pages of the payment simulator (HTML, Vietnamese): the page that asks to pay
and the page that tells the outcome. Pure functions from a payment (PaymentSchema dump) to text.
"""

from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from services.payment_platform.script import format_vnd, strip_tags

CHANNEL_LABELS = {
    "card": "Thẻ ngân hàng",
    "bank_transfer": "Chuyển khoản",
    "e_wallet": "Ví điện tử",
}
STATUS_LABELS = {
    "pending": "Chờ thanh toán",
    "paid": "Thanh toán thành công",
    "failed": "Giao dịch không thành công hoặc đã huỷ",
    "expired": "Giao dịch đã hết hạn",
    "partially_refunded": "Đã hoàn một phần",
    "refunded": "Đã hoàn tiền",
}
_STYLE = (
    "body{font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}"
    "dt{color:#555}dd{margin:0 0 .6rem;font-weight:bold}"
    "button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}"
)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>Cổng thanh toán (mô phỏng)</h1>{body}</body></html>\n"
    )


def _summary(payment: dict[str, Any]) -> str:
    rows = [
        ("Mã giao dịch", payment["payment_ref"]),
        ("Số tiền", format_vnd(payment["amount"])),
        ("Nội dung", strip_tags(payment["description"])),
    ]
    if payment.get("payer_name"):
        rows.append(("Người nộp", payment["payer_name"]))
    rows.append(("Trạng thái", STATUS_LABELS.get(payment["status"], payment["status"])))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows)
    return f"<dl>{items}</dl>"


def return_link(return_url: str, payment_ref: str, status: str) -> str:
    """The payer system's return URL with payment_ref and status added to its query string."""
    parts = urlsplit(return_url)
    query = [*parse_qsl(parts.query), ("payment_ref", payment_ref), ("status", status)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def pay_page(payment: dict[str, Any]) -> str:
    """GET /pay/{payment_ref}: the buttons while pending, else the payment as it stands."""
    if payment["status"] != "pending":
        return result_page(payment)
    options = "".join(
        f'<label><input type="radio" name="channel" value="{value}"'
        f"{' checked' if value == 'card' else ''}> {escape(label)}</label><br>"
        for value, label in CHANNEL_LABELS.items()
    )
    ref = escape(payment["payment_ref"])
    form = (
        f'<form method="post" action="/pay/{ref}">'
        f"<fieldset><legend>Phương thức</legend>{options}</fieldset><p>"
        '<button type="submit" name="action" value="pay">Thanh toán</button>'
        '<button type="submit" name="action" value="cancel">Huỷ</button></p></form>'
    )
    return _page("Thanh toán " + payment["payment_ref"], _summary(payment) + form)


def result_page(payment: dict[str, Any], notice: str | None = None) -> str:
    """After the citizen acted (or came back): the outcome, and the way back if there is one."""
    body = f"<p><strong>{escape(notice)}</strong></p>" if notice else ""
    body += _summary(payment)
    if payment.get("return_url") and payment["status"] != "pending":
        href = return_link(payment["return_url"], payment["payment_ref"], payment["status"])
        body += f'<p><a href="{escape(href)}">Quay lại trang dịch vụ</a></p>'
    return _page(STATUS_LABELS.get(payment["status"], payment["status"]), body)


def not_found_page(payment_ref: str) -> str:
    return _page("Không tìm thấy", f"<p>Không có giao dịch {escape(payment_ref)}.</p>")
