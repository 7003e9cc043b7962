"""A customer in WebKit, Safari's engine (mirror/testing/webkit.py): the customer's side of a
session in MiniBrowser. The agent stays in Chromium (Playwright)."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

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
