"""The satisfaction report of a leader's page: the figures of an office and of the offices directly
below it, the months of the office and every office within it, and two charts drawn here as SVG
with pygal (offices side by side, the rate over the months) so the console shows them as images
under its strict CSP, with the national target (95 % satisfied by 2026) drawn beside. No I/O."""

from typing import Any

from contracts.offices import Office
from services.gateway.scorecard import chart_style, without_script

TARGET_RATE = 95.0  # % satisfied: the national target for 2026 (docs/domain.md)


def report(
    office: Office,
    offices: list[Office],
    figures: list[dict[str, Any]],
    months: list[dict[str, Any]],
    start: str,
    end: str,
) -> dict[str, Any]:
    return {
        "office_id": office.id,
        "from": start,
        "to": end,
        "target_rate": TARGET_RATE,
        "offices": [
            {
                "office_id": o.id,
                "name": o.name,
                "level": o.level,
                **{k: f[k] for k in ("evaluations", "feedback")},
            }
            for o, f in zip(offices, figures, strict=True)
        ],
        "months": months,  # of the office and every office within it
    }


def _chart(kind: str, title: str, labels: list[str]):
    import pygal  # only the charts need it: the gateway starts without loading it

    chart = getattr(pygal, kind)(
        style=chart_style(("#0f766e", "#b45309", "#1d4ed8")),
        width=900,
        height=380,
        js=[],
        title=title,
        legend_at_bottom=True,
        range=(0, 100),
        truncate_label=-1,
        truncate_legend=-1,
        y_title="% hài lòng",
    )
    chart.x_labels = labels
    return chart


def offices_svg(report_: dict[str, Any]) -> bytes:
    """The satisfaction rate of each office, side by side (the target in the title: a bar of it
    beside each office would double the bars to read)."""
    rows = report_["offices"]
    chart = _chart(
        "Bar",
        f"Tỷ lệ hài lòng theo cơ quan (mục tiêu {TARGET_RATE:g}%)",
        [f"{r['name']} ({r['evaluations']['total']} đánh giá)" for r in rows],
    )
    chart.add("Tỷ lệ hài lòng", [r["evaluations"]["satisfaction_rate"] for r in rows])
    return without_script(chart.render())


def months_svg(report_: dict[str, Any]) -> bytes:
    """The satisfaction rate of the office and every office within it, month by month, against
    the national target."""
    rows = report_["months"]
    title = "Tỷ lệ hài lòng qua các tháng (cả cơ quan và các cơ quan trực thuộc)"
    chart = _chart("Line", title, [r["month"] for r in rows])
    chart.add("Tỷ lệ hài lòng", [r["satisfaction_rate"] for r in rows])
    chart.add(f"Mục tiêu {TARGET_RATE:g}%", [TARGET_RATE for _ in rows])
    return without_script(chart.render())


CHARTS = {"offices": offices_svg, "months": months_svg}
