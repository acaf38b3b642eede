"""The officer console and the citizen page in headless Chromium: a commune receiver signs in
and receives a dossier, a district handler accepts and resolves it, the commune counter hands
the result over, the citizen page shows it returned; a long worklist comes a page at a time."""

import base64
import secrets

import pytest
import requests
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from contracts.api import WORKLIST_PAGE
from tests.browser.conftest import ARTIFACTS
from tests.e2e.conftest import BASE, Officer, issue_token, required_documents

pytestmark = pytest.mark.browser
PHONE = "0938123456"


def wait(browser, condition, timeout=30):
    return WebDriverWait(
        browser, timeout, ignored_exceptions=(StaleElementReferenceException,)
    ).until(condition)


def visible(browser, css, timeout=30):
    return wait(browser, EC.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout)


def sign_in(browser, token):
    browser.get(f"{BASE}/console")
    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{BASE}/console#/")
    visible(browser, "#token").send_keys(token)
    browser.find_element(By.ID, "sign-in-button").click()
    return visible(browser, "#worklist")


def open_dossier(browser, code, state=None, timeout=60):
    """The dossier page, reloaded until the dossier is in `state` (the system moves it)."""

    def loaded(driver):
        driver.get(f"{BASE}/console#/dossier/{code}")
        driver.refresh()
        try:
            page = WebDriverWait(driver, 10).until(
                EC.presence_of_element_located((By.ID, "dossier"))
            )
        except Exception:  # noqa: BLE001 - the page is not there yet: try again
            return False
        return page if state is None or page.get_attribute("data-state") == state else False

    return WebDriverWait(browser, timeout, poll_frequency=1).until(loaded)


def action_buttons(browser) -> list[str]:
    return [
        b.get_attribute("data-action")
        for b in browser.find_elements(By.CSS_SELECTOR, "button.action")
    ]


def act(browser, action, **fields):
    browser.find_element(By.ID, f"action-{action}").click()
    for field, value in fields.items():
        visible(browser, f"#{action}-{field}").send_keys(value)
    page = browser.find_element(By.ID, "dossier")
    browser.find_element(By.ID, f"confirm-{action}").click()
    wait(browser, EC.staleness_of(page))  # the page is drawn again from the new state
    wait(browser, EC.text_to_be_present_in_element((By.ID, "message"), "Đã thực hiện"))


def printed(browser, name):
    """As printed: only the form shows (print stylesheet); the PDF is kept as an artefact."""
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        for css in ("header.bar", "nav", "#print"):
            assert not browser.find_element(By.CSS_SELECTOR, css).is_displayed(), css
        assert browser.find_element(By.CSS_SELECTOR, ".form-doc").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    pdf = base64.b64decode(browser.print_page(PrintOptions()))
    assert pdf.startswith(b"%PDF")
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)


def api_actions(token, code) -> list[str]:
    r = requests.get(
        f"{BASE}/api/dossiers/{code}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert r.status_code == 200, r.text
    return r.json()["actions"]


def test_receive_resolve_hand_over_and_track(browser, shot):
    receiver = issue_token("X28720", "receiver", "Trần Thị Lan")
    handler = issue_token("H824", "handler", "Lê Văn Hùng")

    # a wrong token is refused
    browser.get(f"{BASE}/console")
    browser.execute_script("sessionStorage.clear()")
    browser.refresh()
    visible(browser, "#token").send_keys("not-a-valid-token-at-all-000000")
    browser.find_element(By.ID, "sign-in-button").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "message"), "không hợp lệ"))
    shot("wrong-token")

    # the commune receiver signs in and receives a construction-permit dossier
    sign_in(browser, receiver)
    assert "Trần Thị Lan" in browser.find_element(By.ID, "who").text
    shot("receiver-worklist")
    browser.find_element(By.ID, "nav-receive").click()
    Select(visible(browser, "#procedure")).select_by_value("XD-01")
    procedures = requests.get(f"{BASE}/api/catalog/procedures", timeout=30).json()["procedures"]
    required = next(p for p in procedures if p["code"] == "XD-01")["documents"]
    shown = browser.find_elements(By.CSS_SELECTOR, "#documents input[data-doc]")
    assert [c.get_attribute("data-doc") for c in shown] == [d["id"] for d in required]
    assert all(c.is_selected() for c in shown)
    browser.find_element(By.ID, "applicant_name").send_keys("Nguyễn Văn Bình")
    browser.find_element(By.ID, "applicant_phone").send_keys(PHONE)
    shot("receive-form")
    browser.find_element(By.ID, "receive-button").click()
    code = visible(browser, "#receipt-code").text
    assert code.startswith("X28720-")
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in browser.find_element(By.ID, "receipt").text
    assert visible(browser, "#receipt-appointment").text
    shot("receipt-form-01")
    printed(browser, "receipt-form-01")

    # the district handler finds it in the worklist, accepts it and resolves it
    sign_in(browser, handler)

    def in_worklist(driver):
        """The row, asking for the next page of the worklist ("Xem thêm") until it shows."""
        driver.refresh()
        try:
            visible(driver, "#worklist", timeout=10)
        except Exception:  # noqa: BLE001
            return False
        while True:
            if rows := driver.find_elements(By.CSS_SELECTOR, f'tr[data-code="{code}"]'):
                return rows[0]
            more = driver.find_elements(By.CSS_SELECTOR, "#worklist-more:not(.hidden)")
            if not more:
                return False
            shown = len(driver.find_elements(By.CSS_SELECTOR, "#worklist tbody tr"))
            more[0].click()
            try:
                WebDriverWait(driver, 10).until(
                    lambda d, shown=shown: (
                        len(d.find_elements(By.CSS_SELECTOR, "#worklist tbody tr")) > shown
                    )
                )
            except Exception:  # noqa: BLE001
                return False

    row = WebDriverWait(browser, 60, poll_frequency=1).until(in_worklist)
    assert row.get_attribute("class") == "due-row-on_time"
    assert row.find_element(By.CSS_SELECTOR, ".due").value_of_css_property("color")
    shot("handler-worklist")
    row.find_element(By.TAG_NAME, "a").click()
    visible(browser, "#dossier")
    assert action_buttons(browser) == api_actions(handler, code) == ["accept", "extend"]
    act(browser, "accept")
    assert action_buttons(browser) == api_actions(handler, code)
    assert "resolve" in action_buttons(browser)
    act(browser, "resolve")
    assert action_buttons(browser) == []
    shot("handler-resolved")

    # the commune counter hands the result over once it is back
    sign_in(browser, receiver)
    open_dossier(browser, code, "ready_at_counter")
    assert action_buttons(browser) == api_actions(receiver, code) == ["hand_over"]
    act(browser, "hand_over")
    assert open_dossier(browser, code, "returned")
    timeline = browser.find_element(By.ID, "timeline")
    kinds = {r.get_attribute("class") for r in timeline.find_elements(By.TAG_NAME, "tr")}
    assert {"timeline-workflow", "timeline-sms"} <= kinds
    assert "Trả kết quả cho công dân" in timeline.text
    shot("dossier-returned-timeline")
    browser.find_element(By.ID, "print-control").click()
    sheet = visible(browser, "#control-sheet")
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in sheet.text
    assert len(sheet.find_elements(By.CSS_SELECTOR, "tbody tr")) >= 2  # to the district and back
    shot("control-sheet-form-06")
    printed(browser, "control-sheet-form-06")

    # the citizen page shows it returned, without personal data
    # as a citizen of their own behind the (trusted) proxy: failed lookups other tests made
    # from this machine within the limit's window do not count for them
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.setExtraHTTPHeaders",
        {"headers": {"X-Forwarded-For": f"2001:db8::{secrets.token_hex(2)}"}},
    )
    browser.get(f"{BASE}/track?code={code}")  # the link in the SMS
    assert visible(browser, "#code").get_attribute("value") == code
    browser.find_element(By.ID, "phone").send_keys(PHONE[-4:])
    browser.find_element(By.ID, "track-button").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "r-status"), "Đã trả kết quả"))
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Nguyễn Văn Bình" not in page and PHONE not in page
    assert browser.find_element(By.ID, "r-returned").text
    shot("citizen-returned")


def test_console_refuses_a_dossier_of_another_office(browser, shot):
    other = issue_token("X28702", "receiver", "Cán bộ Tân Hòa")
    receiver = issue_token("X28720", "receiver", "Trần Thị Lan")
    r = requests.post(
        f"{BASE}/api/dossiers",
        headers={"Authorization": f"Bearer {receiver}"},
        json={
            "procedure_code": "HT-03",
            "applicant": {"name": "Võ Thị C", "phone": PHONE},
            "documents": required_documents("HT-03"),
        },
        timeout=30,
    )
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    sign_in(browser, other)
    browser.get(f"{BASE}/console#/dossier/{code}")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "message"), "không thuộc"))
    with pytest.raises(NoSuchElementException):
        browser.find_element(By.ID, "dossier")
    shot("other-office-403")


def test_the_worklist_shows_a_page_then_the_next_on_request(browser, shot):
    """At a commune holding more open dossiers than a page, the console shows a page of them
    and "Xem thêm"; a click appends the next page in the order the API gives."""
    office = "X28702"
    receiver, handler = Officer(office, "receiver", "Phạm Thu"), Officer(office, "handler", "Võ An")
    for _ in range(max(0, WORKLIST_PAGE + 1 - len(handler.worklist()))):
        receiver.receive("HT-03")  # a commune-only procedure: it stays at the commune
    expected = [d["code"] for d in handler.worklist()]
    assert len(expected) > WORKLIST_PAGE
    sign_in(browser, handler.headers["Authorization"].removeprefix("Bearer "))
    rows = "#worklist tbody tr"
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, rows)) == WORKLIST_PAGE)
    assert browser.find_element(By.CSS_SELECTOR, "#worklist h2").text.endswith(
        f"({WORKLIST_PAGE}+)"
    )
    more = visible(browser, "#worklist-more")
    shot("first-page")
    more.click()
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, rows)) > WORKLIST_PAGE)
    shown = [r.get_attribute("data-code") for r in browser.find_elements(By.CSS_SELECTOR, rows)]
    assert shown == expected[: len(shown)]
    shot("second-page")
