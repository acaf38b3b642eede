"""Money in the console and on the citizen page (issue 21), against the payment-platform
simulator: a fee chosen online at the counter leaves the dossier waiting ("Chờ nộp tiền"), the
citizen page links to the platform, the citizen pays there and the dossier moves on; a land
dossier's notice of financial obligation issued through the console's form (status 6), then
paid in cash at the receiving counter; the receipt (form 01) prints its fee line."""

import re
import secrets
from datetime import datetime, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from contracts.money import receipt_number
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import (
    ICT,
    act,
    find_row,
    open_dossier,
    open_view,
    printed,
    sign_in,
    take,
    token,
    visible,
    wait,
    when,
)
from tests.e2e.conftest import BASE, Officer, eventually

pytestmark = pytest.mark.browser

COMMUNE, PROVINCE = "X28720", "T82"  # Vàm Láng decides HT-04 (15.000 ₫); Tiền Giang DD-04
PDF_MIN_BYTES = 5 * 1024


def as_a_citizen(browser) -> None:
    """A citizen of their own behind the (trusted) proxy: other tests' failed lookups from this
    machine do not count against them."""
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.setExtraHTTPHeaders",
        {"headers": {"X-Forwarded-For": f"2001:db8::{secrets.token_hex(2)}"}},
    )


def track(browser, code: str, phone: str, status: str):
    browser.get(f"{BASE}/track?code={code}")
    visible(browser, "#phone").send_keys(phone[-4:])
    browser.find_element(By.ID, "track-button").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "r-status"), status))
    return browser.find_element(By.ID, "result")


def payment_rows(browser) -> list[list[str]]:
    rows = browser.find_elements(By.CSS_SELECTOR, "#payments tbody tr")
    return [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows]


def test_a_fee_chosen_online_is_paid_on_the_platform(browser, shot):
    receiver = Officer(COMMUNE, "receiver", "Nguyễn Thị Lan")
    phone = "0912700" + f"{secrets.randbelow(1000):03d}"

    # the counter: HT-04's fee, and how it is paid
    sign_in(browser, token(receiver))
    browser.find_element(By.ID, "nav-receive").click()
    assert not browser.find_element(By.ID, "fee").is_displayed()  # no procedure chosen yet
    Select(visible(browser, "#procedure")).select_by_value("HT-04")
    assert visible(browser, "#fee-amount").text == "15.000 ₫"
    methods = Select(browser.find_element(By.ID, "fee_method"))
    assert [o.text for o in methods.options] == ["Tiền mặt", "Chuyển khoản", "Trực tuyến"]
    methods.select_by_value("online")
    assert "sau khi công dân nộp phí trực tuyến" in browser.find_element(By.ID, "fee-note").text
    browser.find_element(By.ID, "applicant_name").send_keys("Lê Thị Hoa")
    browser.find_element(By.ID, "applicant_phone").send_keys(phone)
    browser.execute_script("document.getElementById('fee').scrollIntoView({block: 'center'})")
    shot("receive-fee-online")
    browser.find_element(By.ID, "receive-button").click()
    code = visible(browser, "#receipt-code").text
    fee_line = browser.find_element(By.ID, "receipt-fee").text
    assert fee_line == "Phí, lệ phí: 15.000 ₫ — chờ nộp trực tuyến"
    wait(browser, EC.text_to_be_present_in_element((By.ID, "message"), "Chờ nộp trực tuyến"))
    shot("receipt-awaiting-fee")

    # the dossier waits for its fee: status 1, "Chờ nộp tiền", the payment due
    open_dossier(browser, code, "awaiting_fee")
    status = browser.find_element(By.ID, "status").text
    assert "Chờ nộp phí, lệ phí trực tuyến" in status and "Chờ nộp tiền" in status
    assert "(Cổng DVC quốc gia): 1" in status
    [row] = payment_rows(browser)
    assert row[:3] == ["Phí, lệ phí", "15.000 ₫", "Chờ nộp"]
    assert browser.find_elements(By.CSS_SELECTOR, "#payments .pay-at-counter")  # or in cash
    shot("dossier-awaiting-fee")
    row = find_row(browser, code, "worklist")
    assert row.find_element(By.CSS_SELECTOR, ".due").text == "Chờ nộp tiền"
    assert "Chờ nộp phí, lệ phí trực tuyến" in row.text
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
    shot("worklist-awaiting-fee")

    # the citizen page: what is due and the link to the platform
    as_a_citizen(browser)
    result = track(browser, code, phone, "Chờ nộp phí, lệ phí trực tuyến")
    block = browser.find_element(By.ID, "r-payments-block")
    assert "Phí, lệ phí và nghĩa vụ tài chính" in block.text
    assert "15.000 ₫" in block.text and "Chờ nộp" in block.text
    link = block.find_element(By.CSS_SELECTOR, "a.pay-online")
    assert link.text == "Thanh toán trực tuyến"
    assert link.get_attribute("rel") == "noopener" and link.get_attribute("target") == "_blank"
    pay_url = link.get_attribute("href")
    assert re.match(r"^http://127\.0\.0\.1:\d+/pay/", pay_url), pay_url
    assert result.is_displayed()
    shot("track-pay-link")

    # the platform's page (the link opens it in a new tab; here in this one), paid
    browser.get(pay_url)
    assert "15.000 ₫" in browser.find_element(By.TAG_NAME, "body").text
    shot("platform-pay-page")
    browser.find_element(By.CSS_SELECTOR, "button[value=pay]").click()
    wait(browser, lambda d: "Chờ thanh toán" not in d.find_element(By.TAG_NAME, "body").text)

    # the dossier moves on: accepted, sent to be decided; the receipt number everywhere
    receiver.wait_state(code, "awaiting_acceptance")
    eventually(lambda: receiver.dossier(code)["payments"][0]["status"] == "paid", 30)
    number = receipt_number(f"{code}-F")
    result = track(browser, code, phone, "Đã chuyển đến cơ quan giải quyết")
    block = browser.find_element(By.ID, "r-payments-block").text
    assert "Đã nộp" in block and f"Biên lai số: {number}" in block
    assert not browser.find_elements(By.CSS_SELECTOR, "a.pay-online")
    shot("track-paid")
    sign_in(browser, token(receiver))
    open_dossier(browser, code, "awaiting_acceptance")
    [row] = payment_rows(browser)
    assert row[:3] == ["Phí, lệ phí", "15.000 ₫", "Đã nộp"] and row[4] == number
    assert row[3].startswith("Trực tuyến")
    assert not browser.find_elements(By.CSS_SELECTOR, "#payments .pay-at-counter")
    timeline = browser.find_element(By.ID, "timeline").text
    assert f"Nộp phí, lệ phí 15.000 ₫ (trực tuyến) — biên lai số {number}" in timeline
    assert "Đã nộp phí, lệ phí trực tuyến: hồ sơ được tiếp nhận" in timeline
    shot("dossier-fee-paid")
    browser.find_element(By.ID, "print-receipt").click()
    fee_line = visible(browser, "#receipt-fee").text
    assert fee_line == f"Phí, lệ phí: 15.000 ₫ — Biên lai số {number}"


def test_an_obligation_noticed_in_the_console_is_paid_at_the_counter(browser, shot):
    receiver = Officer(COMMUNE, "receiver", "Nguyễn Thị Lan")
    handler = Officer(PROVINCE, "handler", "Phạm Quốc Bảo")
    phone = "0912710" + f"{secrets.randbelow(1000):03d}"
    code = receiver.receive("DD-04", phone=phone)["code"]  # its fee in cash, at the counter
    take(handler, code)

    # the province's handler issues the notice through the console's form
    sign_in(browser, token(handler))
    open_dossier(browser, code, "in_process")
    assert browser.find_element(By.ID, "action-request_obligation").text == (
        "Thông báo nghĩa vụ tài chính"
    )
    pay_by = (datetime.now(ICT) + timedelta(days=10)).replace(
        hour=16, minute=30, second=0, microsecond=0
    )
    reason = "Lệ phí trước bạ nhà, đất"
    browser.find_element(By.ID, "action-request_obligation").click()
    visible(browser, "#request_obligation-amount_vnd").send_keys("1.500.000")
    assert browser.find_element(By.ID, "request_obligation-amount_vnd-shown").text == (
        "= 1.500.000 ₫"
    )
    browser.find_element(By.ID, "request_obligation-reason").send_keys(reason)
    browser.execute_script(
        "arguments[0].value = arguments[1]",
        browser.find_element(By.ID, "request_obligation-pay_by"),
        pay_by.strftime("%Y-%m-%dT%H:%M"),
    )
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center'})",
        browser.find_element(By.ID, "form-request_obligation"),
    )
    shot("obligation-form")
    # a fraction is no amount: said beside the form, nothing sent
    amount = browser.find_element(By.ID, "request_obligation-amount_vnd")
    amount.clear()
    amount.send_keys("1500000,5")
    browser.find_element(By.ID, "confirm-request_obligation").click()
    assert "số nguyên" in browser.find_element(By.ID, "error-request_obligation").text
    assert handler.dossier(code)["state"] == "in_process"
    amount.clear()
    act(browser, "request_obligation", amount_vnd="1500000")  # reason, deadline kept
    page = open_dossier(browser, code, "obligation_requested")
    status = browser.find_element(By.ID, "status").text
    assert "Chờ thực hiện nghĩa vụ tài chính" in status and "Chờ nộp tiền" in status
    assert "(Cổng DVC quốc gia): 6" in status
    rows = [r for r in payment_rows(browser) if r[0] == "Nghĩa vụ tài chính"]
    assert rows and rows[0][1:3] == ["1.500.000 ₫", "Chờ nộp"]
    assert rows[0][5] == when(pay_by.isoformat()) and rows[0][6] == reason
    assert not browser.find_elements(By.CSS_SELECTOR, "#payments .pay-at-counter")  # not here
    timeline = browser.find_element(By.ID, "timeline").text
    assert (
        f"Thông báo nghĩa vụ tài chính 1.500.000 ₫ — Tỉnh Tiền Giang — {handler.name}: {reason}"
        f" — hạn nộp {when(pay_by.isoformat())}"
    ) in timeline
    assert page.get_attribute("data-state") == "obligation_requested"
    shot("dossier-status-6")

    # the citizen's page: what to pay, by when, and the link to pay online once the platform
    # has the payment
    eventually(
        lambda: [p for p in handler.dossier(code)["payments"] if p["pay_url"]],
        30,
        f"a pay link for the notice of {code}",
    )
    as_a_citizen(browser)
    track(browser, code, phone, "Chờ thực hiện nghĩa vụ tài chính")
    block = browser.find_element(By.ID, "r-payments-block").text
    assert "Nghĩa vụ tài chính: 1.500.000 ₫" in block and f"Nội dung: {reason}" in block
    assert f"Hạn nộp: {pay_by.strftime('%H:%M %d/%m/%Y')}" in block
    assert "Hoặc nộp tại Bộ phận Một cửa nơi đã nộp hồ sơ." in block
    assert len(browser.find_elements(By.CSS_SELECTOR, "a.pay-online")) == 1
    shot("track-obligation")

    # the citizen pays in cash at the commune's counter
    sign_in(browser, token(receiver))
    open_dossier(browser, code, "obligation_requested")
    [form] = browser.find_elements(By.CSS_SELECTOR, "#payments form.counter-payment")
    assert "Thu tại quầy: Nghĩa vụ tài chính 1.500.000 ₫" in form.text
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'start'})", browser.find_element(By.ID, "payments")
    )
    shot("counter-payment-form")
    Select(form.find_element(By.CSS_SELECTOR, "select.pay-method")).select_by_value("cash")
    form.find_element(By.CSS_SELECTOR, "button.pay-at-counter").click()
    payment_id = form.get_attribute("data-payment")
    number = receipt_number(payment_id)
    wait(browser, EC.text_to_be_present_in_element((By.ID, "message"), f"biên lai số {number}"))
    assert "Đã thu 1.500.000 ₫ (tiền mặt)" in browser.find_element(By.ID, "message").text
    rows = [r for r in payment_rows(browser) if r[0] == "Nghĩa vụ tài chính"]
    assert rows[0][2] == "Đã nộp" and rows[0][4] == number and rows[0][3].startswith("Tiền mặt")
    shot("obligation-paid-at-counter")
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'start'})", browser.find_element(By.ID, "payments")
    )
    shot("payments-receipt-number")
    receiver.wait_state(code, "in_process")
    open_dossier(browser, code, "in_process")
    timeline = browser.find_element(By.ID, "timeline").text
    assert f"Nộp nghĩa vụ tài chính 1.500.000 ₫ (tiền mặt) — biên lai số {number}" in timeline
    assert "Đã thực hiện nghĩa vụ tài chính" in timeline
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'start'})", browser.find_element(By.ID, "timeline")
    )
    shot("timeline-obligation-paid")


def test_the_receipt_prints_its_fee_line(browser, shot):
    receiver = Officer(COMMUNE, "receiver", "Nguyễn Thị Lan")
    code = receiver.receive("HT-04", fee_method="cash")["code"]
    sign_in(browser, token(receiver))
    form = open_view(browser, f"#/receipt/{code}", "#receipt")
    number = receipt_number(f"{code}-F")
    assert browser.find_element(By.ID, "receipt-fee").text == (
        f"Phí, lệ phí: 15.000 ₫ — Biên lai số {number}"
    )
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in form.text
    shot("receipt-form-01")
    name = "test_the_receipt_prints_its_fee_line-form-01"
    pdf = printed(browser, ARTIFACTS / f"{name}.pdf", preview=ARTIFACTS / f"{name}-print.png")
    assert len(pdf) > PDF_MIN_BYTES
