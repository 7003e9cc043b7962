"""A customer in another engine than the server's Chromium: WebKit, Safari's engine
(mirror/testing/webkit.py, MiniBrowser through WebKitWebDriver), or Firefox (mirror/testing/
firefox.py, through WebDriver BiDi). The customer's side of a session; the agent stays in
Chromium (Playwright). Both are asked the same things in the same words."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from mirror.testing.firefox import BiDi
from tests.waiting import wait_for

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
# The box of the widget's visible button of this name (arguments[0]), or null.
BUTTON_JS = """
  for (const host of document.querySelectorAll("[data-cobrowse-widget]")) {
    for (const button of host.shadowRoot ? host.shadowRoot.querySelectorAll("button") : []) {
      const box = button.getBoundingClientRect();
      if (button.textContent.trim() === arguments[0] && box.width && box.height) {
        return { x: box.x, y: box.y, width: box.width, height: box.height };
      }
    }
  }
  return null;
"""


class EngineCustomer:
    """What a customer's page is asked through its engine's script runner."""

    def js(self, script: str, *args: Any) -> Any:
        """The function body ``script`` run in the page with ``args`` (``arguments[i]``)."""
        raise NotImplementedError

    def wait(self, condition: Any, what: str) -> Any:
        found: list[Any] = []

        def done() -> bool:
            found[:] = [condition()]
            return bool(found[0])

        wait_for(done, what, TIMEOUT_S)
        return found[0]

    def viewport(self) -> tuple[int, int]:
        """The size the page is laid out at: the window's, less classic scroll bars (Firefox's
        headless ones take 12 px), as the view shows it."""
        root = "document.documentElement"
        width, height = self.js(f"return [{root}.clientWidth, {root}.clientHeight]")
        return int(width), int(height)

    def rect(self, selector: str) -> dict[str, float]:
        return dict(self.js(RECT_JS, selector))

    def value(self, selector: str) -> str:
        return str(self.js("return document.querySelector(arguments[0]).value", selector))

    def sent(self) -> list[str]:
        return list(self.js("return window.cobrowseSent || []"))

    def session_id(self) -> str:
        return str(self.wait(lambda: self.js(SESSION_ID_JS), "session ID"))


class WebKitCustomer(EngineCustomer):
    """The customer's side of a session, in MiniBrowser."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver

    def open(self, url: str) -> None:
        self.driver.get(url)
        self.wait(lambda: self.js("return document.readyState") == "complete", "page loaded")
        self.wait(lambda: self.js(f"return Boolean(document.querySelector({WIDGET!r}))"), "widget")

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

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
        return self.session_id()

    def element(self, selector: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def type_into(self, selector: str, text: str) -> None:
        field = self.element(selector)
        field.click()
        field.send_keys(text)

    def hover(self, selector: str) -> None:
        ActionChains(self.driver).move_to_element(self.element(selector)).perform()


class FirefoxCustomer(EngineCustomer):
    """The customer's side of a session, in Firefox; its input is the browser's own (trusted)."""

    def __init__(self, bidi: BiDi, width: int, height: int) -> None:
        self.bidi = bidi
        viewport = {"width": width, "height": height}
        bidi.call("browsingContext.setViewport", {"context": bidi.context, "viewport": viewport})

    def open(self, url: str) -> None:
        params = {"context": self.bidi.context, "url": url, "wait": "complete"}
        self.bidi.call("browsingContext.navigate", params)
        self.wait(lambda: self.js(f"return Boolean(document.querySelector({WIDGET!r}))"), "widget")

    def js(self, script: str, *args: Any) -> Any:
        return self.bidi.run(script, *args)

    def start(self) -> str:
        """Co-browse -> Yes, as the customer does; the session ID the widget shows."""
        self.js(KEEP_SENT_JS)
        for name in ("Co-browse", "Yes"):
            self.click(self.wait(lambda name=name: self.js(BUTTON_JS, name), f"{name} button"))
        return self.session_id()

    def pointer(self, *actions: dict[str, Any]) -> None:
        source = {"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}}
        self.perform([{**source, "actions": list(actions)}])

    def perform(self, sources: list[dict[str, Any]]) -> None:
        self.bidi.call("input.performActions", {"context": self.bidi.context, "actions": sources})

    def move_to(self, box: dict[str, float]) -> dict[str, Any]:
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        return {"type": "pointerMove", "x": round(x), "y": round(y)}

    def click(self, box: dict[str, float]) -> None:
        down, up = ({"type": kind, "button": 0} for kind in ("pointerDown", "pointerUp"))
        self.pointer(self.move_to(box), down, up)

    def type_into(self, selector: str, text: str) -> None:
        self.click(self.rect(selector))
        keys = [{"type": kind, "value": c} for c in text for kind in ("keyDown", "keyUp")]
        self.perform([{"type": "key", "id": "keyboard", "actions": keys}])

    def hover(self, selector: str) -> None:
        self.pointer(self.move_to(self.rect(selector)))
