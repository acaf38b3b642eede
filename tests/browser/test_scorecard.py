"""The leader's Decision 766 scorecard page: Tiền Giang's leader (T82) opens "Bảng điểm Quyết
định 766" for today, after this test received and resolved dossiers below the province (a
liaison dossier at Vàm Láng decided by Gò Công Đông, one filed online at Gò Công Đông's counter),
sees the province and its district side by side with the groups without data marked, the chart
the gateway draws, and downloads the CSV; a receiver has no link to the page."""

import csv
import io
from datetime import datetime

import pytest
import requests
from selenium.webdriver.common.by import By

from contracts.calendar import WorkingCalendar
from tests.browser.helpers import sign_in, token, visible, wait
from tests.e2e.conftest import BASE, Officer, eventually

pytestmark = pytest.mark.browser

PROVINCE, DISTRICT, COMMUNE = "T82", "H824", "X28720"
NAMES = {
    (COMMUNE, "receiver"): "Nguyễn Thị Lan",
    (DISTRICT, "receiver"): "Trần Văn Bình",
    (DISTRICT, "handler"): "Lê Thị Cúc",
    (PROVINCE, "leader"): "Võ Thành Đạt",
}


@pytest.fixture(scope="module")
def officers():
    made: dict = {}

    def officer(office: str, role: str) -> Officer:
        if (office, role) not in made:
            made[office, role] = Officer(office, role, NAMES[office, role])
        return made[office, role]

    return officer


def cells(row) -> dict[str, str]:
    return {
        td.get_attribute("data-group"): td.text
        for td in row.find_elements(By.CSS_SELECTOR, "td[data-group]")
    }


def test_a_province_leader_sees_the_scorecard_of_the_offices_below(browser, shot, officers):
    counter, district = officers(COMMUNE, "receiver"), officers(DISTRICT, "receiver")
    handler = officers(DISTRICT, "handler")
    codes = [
        counter.receive("XD-01", fee_method="transfer")["code"],  # decided by the district
        district.receive("CT-03", channel="online", fee_method="transfer")["code"],
    ]
    for code in codes:
        handler.wait_in_worklist(code)
        handler.act(code, "accept")
        handler.act(code, "resolve")
    today = datetime.now(WorkingCalendar().tz).date().isoformat()
    leader = officers(PROVINCE, "leader")
    eventually(  # the counters follow the dossiers by a second or so
        lambda: (
            (
                r := leader.get("/api/scorecard", office=PROVINCE, **{"from": today, "to": today})
            ).status_code
            == 200
            and r.json()["offices"][1]["indicators"][1]["inputs"]["resolved_total"] >= 2
        ),
        30,
        "the district's resolved dossiers in the scorecard",
    )

    sign_in(browser, token(leader))
    link = visible(browser, "#nav-scorecard")
    assert link.text == "Bảng điểm Quyết định 766"
    link.click()
    visible(browser, "#scorecard[data-loaded='true']")
    browser.find_element(By.ID, "score-from").clear()
    browser.execute_script(
        "document.getElementById('score-from').value = arguments[0];"
        "document.getElementById('score-to').value = arguments[0];",
        today,
    )
    browser.find_element(By.ID, "score-show").click()
    wait(browser, lambda d: today in d.execute_script("return location.hash"))
    page = visible(browser, "#scorecard[data-loaded='true']")
    assert "Bảng điểm Quyết định 766 — Tỉnh Tiền Giang" in page.text

    rows = browser.find_elements(By.CSS_SELECTOR, "#score-table tbody tr")
    assert [r.get_attribute("data-office") for r in rows] == [PROVINCE, DISTRICT]
    h824 = cells(rows[1])
    assert h824["public_information"] == "chưa có dữ liệu"
    assert h824["satisfaction"] == "không có đánh giá trong kỳ"  # its own counter's, none today
    assert "%" in h824["progress"] and "%" in h824["online_services"]
    assert "%" in h824["digitisation"]  # the parts of the dossier its counter took in today
    total = rows[1].find_element(By.CSS_SELECTOR, "td.total").text
    assert "/ 64 điểm" in total or "/ 54 điểm" in total  # with fees paid, or none today
    title = (
        rows[1].find_element(By.CSS_SELECTOR, "td[data-group='progress']").get_attribute("title")
    )
    assert "(trước hạn + đúng hạn) ÷ hồ sơ đã giải quyết trong kỳ" in title
    legend = browser.find_element(By.ID, "score-legend").text
    assert "Mức độ hài lòng (tối đa 18 điểm)" in legend and "chưa có dữ liệu" in legend

    chart = browser.find_element(By.ID, "score-chart")
    wait(browser, lambda d: d.execute_script("return arguments[0].naturalWidth", chart) > 0)
    browser.execute_script("arguments[0].scrollIntoView()", chart)
    shot("chart")
    browser.execute_script("window.scrollTo(0, 0)")
    shot("table")

    # the CSV the button downloads, as the API gives it
    assert browser.find_element(By.ID, "score-csv").text == "Tải bảng điểm (CSV)"
    browser.find_element(By.ID, "score-csv").click()
    r = requests.get(
        f"{BASE}/api/scorecard.csv",
        params={"office": PROVINCE, "from": today, "to": today},
        headers=leader.headers,
        timeout=30,
    )
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment;")
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["Mã cơ quan"] for row in table] == [PROVINCE, DISTRICT]
    assert table[1]["Tên cơ quan"] == "Huyện Gò Công Đông"
    assert table[1]["Mức độ hài lòng — điểm (tối đa 18)"] == "không có đánh giá trong kỳ"

    # a leader drills down: the district's row leads to the district and its communes
    rows[1].find_element(By.TAG_NAME, "a").click()
    wait(browser, lambda d: f"#/scorecard/{DISTRICT}/" in d.execute_script("return location.hash"))
    visible(browser, "#scorecard[data-loaded='true']")
    offices = [
        r.get_attribute("data-office")
        for r in browser.find_elements(By.CSS_SELECTOR, "#score-table tbody tr")
    ]
    assert offices[0] == DISTRICT and COMMUNE in offices
    shot("district")


def test_only_leaders_have_the_scorecard_link(browser, officers):
    sign_in(browser, token(officers(COMMUNE, "receiver")))
    assert not browser.find_element(By.ID, "nav-scorecard").is_displayed()
