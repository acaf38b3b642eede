"""The gateway's scorecard: which offices a leader sees side by side, the CSV (offices as rows,
BOM for Excel, a cell that scored nothing says why) and the SVG chart."""

import csv
import io

from contracts.offices import load_offices
from services.gateway import api_examples as ex
from services.gateway import scorecard as scores


def test_a_province_sees_itself_then_its_districts_and_a_district_its_communes():
    catalog = load_offices()
    assert [o.id for o in scores.offices_of(catalog.get("T82"), catalog)] == ["T82", "H824"]
    assert [o.id for o in scores.offices_of(catalog.get("H824"), catalog)] == [
        "H824",
        "X28720",
        "X28702",
        "X28726",
    ]
    two_level = [o.level for o in scores.offices_of(catalog.get("T08"), catalog)]
    assert two_level == ["province", "commune", "commune"]  # 2025: communes under the province
    assert [o.id for o in scores.offices_of(catalog.get("X28720"), catalog)] == ["X28720"]


def test_rows_score_each_office_from_its_own_figures():
    catalog = load_offices()
    offices = scores.offices_of(catalog.get("T82"), catalog)
    stats = [{**ex.STATS, "office_id": o.id} for o in offices]
    none_paid = {"fees": {"paid": 0, "online": 0, "online_share": None}}
    found = scores.rows(offices, stats, [none_paid, {"fees": {"paid": 4, "online": 1}}])
    assert [r["office_id"] for r in found] == ["T82", "H824"]
    assert found[0]["parent_id"] is None and found[1]["parent_id"] == "T82"
    payment = [i for r in found for i in r["indicators"] if i["group"] == "online_payment"]
    assert [(i["rate"], i["points"], i["reason"]) for i in payment] == [
        (None, None, "nothing_in_period"),
        (0.25, 2.5, None),
    ]


def test_the_csv_has_a_bom_the_offices_as_rows_and_says_why_a_cell_is_empty():
    text = scores.csv_text(ex.SCORECARD)
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    header, rows = table[0], table[1:]
    assert [r[0] for r in rows] == ["T82", "H824"]
    assert all(len(r) == len(header) for r in rows)
    h824 = dict(zip(header, rows[1], strict=True))
    assert h824["Tên cơ quan"] == "Huyện Gò Công Đông" and h824["Cấp"] == "Cấp huyện"
    assert h824["Tiến độ giải quyết — tỷ lệ"] == "0.9091"  # (4 + 6) / 11
    assert h824["Tiến độ giải quyết — điểm (tối đa 20)"] == "18.18"
    assert h824["Mức độ hài lòng — điểm (tối đa 18)"] == "chưa có dữ liệu"
    assert h824["Tổng điểm"] == "21.93"  # 18.18 + 12 × 0 / 13 + 10 × 3 / 8
    assert h824["Tối đa theo Quyết định (100)"] == "100"


def test_the_chart_is_an_svg_without_script():
    svg = scores.chart_svg(ex.SCORECARD).decode("utf-8")
    assert "<svg" in svg and "<script" not in svg
    assert "Huyện Gò Công Đông" in svg and "Tiến độ giải quyết" in svg
    assert "Mức độ hài lòng" not in svg  # no data yet: no bar, no legend entry
