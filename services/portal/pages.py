"""The portal simulator's one page (HTML, Vietnamese): the last dossiers it received, for a
person watching a demo or a chaos run. A pure function from rows to text."""

from datetime import datetime, timedelta, timezone
from html import escape
from typing import Any

from contracts.portal import NATIONAL_STATUS_NAMES_VI

RECENT = 50
VIETNAM = timezone(timedelta(hours=7))  # no daylight saving time
_STYLE = (
    "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;"
    "border-bottom:1px solid #ddd}td.n{text-align:right}"
)


def _time(at: datetime) -> str:
    return at.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S")


def recent_page(rows: list[dict[str, Any]]) -> str:
    """GET /: rows of {code, version, status, procedure_name, updated_at}, newest first."""
    if rows:
        cells = "".join(
            "<tr>"
            f"<td>{escape(row['code'])}</td>"
            f"<td class=n>{row['status']}</td>"
            f"<td>{escape(NATIONAL_STATUS_NAMES_VI.get(row['status'], ''))}</td>"
            f"<td>{escape(row['procedure_name'])}</td>"
            f"<td class=n>{row['version']}</td>"
            f"<td>{escape(_time(row['updated_at']))}</td>"
            "</tr>"
            for row in rows
        )
        body = (
            "<table><thead><tr><th>Mã hồ sơ</th><th>Mã trạng thái</th><th>Trạng thái</th>"
            "<th>Thủ tục</th><th>Phiên bản</th><th>Thời điểm nhận (giờ Việt Nam)</th></tr></thead>"
            f"<tbody>{cells}</tbody></table>"
        )
    else:
        body = "<p>Chưa nhận hồ sơ nào.</p>"
    return (
        '<!doctype html>\n<html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Cổng Dịch vụ công quốc gia (mô phỏng)</title><style>{_STYLE}</style></head>"
        "<body><h1>Cổng Dịch vụ công quốc gia (mô phỏng)</h1>"
        f"<p>{len(rows)} hồ sơ được đồng bộ gần nhất (tối đa {RECENT}).</p>"
        f"{body}</body></html>\n"
    )
