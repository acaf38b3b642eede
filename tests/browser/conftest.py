"""Headless Chromium (Debian's chromium + chromium-driver) driving the gateway's pages on the
running stack; a screenshot per step into tests/artifacts/browser/."""

import os
import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"


def _binary(*names: str) -> str:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(f"none of {names} on PATH: make deps installs Debian's chromium, chromium-driver")


@pytest.fixture(scope="session")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("LT_CHROMIUM", _binary("chromium", "chromium-browser"))
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1000",
        "--lang=vi-VN",
    ):
        options.add_argument(arg)
    service = Service(os.environ.get("LT_CHROMEDRIVER", _binary("chromedriver")))
    driver = webdriver.Chrome(options=options, service=service)
    driver.implicitly_wait(0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture
def shot(browser, request):
    """shot("name") saves a screenshot as <test>-<n>-<name>.png in tests/artifacts/browser/."""
    count = iter(range(1, 100))

    def save(name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{next(count):02d}-{name}.png"
        browser.save_screenshot(str(path))
        return path

    return save
