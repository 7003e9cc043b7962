"""Phones as the customer holds them: a checkout laid out a little wider than the phone (and
shown smaller to fit), then zoomed in with two fingers.
The agent's view is the customer's screen (the visual viewport: its size, its place on the page
and its scale), compared on the whole screen; while the customer is zoomed in the agent is told
so, and the agent's click lands where the agent points."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from mirror.testing import Cobrowse, CobrowseSession
from tests.e2e.matching import TARGET, changed, screen, start, wait_for_match

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone's browser: 390x844 CSS pixels at three device pixels each, touch."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


def pinch(page: Page, scale: float) -> None:
    """Zoom the customer's page as two fingers would (the page scale a pinch sets)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setPageScaleFactor", {"pageScaleFactor": scale})
    page.wait_for_function(f"() => Math.abs(visualViewport.scale - {scale}) < 0.01")


def view_point_of(session: CobrowseSession, selector: str) -> tuple[float, float]:
    """Where a point near ``selector``'s left end shows on the agent's screen (its centre may lie
    outside what the zoomed-in customer sees): through the customer's visual viewport (its
    offset and scale), then the agent's own zoom of the view."""
    x, y = session.customer.evaluate(
        """(selector) => {
          const box = document.querySelector(selector).getBoundingClientRect();
          const v = visualViewport;
          return [(box.x + Math.min(20, box.width / 2) - v.offsetLeft) * v.scale,
                  (box.y + box.height / 2 - v.offsetTop) * v.scale];
        }""",
        selector,
    )
    box = session.view.bounding_box()
    assert box is not None
    scale = box["width"] / PHONE["width"]
    return box["x"] + x * scale, box["y"] + y * scale


def test_a_checkout_laid_out_wider_than_the_phone_is_shown_as_the_customer_sees_it(
    phone: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(phone, cobrowse, f"{sample_site}/phone/")
    width, scale = phone.evaluate("() => [innerWidth, visualViewport.scale]")
    assert width > PHONE["width"] and scale < 1  # Laid out wider, shown a little smaller.
    assert wait_for_match(session) < TARGET
    assert session.view_image().size == (PHONE["width"], PHONE["height"])


def test_a_pinch_zoom_shows_the_zoomed_part_and_clicks_land_where_the_agent_points(
    phone: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(phone, cobrowse, f"{sample_site}/phone/")
    assert wait_for_match(session) < TARGET
    before = screen(phone)
    pinch(phone, 2.0)
    assert changed(before, screen(phone))
    assert wait_for_match(session) < TARGET
    agent = session.agent
    assert agent is not None
    expect(agent.get_by_text("Customer zoomed in")).to_be_visible()
    x, y = view_point_of(session, "#town")
    agent.mouse.click(x, y)
    expect(phone.locator("#town")).to_be_focused()  # The agent's click reached that field.
    pinch(phone, 1.0)
    expect(agent.get_by_text("Customer zoomed in")).to_be_hidden()
    assert wait_for_match(session) < TARGET
