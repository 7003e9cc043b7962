"""A customer in WebKit, Safari's engine: WebKitGTK's MiniBrowser driven through WebKitWebDriver
(Selenium) on a virtual X display (Xvfb); `make setup` installs all three from Debian and PyPI.
The agent stays in Chromium (Playwright)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

MINIBROWSER = "/usr/lib/*/webkit2gtk-4.*/MiniBrowser"
TIMEOUT_S = 20
WIDGET = "[data-cobrowse-widget]"
# Every message the page sends on a WebSocket, kept in the page (a canary is looked for in them).
KEEP_SENT_JS = """
  window.cobrowseSent = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    window.cobrowseSent.push(typeof data === "string" ? data : "");
    return send.call(this, data);
  };
"""
SESSION_ID_JS = """
  for (const host of document.querySelectorAll("[data-cobrowse-widget]")) {
    const shown = host.shadowRoot && host.shadowRoot.querySelector("[data-cobrowse-session-id]");
    if (shown) return shown.getAttribute("data-cobrowse-session-id");
  }
  return null;
"""
RECT_JS = """
  const box = document.querySelector(arguments[0]).getBoundingClientRect();
  return { x: box.x, y: box.y, width: box.width, height: box.height };
"""


def missing() -> str | None:
    """What this machine lacks to run a WebKit customer (`make setup` installs it), or None."""
    if not shutil.which("Xvfb"):
        return "Xvfb (Debian's xvfb)"
    if not shutil.which("WebKitWebDriver"):
        return "WebKitWebDriver (Debian's webkit2gtk-driver)"
    if not glob.glob(MINIBROWSER):
        return "WebKitGTK's MiniBrowser (Debian's libwebkit2gtk-4.1-0)"
    return None


@contextlib.contextmanager
def virtual_display() -> Iterator[str]:
    """An X display of its own: Xvfb picks a free number and says which (-displayfd)."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1200x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as numbers:
            number = numbers.readline().strip()
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


@contextlib.contextmanager
def minibrowser(display: str, width: int, height: int) -> Iterator[WebDriver]:
    """MiniBrowser on ``display``, its window ``width`` x ``height``."""
    options = webdriver.WebKitGTKOptions()
    options.binary_location = sorted(glob.glob(MINIBROWSER))[-1]
    options.add_argument("--automation")
    service = webdriver.WebKitGTKService(
        executable_path=shutil.which("WebKitWebDriver"), env={**os.environ, "DISPLAY": display}
    )
    driver = webdriver.WebKitGTK(options=options, service=service)
    try:
        driver.set_window_size(width, height)
        yield driver
    finally:
        driver.quit()


class WebKitCustomer:
    """The customer's side of a session, in MiniBrowser."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver

    def wait(self, condition: Any, what: str) -> Any:
        return WebDriverWait(self.driver, TIMEOUT_S, poll_frequency=0.1).until(
            lambda _: condition(), message=f"no {what} within {TIMEOUT_S} s"
        )

    def open(self, url: str) -> None:
        self.driver.get(url)
        self.wait(lambda: self.js("return document.readyState") == "complete", "page loaded")
        self.wait(lambda: self.js(f"return Boolean(document.querySelector({WIDGET!r}))"), "widget")

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def viewport(self) -> tuple[int, int]:
        width, height = self.js("return [innerWidth, innerHeight]")
        return int(width), int(height)

    def widget_button(self, name: str) -> WebElement | None:
        for host in self.driver.find_elements(By.CSS_SELECTOR, WIDGET):
            for button in host.shadow_root.find_elements(By.CSS_SELECTOR, "button"):
                if button.text.strip() == name and button.is_displayed():
                    return button
        return None

    def start(self) -> str:
        """Co-browse -> Yes, as the customer does; the session ID the widget shows."""
        self.js(KEEP_SENT_JS)
        self.wait(lambda: self.widget_button("Co-browse"), "Co-browse button").click()
        self.wait(lambda: self.widget_button("Yes"), "Yes button").click()
        return str(self.wait(lambda: self.js(SESSION_ID_JS), "session ID"))

    def rect(self, selector: str) -> dict[str, float]:
        return dict(self.js(RECT_JS, selector))

    def element(self, selector: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def type_into(self, selector: str, text: str) -> None:
        field = self.element(selector)
        field.click()
        field.send_keys(text)

    def value(self, selector: str) -> str:
        return str(self.js("return document.querySelector(arguments[0]).value", selector))

    def hover(self, selector: str) -> None:
        ActionChains(self.driver).move_to_element(self.element(selector)).perform()

    def sent(self) -> list[str]:
        return list(self.js("return window.cobrowseSent || []"))
