"""A real headless Chromium (Debian's chromium and chromium-driver) for the page tests.

Every request other than the page's own file is blocked through the DevTools protocol, and the
performance log records what the page asked for, so a test can prove the page needs no network.
Selenium is pointed at the Debian driver and browser, so it never downloads either.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-default-apps", "--window-size=1280,900")


class Browser:
    def __init__(self, driver):
        self.driver = driver

    def open(self, path: Path, *, allow: tuple[str, ...] = (), timeout: float = 20.0) -> float:
        """Load a page with every http(s) request blocked except to ``allow`` prefixes; the seconds
        until the page says it is drawn (``window.citykg.ready``)."""
        blocked = ["http://*", "https://*", "ws://*", "wss://*"]
        self.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": [] if allow else blocked})
        self.driver.get_log("performance")
        self.driver.get_log("browser")
        started = time.perf_counter()
        self.driver.get(path.resolve().as_uri())
        while time.perf_counter() - started < timeout:
            if self.driver.execute_script("return Boolean(window.citykg && window.citykg.ready)"):
                return time.perf_counter() - started
            time.sleep(0.05)
        raise AssertionError(f"{path.name} did not finish drawing within {timeout} s")

    def requests(self) -> list[str]:
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def console_errors(self) -> list[str]:
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def canvas_png(self) -> bytes:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, "#network canvas").screenshot_as_png

    def script(self, text: str, *args):
        return self.driver.execute_script(text, *args)


@pytest.fixture(scope="session")
def browser():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        message = "Debian's chromium and chromium-driver are needed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not look for a driver online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    try:
        yield Browser(driver)
    finally:
        driver.quit()
