"""The leader page's charts: SVG with no script, the offices side by side, the months."""

from contracts.offices import load_offices
from services.gateway import satisfaction


def report() -> dict:
    catalog = load_offices()
    offices = [catalog.get("H824"), catalog.get("X28720")]
    figure = {
        "evaluations": {"total": 4, "by_level": [], "satisfaction_rate": 75.0},
        "feedback": {"received": 1},
    }
    empty = {"evaluations": {"total": 0, "by_level": [], "satisfaction_rate": None}, "feedback": {}}
    months = [
        {"month": "2026-11", "evaluations": 0, "satisfaction_rate": None},
        {"month": "2026-12", "evaluations": 4, "satisfaction_rate": 75.0},
    ]
    return satisfaction.report(
        offices[0], offices, [empty, figure], months, "2026-11-01", "2026-12-31"
    )


def test_the_report_names_each_office_with_its_figures():
    found = report()
    assert [o["office_id"] for o in found["offices"]] == ["H824", "X28720"]
    assert found["offices"][1]["name"] == "Thị trấn Vàm Láng" and found["target_rate"] == 95.0


def test_the_charts_are_svg_without_script():
    for draw in satisfaction.CHARTS.values():
        svg = draw(report())
        assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
        assert b"<script" not in svg
    assert "Thị trấn Vàm Láng (4 đánh giá)".encode() in satisfaction.offices_svg(report())
    assert b"2026-12" in satisfaction.months_svg(report())
