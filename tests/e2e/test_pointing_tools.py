"""The agent's pointing tools: a highlighter stroke drawn on the view shows on the customer's page
over the same spot (in our overlay, never in the page's content) and in the agent's view, follows
the page when it scrolls, fades, and is cleared by either side; the customer can turn them off."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from mirror.testing import Cobrowse, CobrowseSession
from mirror.testing.view import wait_for_next_frame
from tests.e2e.matching import agent_of, start

TIMEOUT_MS = 15_000
# The alpha of the customer's overlay at (x, y) of the viewport.
OVERLAY_ALPHA_JS = """([x, y]) => {
  const host = document.querySelector("[data-cobrowse-widget]");
  const canvas = host && host.shadowRoot.querySelector("canvas");
  if (!canvas || !canvas.width) return 0;
  return canvas.getContext("2d").getImageData(x, y, 1, 1).data[3];
}"""
ROW = 130  # A row of the checkout's header, left of the cart: text and white space only.


def stroke(session: CobrowseSession, y: int, x0: int = 520, x1: int = 760) -> None:
    """The agent drags across the view from (x0, y) to (x1, y), customer's CSS pixels."""
    agent, box = session.agent, session.view.bounding_box()
    assert agent is not None and box is not None
    scale = box["width"] / 1280
    agent.mouse.move(box["x"] + x0 * scale, box["y"] + y * scale)
    agent.mouse.down()
    agent.mouse.move(box["x"] + x1 * scale, box["y"] + y * scale, steps=12)
    agent.mouse.up()


def drawn_at(page: Page, x: int, y: int) -> None:
    page.wait_for_function(f"() => ({OVERLAY_ALPHA_JS})([{x}, {y}]) > 0", timeout=TIMEOUT_MS)


def clear_at(page: Page, x: int, y: int) -> None:
    page.wait_for_function(f"() => ({OVERLAY_ALPHA_JS})([{x}, {y}]) === 0", timeout=TIMEOUT_MS)


def yellowish(session: CobrowseSession, x: int, y: int) -> bool:
    r, g, b = session.view_image().getpixel((x, y))[:3]
    return r > 180 and g > 160 and b < 170


def view_turns_yellow(session: CobrowseSession, x: int, y: int) -> bool:
    """Frame by frame, until the view shows the highlighter at (x, y), or the time is up."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not yellowish(session, x, y):
        remaining_ms = (deadline - time.monotonic()) * 1000
        if remaining_ms <= 0:
            return False
        frames = session.view.get_attribute("data-frames") or ""
        wait_for_next_frame(session.view, frames, min(remaining_ms, 1000))
    return True


def test_a_highlight_shows_on_both_sides_follows_the_page_and_fades(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/shop/checkout.html")
    agent = agent_of(session)
    canvases = page.evaluate("() => document.querySelectorAll('canvas').length")
    agent.get_by_role("button", name="Highlighter").click()
    expect(agent.get_by_role("button", name="Highlighter")).to_have_attribute(
        "aria-pressed", "true"
    )
    stroke(session, ROW)
    drawn_at(page, 640, ROW)
    # Our overlay, never the page's content: the page has the canvases it had.
    assert page.evaluate("() => document.querySelectorAll('canvas').length") == canvases
    page.evaluate("() => window.scrollBy(0, 60)")  # The highlight moves up with the page...
    drawn_at(page, 640, ROW - 60)
    assert view_turns_yellow(session, 640, ROW - 60)  # ...in the view too: in the frames.
    clear_at(page, 640, ROW)  # ...and later fades away.
    clear_at(page, 640, ROW - 60)


def test_either_side_clears_and_the_customer_turns_them_off(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/shop/checkout.html")
    agent = agent_of(session)
    agent.get_by_role("button", name="Highlighter").click()
    stroke(session, ROW)
    drawn_at(page, 640, ROW)
    agent.get_by_role("button", name="Clear drawings").click()  # The agent clears.
    clear_at(page, 640, ROW)
    stroke(session, ROW)
    drawn_at(page, 640, ROW)
    widget = page.locator("[data-cobrowse-widget]")
    if not widget.get_by_role("button", name="Clear drawings").is_visible():
        widget.get_by_role("button", name="Co-browse").click()
    widget.get_by_role("button", name="Clear drawings").click()  # The customer clears.
    clear_at(page, 640, ROW)
    hide = widget.get_by_role("button", name="Hide the agent's drawings")
    hide.click()
    expect(hide).to_have_attribute("aria-pressed", "true")
    expect(agent.get_by_role("alert")).to_contain_text("turned your drawings off")
    stroke(session, ROW)
    agent.get_by_role("button", name="Highlighter").click()  # Off: the pointer acts again.
    expect(agent.get_by_role("button", name="Highlighter")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert page.evaluate(OVERLAY_ALPHA_JS, [640, ROW]) == 0
