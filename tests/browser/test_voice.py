"""The citizens' voice in the browser: the counter's kiosk (an officer opens it for the dossier
just handed over, the citizen taps a level), the evaluation on /track, the citizen's feedback
page (send one about a dossier, follow it, read the answer), and the leader's page (figures by
office, two charts drawn by the gateway, the feedback assigned and answered)."""

from datetime import datetime

import pytest
import requests
from selenium.webdriver.common.by import By

from contracts.calendar import WorkingCalendar
from tests.browser.helpers import open_dossier, sign_in, token, visible, wait
from tests.e2e.conftest import BASE, Officer
from tests.e2e.voice_helpers import new_phone, returned_dossier, submit_feedback

pytestmark = pytest.mark.browser

NAMES = {
    ("X28720", "receiver"): "Nguyễn Thị Lan",
    ("X28720", "handler"): "Phạm Văn Hùng",
    ("X28720", "leader"): "Võ Thành Đạt",
    ("H824", "leader"): "Lê Văn Tâm",
}


@pytest.fixture(scope="module")
def officers():
    made: dict = {}

    def officer(office: str, role: str) -> Officer:
        if (office, role) not in made:
            made[office, role] = Officer(office, role, NAMES[office, role])
        return made[office, role]

    return officer


def evaluation(officer: Officer, code: str) -> dict:
    r = officer.get(f"/api/dossiers/{code}/evaluation")
    assert r.status_code == 200, r.text
    return r.json()


def test_the_kiosk_takes_the_citizens_evaluation_of_the_dossier_just_handed_over(
    browser, shot, officers
):
    receiver = officers("X28720", "receiver")
    code = returned_dossier(officers, "0912300611")
    sign_in(browser, token(receiver))
    assert not browser.find_element(By.ID, "nav-voice").is_displayed()  # leaders' page only
    open_dossier(browser, code, "returned")
    link = visible(browser, "#open-kiosk")  # on the dossier just handed over
    assert link.text == "Mời công dân đánh giá (máy tính bảng)"
    shot("officer-opens")
    link.click()
    form = visible(browser, "#kiosk-citizen")
    assert code in form.text and "0912300611" not in browser.page_source  # no personal data
    assert "Ông/bà hài lòng với việc giải quyết hồ sơ này ở mức nào?" in form.text
    labels = [b.text for b in browser.find_elements(By.CSS_SELECTOR, ".eval-level")]
    assert labels == ["1. Rất hài lòng", "2. Hài lòng", "3. Không hài lòng"]
    browser.find_element(By.CSS_SELECTOR, "input[name='q-attitude'][value='1']").click()
    shot("citizen-chooses")
    browser.find_element(By.CSS_SELECTOR, ".eval-level[data-level='1']").click()
    thanks = visible(browser, "#kiosk-thanks")
    assert thanks.text == "Trân trọng cảm ơn ông/bà đã đánh giá!"
    shot("thanks")
    found = evaluation(receiver, code)
    assert (found["level"], found["channel"]) == (1, "kiosk")

    browser.get(f"{BASE}/kiosk?code={code}")  # opened again: refused, said plainly
    message = wait(browser, lambda d: d.find_element(By.ID, "message").text or False)
    assert message == "Hồ sơ này đã được đánh giá. Trân trọng cảm ơn!"


def test_the_citizen_evaluates_on_the_tracking_page(browser, shot, officers):
    code = returned_dossier(officers, "0912300622")
    browser.get(f"{BASE}/track?code={code}")
    visible(browser, "#phone").send_keys("0622")
    browser.find_element(By.ID, "track-button").click()
    section = visible(browser, "#evaluation")
    assert "Đánh giá mức độ hài lòng" in section.text
    browser.execute_script("arguments[0].scrollIntoView()", section)
    shot("evaluation-open")
    browser.find_element(By.CSS_SELECTOR, ".eval-level[data-level='2']").click()
    assert visible(browser, "#evaluated").text == "Trân trọng cảm ơn ông/bà đã đánh giá!"
    shot("evaluated")
    browser.refresh()
    visible(browser, "#phone").send_keys("0622")
    browser.find_element(By.ID, "track-button").click()
    said = visible(browser, "#evaluated").text
    assert said == "Ông/bà đã đánh giá hồ sơ này: Hài lòng. Trân trọng cảm ơn!"


def test_the_citizen_sends_feedback_and_reads_the_answer(browser, shot, officers):
    receiver, leader = officers("X28720", "receiver"), officers("X28720", "leader")
    phone, _, tail = new_phone()
    dossier = receiver.receive("HT-03", phone=phone)["code"]
    content = "Đề nghị ghi rõ <b>giờ làm việc</b> buổi chiều thứ Bảy trên bảng thông báo."
    browser.get(f"{BASE}/feedback")
    visible(browser, "#kind")
    browser.find_element(By.CSS_SELECTOR, "#kind option[value='recommendation']").click()
    browser.find_element(By.ID, "dossier-code").send_keys(dossier)
    browser.find_element(By.ID, "dossier-phone").send_keys(tail)
    browser.find_element(By.ID, "content").send_keys(content)
    shot("filled")
    browser.find_element(By.ID, "submit-feedback").click()
    code = visible(browser, "#sent-code").text
    assert code.startswith("PA-X28720-")
    assert "Câu trả lời sẽ được gửi qua tin nhắn" in browser.find_element(By.ID, "sent").text
    shot("sent")

    answer = "Bảng thông báo đã ghi rõ: thứ Bảy làm việc buổi sáng, 7 giờ 30 đến 11 giờ 30."
    assert leader.post(f"/api/feedback/{code}/answer", {"answer": answer}).status_code == 200
    browser.get(f"{BASE}/feedback?code={code}")
    visible(browser, "#follow-phone").send_keys(tail)
    browser.find_element(By.ID, "follow-button").click()
    shown = visible(browser, "#followed")
    assert browser.find_element(By.ID, "f-status").text == "Đã trả lời"
    assert browser.find_element(By.ID, "f-content").text == content  # as text, not markup
    assert browser.find_elements(By.CSS_SELECTOR, "#f-content b") == []
    assert browser.find_element(By.ID, "f-answer").text.startswith(answer)
    browser.execute_script("arguments[0].scrollIntoView()", shown)
    shot("answered")


def test_the_district_leader_sees_its_communes_and_answers_their_feedback(browser, shot, officers):
    receiver, leader = officers("X28720", "receiver"), officers("H824", "leader")
    code = returned_dossier(officers, "0912300644")
    r = requests.post(
        f"{BASE}/api/track/{code}/evaluation", json={"phone": "0644", "level": 3}, timeout=30
    )
    assert r.status_code == 201, r.text
    phone, _, tail = new_phone()
    dossier = receiver.receive("HT-03", phone=phone)["code"]
    made = submit_feedback(
        dossier, tail, "Phải chờ quá lâu ở quầy tiếp nhận buổi sáng.", "complaint"
    )

    sign_in(browser, token(leader))
    link = visible(browser, "#nav-voice")  # a leader's link in the console
    assert link.text == "Mức độ hài lòng, phản ánh, kiến nghị"
    link.click()
    visible(browser, "#figures[data-loaded='true']")
    offices = browser.find_elements(By.CSS_SELECTOR, "#figures-table tbody tr")
    assert [o.get_attribute("data-office") for o in offices][:2] == ["H824", "X28720"]
    row = browser.find_element(By.CSS_SELECTOR, "#figures-table tr[data-office='X28720']")
    assert int(row.find_element(By.CSS_SELECTOR, "[data-figure='total']").text) >= 1
    assert "%" in row.find_element(By.CSS_SELECTOR, "[data-figure='rate']").text
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#figures-table th")]
    assert headers[:5] == ["Cơ quan", "Số đánh giá", "Rất hài lòng", "Hài lòng", "Không hài lòng"]
    for chart in ("chart-offices", "chart-months"):
        image = browser.find_element(By.ID, chart)
        wait(
            browser, lambda d, i=image: d.execute_script("return arguments[0].naturalWidth", i) > 0
        )
    shot("figures")
    browser.execute_script(
        "arguments[0].scrollIntoView()", browser.find_element(By.ID, "chart-months")
    )
    shot("charts")

    item = visible(browser, f"article[data-code='{made['code']}']")
    browser.execute_script("arguments[0].scrollIntoView()", item)
    item.find_element(By.CSS_SELECTOR, ".assignee").send_keys("Trần Thị Bích")
    item.find_element(By.CSS_SELECTOR, ".assign").click()
    wait(browser, lambda d: "Đã giao" in d.find_element(By.ID, "message").text)
    item = visible(browser, f"article[data-code='{made['code']}']")
    assert "Cán bộ xử lý: Trần Thị Bích (giao bởi Lê Văn Tâm)" in item.text
    answer = "Từ tuần sau Bộ phận Một cửa mở thêm một quầy tiếp nhận buổi sáng."
    item.find_element(By.CSS_SELECTOR, ".answer-text").send_keys(answer)
    item.find_element(By.CSS_SELECTOR, ".send-answer").click()
    wait(browser, lambda d: "Đã trả lời" in d.find_element(By.ID, "message").text)
    item = visible(browser, f"article[data-code='{made['code']}']")
    browser.execute_script("arguments[0].scrollIntoView()", item)
    assert answer in item.text and "Đã trả lời" in item.text
    shot("answered")
    today = datetime.now(WorkingCalendar().tz).date().isoformat()
    r = leader.get("/api/satisfaction", office="H824", **{"from": today, "to": today})
    assert r.status_code == 200, r.text
    commune = next(o for o in r.json()["offices"] if o["office_id"] == "X28720")
    assert commune["feedback"]["answered_on_time"] >= 1 and commune["evaluations"]["total"] >= 1
    # a commune's officer may not read the district's page
    assert (
        receiver.get("/api/satisfaction", office="H824", **{"from": today, "to": today}).status_code
        == 403
    )
