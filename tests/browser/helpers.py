"""What the browser tests share: waiting, signing in, the dossier page and its actions, the
worklist's two parts page after page, and printing a form to PDF as the officer would."""

import base64
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.conftest import BASE, Officer, eventually

ICT = timezone(timedelta(hours=7))  # Vietnam: UTC+7 all year
# A4 less style.css's page margins, in CSS pixels (96 per inch): 175 mm and 273 mm
PRINTED_WIDTH_PX = {"portrait": 661, "landscape": 1032}
# the worklist's parts and the console's sections showing them
SECTIONS = {"incoming": "incoming", "in_hand": "worklist"}


def wait(browser, condition, timeout=30):
    return WebDriverWait(
        browser, timeout, ignored_exceptions=(StaleElementReferenceException,)
    ).until(condition)


def visible(browser, css, timeout=30):
    return wait(browser, EC.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout)


def token(officer: Officer) -> str:
    return officer.headers["Authorization"].removeprefix("Bearer ")


def sign_in(browser, token):
    """Sign in afresh: the page is reloaded once the token of the previous officer is gone (a
    fragment-only navigation would keep the page, signed in as them)."""
    browser.get(f"{BASE}/console#/")
    browser.execute_script("sessionStorage.clear()")
    browser.refresh()
    visible(browser, "#token").send_keys(token)
    browser.find_element(By.ID, "sign-in-button").click()
    try:
        return visible(browser, "#worklist")
    except TimeoutException:
        message = browser.find_element(By.ID, "message").text
        said = f"no worklist after signing in; the console says {message!r}"
        raise AssertionError(said) from None


def open_view(browser, route: str, css: str, timeout=30):
    """The console's page at `route` (#/...), loaded afresh, once `css` shows on it."""
    browser.get(f"{BASE}/console{route}")
    browser.refresh()
    try:
        return visible(browser, css, timeout)
    except TimeoutException:
        message = browser.find_element(By.ID, "message").text
        raise AssertionError(f"{route}: no {css}; the console says {message!r}") from None


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


def act(browser, action, script_values=None, **fields):
    """Click the action, fill its form (typed; `script_values` set by script, for inputs such
    as datetime-local whose typing depends on the locale), confirm, wait for the new page."""
    browser.find_element(By.ID, f"action-{action}").click()
    for field, value in fields.items():
        visible(browser, f"#{action}-{field}").send_keys(value)
    for field, value in (script_values or {}).items():
        browser.execute_script(
            "arguments[0].value = arguments[1]", visible(browser, f"#{action}-{field}"), value
        )
    page = browser.find_element(By.ID, "dossier")
    browser.find_element(By.ID, f"confirm-{action}").click()
    wait(browser, EC.staleness_of(page))  # the page is drawn again from the new state
    wait(browser, EC.text_to_be_present_in_element((By.ID, "message"), "Đã thực hiện"))


def api_actions(token, code) -> list[str]:
    r = requests.get(
        f"{BASE}/api/dossiers/{code}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert r.status_code == 200, r.text
    return r.json()["actions"]


def printed(browser, path: Path, landscape=False, preview: Path | None = None) -> bytes:
    """As printed: only the form shows (print stylesheet); the PDF (A4) is kept at `path`, and
    with `preview` a screenshot of the page as the print stylesheet lays it out."""
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        for css in ("header.bar", "nav", "#print", "#message"):
            assert not browser.find_element(By.CSS_SELECTOR, css).is_displayed(), css
        assert browser.find_element(By.CSS_SELECTOR, ".form-doc").is_displayed()
        if preview:  # as wide as the printed area of an A4 page (style.css's @page margins)
            width = PRINTED_WIDTH_PX["landscape" if landscape else "portrait"]
            browser.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
            )
            browser.execute_script("window.scrollTo(0, 0)")
            browser.save_screenshot(str(preview))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7
    options.orientation = "landscape" if landscape else "portrait"
    pdf = base64.b64decode(browser.print_page(options))
    assert pdf.startswith(b"%PDF")
    path.write_bytes(pdf)
    return pdf


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The (width, height) in points of each page of a PDF as Chromium writes it."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def part_codes(officer: Officer, part: str) -> list[str]:
    """The codes of one part of the officer's worklist (incoming, in_hand), every page."""
    codes, after = [], None
    while True:
        query = {"part": part, "limit": 200, **({"after": after} if after else {})}
        r = officer.get(f"/api/offices/{officer.office}/worklist", **query)
        assert r.status_code == 200, r.text
        codes += [d["code"] for d in r.json()["dossiers"]]
        if not (after := r.json()["next"]):
            return codes


def find_row(browser, code, section="worklist", timeout=60):
    """The row of `code` in a worklist section, reloading the home page and asking for the
    section's next page ("Xem thêm") until it shows."""

    def shown(driver):
        driver.get(f"{BASE}/console#/")
        driver.refresh()
        try:
            visible(driver, f"#{section}", timeout=10)
        except TimeoutException:
            return False
        while True:
            rows = driver.find_elements(By.CSS_SELECTOR, f'#{section} tr[data-code="{code}"]')
            if rows:
                return rows[0]
            more = driver.find_elements(By.CSS_SELECTOR, f"#{section}-more:not(.hidden)")
            if not more:
                return False
            count = len(driver.find_elements(By.CSS_SELECTOR, f"#{section} tbody tr"))
            more[0].click()
            try:
                WebDriverWait(driver, 10).until(
                    lambda d, count=count: (
                        len(d.find_elements(By.CSS_SELECTOR, f"#{section} tbody tr")) > count
                    )
                )
            except TimeoutException:
                return False

    return WebDriverWait(browser, timeout, poll_frequency=1).until(shown)


def take(handler: Officer, code: str) -> None:
    """The handler at the office holding the dossier receives it once it has arrived."""
    eventually(
        lambda: "accept" in handler.dossier(code)["actions"],
        30,
        f"{code} at {handler.office}, waiting to be accepted",
    )
    handler.act(code, "accept")


def ict(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(ICT)


def long_day(iso: str) -> str:
    """As the forms write a day: 'ngày 05 tháng 03 năm 2025'."""
    return ict(iso).strftime("ngày %d tháng %m năm %Y")


def long_when(iso: str) -> str:
    """As the forms write an instant: '09 giờ 30 phút, ngày 05 tháng 03 năm 2025'."""
    t = ict(iso)
    return t.strftime("%H giờ %M phút, ") + long_day(iso)


def when(iso: str) -> str:
    """As the console's tables write an instant: '09:30 05/03/2025'."""
    return ict(iso).strftime("%H:%M %d/%m/%Y")
