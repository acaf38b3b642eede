"""Online public services in the browser (issue 20): a citizen files a birth registration on
/online with two real files and a phone proved by the SMS code Kannel delivered; the commune's
receiver finds it "to check" in the worklist, sees its parts digitised, asks for a supplement
(form 02) by ticking the part; the citizen uploads it on the tracking page after proving the phone
again; the receiver accepts it (status 2)."""

import secrets

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from services.notification.fakesmsc import read_received
from tests import sample_files as files
from tests.browser.helpers import act, find_row, open_dossier, sign_in, token, visible, wait
from tests.e2e.conftest import BASE, FAKESMSC_LOG, Officer, fresh_phone, sms_code

pytestmark = pytest.mark.browser

OFFICE, PROCEDURE = "X28720", "HT-01"


def as_a_citizen(browser) -> None:
    """A client address of its own behind the trusted proxy (the limits per address)."""
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.setExtraHTTPHeaders",
        {"headers": {"X-Forwarded-For": f"2001:db8::{secrets.token_hex(2)}"}},
    )


def prove_phone(browser, phone: str, prefix: str) -> None:
    """Type the phone, ask for the code, read it off the SMS centre, confirm it."""
    since = len(read_received(FAKESMSC_LOG))
    field = visible(browser, f"#{prefix}phone")
    field.clear()
    field.send_keys(phone)
    browser.find_element(By.ID, f"{prefix}send" if prefix else "send-code").click()
    otp = visible(browser, f"#{prefix}otp")
    otp.send_keys(sms_code(phone, since))
    browser.find_element(By.ID, f"{prefix}check" if prefix else "check-code").click()


def test_a_citizen_files_online_and_the_counter_checks_it(browser, shot, tmp_path):
    form, birth, clearer = (
        tmp_path / "to-khai.pdf",
        tmp_path / "giay-chung-sinh.png",
        tmp_path / "ro.png",
    )
    form.write_bytes(files.pdf("To khai dang ky khai sinh"))
    birth.write_bytes(files.png(60, 40))
    clearer.write_bytes(files.png(120, 80, (20, 120, 40)))
    phone = fresh_phone()

    # the citizen files it online
    as_a_citizen(browser)
    browser.get(f"{BASE}/online")
    wait(browser, lambda d: len(Select(d.find_element(By.ID, "procedure")).options) > 5)
    Select(browser.find_element(By.ID, "procedure")).select_by_value(PROCEDURE)
    Select(browser.find_element(By.ID, "office")).select_by_value(OFFICE)
    browser.find_element(By.ID, "name").send_keys("Nguyễn Thị Hoà")
    browser.find_element(By.ID, "id_number").send_keys("0791" + phone[-8:])
    browser.find_element(By.ID, "address").send_keys("Ấp Lăng, thị trấn Vàm Láng")
    inputs = browser.find_elements(By.CSS_SELECTOR, "#documents input[type=file]")
    assert [i.get_attribute("data-document") for i in inputs] == [
        "to_khai_khai_sinh",
        "giay_chung_sinh",
    ]
    inputs[0].send_keys(str(form))
    inputs[1].send_keys(str(birth))
    prove_phone(browser, phone, "")
    visible(browser, "#verified")
    shot("citizen-form-filled")
    browser.find_element(By.ID, "submit").click()
    code = visible(browser, "#done-code").text
    assert code.startswith(f"{OFFICE}-")
    assert "chờ kiểm tra" in browser.find_element(By.ID, "done-status").text
    shot("citizen-filed")

    # the receiver finds it to check, with its parts digitised, and asks for a supplement
    receiver = Officer(OFFICE, "receiver", "Lê Thị Kiểm")
    sign_in(browser, token(receiver))
    row = find_row(browser, code)
    assert "chờ kiểm tra" in row.text
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
    shot("worklist-to-check")
    open_dossier(browser, code, "submitted_online")
    panel = visible(browser, "#documents-panel table.documents")
    statuses = [
        r.get_attribute("data-status") for r in panel.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    assert statuses == ["digitised", "digitised"]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#documents-panel button.file-open")) == 2
    shot("receiver-documents")
    browser.find_element(By.ID, "action-request_online_supplement").click()
    visible(browser, "#request_online_supplement-missing_documents")
    browser.find_element(
        By.CSS_SELECTOR, 'fieldset.parts-check input[data-part="giay_chung_sinh"]'
    ).click()
    browser.find_element(By.ID, "request_online_supplement-reason").send_keys(
        "Ảnh giấy chứng sinh bị mờ, không đọc được số"
    )
    shot("receiver-asks-supplement")
    page = browser.find_element(By.ID, "dossier")
    browser.find_element(By.ID, "confirm-request_online_supplement").click()
    wait(browser, EC.staleness_of(page))
    visible(browser, "#dossier")
    assert "Yêu cầu bổ sung trước khi tiếp nhận" in browser.find_element(By.ID, "status").text

    # the citizen uploads the part on the tracking page, after proving the phone again
    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{BASE}/track?code={code}")
    prove_phone(browser, phone, "f-")
    visible(browser, "#f-asked")
    assert "Giấy chứng sinh" in browser.find_element(By.ID, "f-missing").text
    browser.find_element(By.ID, "f-upload-giay_chung_sinh").send_keys(str(clearer))
    wait(browser, EC.text_to_be_present_in_element((By.ID, "f-notice"), "Đã nộp bổ sung"))
    shot("citizen-supplemented")

    # the receiver accepts it: status 2, the clock starts
    sign_in(browser, token(receiver))
    open_dossier(browser, code, "submitted_online")
    files_of_part = browser.find_elements(
        By.CSS_SELECTOR, '#documents-panel tr[data-part="giay_chung_sinh"] button.file-open'
    )
    assert len(files_of_part) == 2
    act(browser, "accept_online")
    timeline = browser.find_element(By.ID, "timeline").text
    assert "Kiểm tra và tiếp nhận hồ sơ nộp trực tuyến" in timeline
    shot("receiver-accepted")


def test_a_part_scanned_at_receipt_is_re_used_for_the_same_citizen(browser, shot, tmp_path):
    """The receive form takes a scan with each paper part; the same citizen's next dossier is
    offered that part and the receiver re-uses it instead of asking for the paper."""
    scan = tmp_path / "giay-chung-sinh.png"
    scan.write_bytes(files.png(80, 60, (30, 30, 160)))
    id_number = "0792" + fresh_phone()[-8:]
    receiver = Officer(OFFICE, "receiver", "Phan Thị Nhận")
    sign_in(browser, token(receiver))
    codes = []
    for n in (1, 2):
        browser.find_element(By.ID, "nav-receive").click()
        Select(visible(browser, "#procedure")).select_by_value(PROCEDURE)
        visible(browser, "#scan-at-receipt-giay_chung_sinh")
        if n == 1:
            browser.find_element(By.ID, "scan-at-receipt-giay_chung_sinh").send_keys(str(scan))
        browser.find_element(By.ID, "applicant_name").send_keys("Trương Văn Lâm")
        browser.find_element(By.ID, "applicant_phone").send_keys("0912345678")
        browser.find_element(By.ID, "applicant_id").send_keys(id_number)
        if n == 1:
            shot("receive-form-with-a-scan")
        browser.find_element(By.ID, "receive-button").click()
        codes.append(visible(browser, "#receipt-code").text)
        if n == 1:
            wait(browser, EC.text_to_be_present_in_element((By.ID, "message"), "Đã số hoá 1"))
    first, second = codes
    open_dossier(browser, first)
    row = visible(browser, '#documents-panel tr[data-part="giay_chung_sinh"]')
    assert row.get_attribute("data-status") == "digitised"
    open_dossier(browser, second)
    offer = visible(
        browser,
        f'#documents-panel tr[data-part="giay_chung_sinh"] '
        f'button.reuse-button[data-source="{first}/giay_chung_sinh"]',
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", offer)
    shot("re-use-offered")
    offer.click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "message"), "Đã dùng lại"))
    row = visible(browser, '#documents-panel tr[data-part="giay_chung_sinh"]')
    wait(
        browser,
        lambda d: (
            d.find_element(
                By.CSS_SELECTOR, '#documents-panel tr[data-part="giay_chung_sinh"]'
            ).get_attribute("data-status")
            == "reused_from_part"
        ),
    )
    panel = browser.find_element(By.ID, "documents-panel")
    assert f"từ hồ sơ {first}" in panel.text
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", panel)
    shot("re-used")
