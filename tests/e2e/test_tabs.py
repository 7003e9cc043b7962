"""The customer's tabs: another page of the site opened in a new tab of the same browser takes
the session when the customer looks at it, and the agent's view follows it there and back; a
tab out of sight shows the agent that the customer is on a page that is not shared. One
session throughout."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from mirror.testing import Cobrowse
from tests.e2e.matching import agent_of, start

TIMEOUT_MS = 15_000
# Playwright tells every page it has the focus; a browser gives it to the tab in front only.
REAL_FOCUS = {"enabled": False}
HIDDEN_JS = """() => {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
  document.dispatchEvent(new Event("visibilitychange"));
}"""
SHOWN_JS = """() => {
  delete document.visibilityState;
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def real_focus(page: Page) -> None:
    """From now on (until the page navigates) the page has the focus only when in front."""
    page.context.new_cdp_session(page).send("Emulation.setFocusEmulationEnabled", REAL_FOCUS)


def test_the_view_follows_the_customers_tabs_there_and_back(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/shop/checkout.html")
    real_focus(page)
    agent = agent_of(session)
    path = agent.locator("#page-path")
    expect(path).to_have_text("/shop/checkout.html")

    other = page.context.new_page()
    other.goto(f"{sample_site}/shop/index.html")  # A new tab of the same site, in front.
    expect(path).to_have_text("/shop/index.html", timeout=TIMEOUT_MS)
    real_focus(other)
    expect(agent.get_by_role("alert")).to_contain_text("switched to another tab")
    widget = page.locator("[data-cobrowse-widget]")
    expect(widget.get_by_role("status")).to_contain_text("another tab")

    page.bring_to_front()  # Back to the first tab...
    expect(path).to_have_text("/shop/checkout.html", timeout=TIMEOUT_MS)
    other.bring_to_front()  # ...to the second...
    expect(path).to_have_text("/shop/index.html", timeout=TIMEOUT_MS)
    other.close()  # ...and closed: the first is in front again.
    expect(path).to_have_text("/shop/checkout.html", timeout=TIMEOUT_MS)
    session.assert_shown_to_agent("h1")
    record = session.end()
    assert record["end_reason"] == "customer_exit"


def test_a_tab_out_of_sight_shows_the_agent_a_page_not_shared(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/shop/checkout.html")
    agent = agent_of(session)
    placeholder = agent.get_by_text("The customer is on a page that is not shared")
    page.evaluate(HIDDEN_JS)  # The browser puts another tab or window in front of this one.
    expect(placeholder).to_be_visible(timeout=TIMEOUT_MS)
    page.evaluate(SHOWN_JS)
    expect(placeholder).to_be_hidden(timeout=TIMEOUT_MS)
