"""Takes the screenshots of the README and the guides from the real pages (`make screenshots`):
the demo kiosk, each step of the customer's widget, the agent's desk with a session and a chat,
the pointing tools on both sides, and a colleague watching. Runs `cobrowse demo` on free ports;
writes docs/*.png."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

from mirror.render.browser import LEAN_ARGS, bundled_chromium, system_chromium
from mirror.testing.kiosk import CUSTOMER_FRAME, join_in_kiosk
from mirror.testing.processes import ChildProcess
from mirror.testing.server import free_port

DOCS = Path(__file__).resolve().parents[1] / "docs"
TIMEOUT_MS = 30_000
WIDGET = "[data-cobrowse-widget]"


def corner(page: Page, path: Path) -> None:
    """The widget's corner of the customer's page (bottom left, where the panel opens)."""
    size = page.viewport_size or {"width": 1280, "height": 800}
    page.screenshot(
        path=path, clip={"x": 0, "y": size["height"] - 560, "width": 440, "height": 560}
    )


def widget_steps(browser: Browser, site: str) -> Page:
    """Button, question, session ID: docs/widget-1..3.png; returns the page, waiting."""
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{site}/shop/checkout.html")
    widget = page.locator(WIDGET)
    expect(widget.get_by_role("button", name="Co-browse")).to_be_visible(timeout=TIMEOUT_MS)
    corner(page, DOCS / "widget-1-button.png")
    widget.get_by_role("button", name="Co-browse").click()
    corner(page, DOCS / "widget-2-question.png")
    widget.get_by_role("button", name="Yes").click()
    expect(page.locator("[data-cobrowse-session-id]")).to_be_visible(timeout=TIMEOUT_MS)
    corner(page, DOCS / "widget-3-session-id.png")
    return page


def a_waiting_chat(browser: Browser, site: str) -> None:
    """Another customer asks a question in the live chat, so the desk has a chat to show."""
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{site}/support/index.html")
    page.get_by_role("button", name="Live chat").click()
    page.get_by_role("textbox", name="Message").fill("Hello, where is my order 10421?")
    page.get_by_role("button", name="Send").click()


def agent_desk(browser: Browser, server: str, customer: Page) -> Page:
    """The agent joins the customer's session, with the chat accepted: docs/agent-desk.png, and
    the widget's established step: docs/widget-4-established.png."""
    agent = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    agent.goto(f"{server}/agent")
    digits = customer.locator("[data-cobrowse-session-id]").get_attribute(
        "data-cobrowse-session-id"
    )
    agent.get_by_label("Session ID").fill(digits or "")
    agent.get_by_role("button", name="Join").click()
    expect(agent.get_by_role("status")).to_contain_text("active", timeout=TIMEOUT_MS)
    agent.get_by_role("button", name="Accept").first.click(timeout=TIMEOUT_MS)
    expect(agent.get_by_role("log", name="Chat transcript")).to_contain_text("order 10421")
    customer.locator("#firstName").fill("Ada")
    expect(customer.locator(WIDGET).get_by_role("status")).to_contain_text("established")
    corner(customer, DOCS / "widget-4-established.png")
    agent.wait_for_function(
        "() => document.querySelector('[data-cobrowse-view]').dataset.frames > 2"
    )
    agent.screenshot(path=DOCS / "agent-desk.png")
    return agent


def pointing_tools(agent: Page, customer: Page) -> None:
    """A highlight drawn on the view: docs/pointing-tools.png (the customer's page)."""
    agent.get_by_role("button", name="Highlighter").click()
    box = agent.locator("[data-cobrowse-view]").bounding_box()
    assert box is not None
    scale = box["width"] / 1280
    agent.mouse.move(box["x"] + 90 * scale, box["y"] + 370 * scale)
    agent.mouse.down()
    agent.mouse.move(box["x"] + 450 * scale, box["y"] + 370 * scale, steps=16)
    agent.mouse.up()
    customer.wait_for_function(
        "() => { const c = document.querySelector('[data-cobrowse-widget]').shadowRoot"
        ".querySelector('canvas'); return c && c.width > 0; }"
    )
    customer.screenshot(
        path=DOCS / "pointing-tools.png", clip={"x": 0, "y": 0, "width": 900, "height": 560}
    )


def colleagues(browser: Browser, agent: Page, customer: Page) -> None:
    """A supervisor invited and watching: docs/colleagues.png (the agent's panel) and
    docs/widget-5-watching.png (the customer told)."""
    agent.get_by_role("button", name="Invite a colleague").click()
    agent.get_by_label("Colleague's name").fill("Dana, supervisor")
    agent.get_by_role("button", name="Create invite link").click()
    link = agent.get_by_label("Invite link")
    expect(link).to_have_value(re.compile("invite="), timeout=TIMEOUT_MS)
    watcher = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    watcher.goto(link.input_value())
    expect(watcher.get_by_role("status")).to_contain_text("watching", timeout=TIMEOUT_MS)
    expect(agent.get_by_role("button", name="Hand over to Dana, supervisor")).to_be_visible()
    agent.locator("#crew").screenshot(path=DOCS / "colleagues.png")
    expect(customer.locator(WIDGET)).to_contain_text("Dana, supervisor")
    corner(customer, DOCS / "widget-5-watching.png")


def kiosk(browser: Browser, server: str) -> None:
    """The demo kiosk, joined, at 1600x900: docs/demo.png."""
    page = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    page.goto(server)
    page.frame_locator(CUSTOMER_FRAME).get_by_role("link", name="Checkout").first.click()
    customer, agent = join_in_kiosk(page, TIMEOUT_MS)
    customer.locator("#firstName").fill("Ada")
    customer.locator("#cc-number").fill("4111 1111 1111 1111")
    customer.locator(WIDGET).get_by_role("button", name="Close").click()
    customer.locator("#cc-number").evaluate("(f) => f.scrollIntoView({block: 'center'})")
    agent.locator("[data-cobrowse-view][data-frames]").wait_for(timeout=TIMEOUT_MS)
    page.evaluate("() => window.scrollTo(0, 0)")  # Scrolling the card into sight moved the kiosk.
    page.wait_for_timeout(1500)  # ok-sleep: a picture for people, after the view has settled.
    page.screenshot(path=DOCS / "demo.png")


def main() -> int:
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="cobrowse-screenshots-"))
    args = ["demo", "--port", str(port), "--db", f"sqlite:///{folder / 'demo.db'}"]
    with ChildProcess(args, log_file=folder / "demo.log") as demo, sync_playwright() as playwright:
        executable = bundled_chromium(playwright) or system_chromium(os.environ.get("CHROMIUM"))
        browser = playwright.chromium.launch(executable_path=executable, args=LEAN_ARGS)
        site = f"http://127.0.0.1:{port + 1}"
        customer = widget_steps(browser, site)
        a_waiting_chat(browser, site)
        agent = agent_desk(browser, demo.url, customer)
        pointing_tools(agent, customer)
        colleagues(browser, agent, customer)
        kiosk(browser, demo.url)
        browser.close()
    print(f"screenshots written to {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
