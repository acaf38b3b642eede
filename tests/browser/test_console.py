"""The officer console and the citizen page in headless Chromium: a commune receiver signs in
and receives a dossier, a district handler accepts and resolves it, the commune counter hands
the result over, the citizen page shows it returned; a long worklist comes a page at a time."""

import secrets

import pytest
import requests
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from contracts.api import WORKLIST_PAGE
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import (
    SECTIONS,
    act,
    action_buttons,
    api_actions,
    find_row,
    open_dossier,
    part_codes,
    sign_in,
    token,
    visible,
    wait,
)
from tests.browser.helpers import printed as print_to
from tests.e2e.conftest import BASE, Officer, eventually, issue_token, required_documents

pytestmark = pytest.mark.browser
PHONE = "0938123456"


def printed(browser, name):
    print_to(browser, ARTIFACTS / f"{name}.pdf")


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

    # transferred to the district and not yet taken by anyone there: "chuyển đến chờ tiếp nhận"
    row = find_row(browser, code, "incoming")
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
    and "Xem thêm"; a click appends the next page in the order the API gives. The dossiers
    are in the part of the worklist where the commune's own dossiers go (incoming or in hand),
    in that part's section."""
    office = "X28702"
    receiver, handler = Officer(office, "receiver", "Phạm Thu"), Officer(office, "handler", "Võ An")
    probe = receiver.receive("HT-03")["code"]  # a commune-only procedure: it stays at the commune
    part = eventually(
        lambda: next((p for p in SECTIONS if probe in part_codes(handler, p)), None),
        30,
        f"{probe} in a part of the worklist",
    )
    for _ in range(max(0, WORKLIST_PAGE + 1 - len(part_codes(handler, part)))):
        receiver.receive("HT-03")
    expected = eventually(
        lambda: len(codes := part_codes(handler, part)) > WORKLIST_PAGE and codes,
        30,
        f"more than {WORKLIST_PAGE} dossiers in the {part} part",
    )
    section = SECTIONS[part]
    sign_in(browser, token(handler))
    rows = f"#{section} tbody tr"
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, rows)) == WORKLIST_PAGE)
    assert browser.find_element(By.CSS_SELECTOR, f"#{section} h2").text.endswith(
        f"({WORKLIST_PAGE}+)"
    )
    more = visible(browser, f"#{section}-more")
    shot("first-page")
    more.click()
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, rows)) > WORKLIST_PAGE)
    shown = [r.get_attribute("data-code") for r in browser.find_elements(By.CSS_SELECTOR, rows)]
    assert shown == expected[: len(shown)]
    shot("second-page")
