"""The Decision 766 scorecard as the gateway answers it: the rows of an office and of the offices
directly below it (contracts/scorecard.py scores each), a CSV of them, and a chart of them as an
SVG drawn here with pygal (so the console shows it with <img>, under its strict CSP, with no
script of its own). No I/O."""

import csv
import io
import re
from typing import Any

from contracts import scorecard as sc
from contracts.offices import Office, OfficeCatalog

BOM = "\ufeff"  # so that Excel reads the CSV's Vietnamese as UTF-8
_SCRIPT = re.compile(rb"<script\b.*?</script>", re.DOTALL)
# the most an office can score while digitisation and public information have no
# data: the chart's scale, the same for every office and period
MEASURABLE_MAX = sum(
    g.points_max
    for g in sc.GROUPS
    if g.key in ("progress", "online_services", "online_payment", "satisfaction")
)
LEVEL_NAMES = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}


def offices_of(office: Office, catalog: OfficeCatalog) -> list[Office]:
    """The office first, then every office directly below it (a province's districts, or its
    communes in the 2025 regime; a district's communes), in the catalog's order."""
    return [office, *catalog.children(office.id)]


def rows(
    offices: list[Office],
    stats: list[dict[str, Any]],
    payments: list[dict[str, Any]] | None,
    voice: list[dict[str, Any]] | None = None,
    files: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Each office's scorecard row from its statistics, payment figures, evaluations (the
    feedback service's figures) and files (the documents service's), in the offices' order."""
    found = []
    for n, office in enumerate(offices):
        described = {
            "office_id": office.id,
            "name": office.name,
            "level": office.level,
            "parent_id": office.parent_id,
        }
        paid = payments[n] if payments is not None else None
        given = voice[n] if voice is not None else None
        held = files[n] if files is not None else None
        found.append(sc.scorecard(described, stats[n], paid, given, held))
    return found


def _number(value: float | None, reason: str | None) -> str:
    if value is None:
        return sc.REASON_LABELS.get(reason or "", "")
    return f"{value:g}"


def csv_text(card: dict[str, Any]) -> str:
    """The scorecard as CSV: one row per office, each group's rate and points as columns, the
    total last; a UTF-8 BOM first. A cell that scored nothing says why ("chưa có dữ liệu")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = ["Mã cơ quan", "Tên cơ quan", "Cấp", "Từ ngày", "Đến ngày"]
    for g in sc.GROUPS:
        header += [f"{g.name} — tỷ lệ", f"{g.name} — điểm (tối đa {g.points_max})"]
    header += [
        "Tổng điểm",
        "Tối đa của các chỉ số có điểm",
        f"Tối đa theo Quyết định ({sc.POINTS_TOTAL})",
    ]
    writer.writerow(header)
    for office in card["offices"]:
        level = LEVEL_NAMES.get(office["level"], office["level"])
        line = [office["office_id"], office["name"], level, card["from"], card["to"]]
        for i in office["indicators"]:
            line += [_number(i["rate"], i["reason"]), _number(i["points"], i["reason"])]
        totals = office["totals"]
        line += [f"{totals['points']:g}", totals["points_max"], totals["points_possible"]]
        writer.writerow(line)
    return BOM + out.getvalue()


def chart_style(colors: tuple[str, ...]):
    """The look of the gateway's charts (this one, the leader's satisfaction page's)."""
    from pygal.style import Style

    return Style(
        background="white",
        plot_background="white",
        foreground="#1f2933",
        foreground_strong="#1f2933",
        foreground_subtle="#9aa5b1",
        font_family="DejaVu Sans, Arial, sans-serif",
        colors=colors,
        label_font_size=13,
        major_label_font_size=13,
        legend_font_size=13,
        title_font_size=16,
        value_font_size=12,
    )


def without_script(rendered: bytes) -> bytes:
    """pygal always writes its config as an inline script, for its tooltips' JS: not wanted (an
    <img> runs no script, and the SVG's own CSP forbids them), so it goes."""
    return _SCRIPT.sub(b"", rendered)


def chart_svg(card: dict[str, Any]) -> bytes:
    """A bar chart of the offices' points, stacked by the groups that scored (those with no data
    yet have no bar), with the maximum of the scored groups in each office's label."""
    import pygal  # the charts' only users: the gateway starts without loading it

    style = chart_style(("#1d4ed8", "#0f766e", "#b45309", "#7c3aed", "#be123c", "#4d7c0f"))
    offices = card["offices"]
    chart = pygal.StackedBar(
        style=style,
        width=900,
        height=440,
        js=[],  # no script in the SVG (it is an <img> anyway)
        disable_xml_declaration=False,
        title="Điểm theo nhóm chỉ số (Quyết định 766)",
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        truncate_legend=-1,
        range=(0, MEASURABLE_MAX),
        print_values=False,
        truncate_label=-1,
        x_label_rotation=0,
        y_title="điểm",
    )
    chart.x_labels = [
        f"{o['name']} ({o['totals']['points']:g}/{o['totals']['points_max']})" for o in offices
    ]
    for g in sc.GROUPS:
        values = [
            next(i for i in o["indicators"] if i["group"] == g.key)["points"] for o in offices
        ]
        if any(v is not None for v in values):
            chart.add(f"{g.name} (tối đa {g.points_max})", values)
    if not chart.raw_series:
        chart.add("Chưa có chỉ số nào có điểm trong kỳ", [None for _ in offices])
    return without_script(chart.render())
