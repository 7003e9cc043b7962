"""The agent's view as the agent reads it: it fits its pane (in a window narrower than the
customer's screen the whole width of the view is in sight beside the chat desk, never under it;
"Actual size" shows it 1:1 again and "Fit to the pane" fits it back; clicks land where they should
at any zoom), and a status strip names the customer's page (its title and path, never the query
string), the session's duration and the connection's quality."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from mirror.frames import runs
from mirror.frames.patches import read_message
from mirror.testing import Cobrowse
from tests.e2e.matching import (
    AREA_TARGET,
    TARGET,
    agent_of,
    area_of,
    changed,
    screen,
    start,
    wait_for_area,
    wait_for_match,
)

# The agent's browser fails to decode the next picture it is sent (short of memory), and with
# ``whole_too`` the next whole one after it as well (the largest: a patch is a few kB).
DECODE_FAILS = """(wholeToo) => {
  const decode = window.createImageBitmap;
  let patch = true, whole = wholeToo;
  window.createImageBitmap = (blob, ...rest) => {
    const fails = patch || (whole && blob.size > 20000);
    if (patch) patch = false; else if (fails) whole = false;
    return fails
      ? Promise.reject(new DOMException("out of memory", "InvalidStateError"))
      : decode(blob, ...rest);
  };
}"""


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None
    return found


def test_the_view_fits_a_narrow_pane_beside_the_desk_and_goes_1_to_1_on_demand(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/shop/checkout.html")
    agent = agent_of(session)
    view, desk = session.view, agent.locator("#desk")
    expect(view).to_have_js_property("width", 1280)
    agent.set_viewport_size({"width": 1100, "height": 900})
    expect(desk).to_be_visible()

    def fitted() -> bool:
        shown, beside = box(view), box(desk)
        return shown["x"] + shown["width"] <= beside["x"] and shown["width"] < 1280

    agent.wait_for_function(
        "() => { const v = document.querySelector('[data-cobrowse-view]');"
        " return v.getBoundingClientRect().right <= document.getElementById('desk')"
        ".getBoundingClientRect().left; }"
    )
    assert fitted()
    level = agent.get_by_role("button", name="Actual size")
    expect(level).not_to_have_text("100%")

    level.click()
    expect(level).to_have_text("100%")
    assert box(view)["width"] == 1280  # 1:1: the stage scrolls, the desk stays beside it.
    session.agent_fill("#firstName", "Ada")  # Clicks map through any zoom.
    expect(page.locator("#firstName")).to_have_value("Ada")

    agent.get_by_role("button", name="Fit to the pane").click()
    expect(level).not_to_have_text("100%")
    assert fitted()
    value = page.locator("#firstName").input_value()
    session.view.press("Alt+Shift+Digit1")  # The agent's own key: 1:1, not sent to the page.
    expect(level).to_have_text("100%")
    session.view.press("Alt+Shift+KeyF")
    expect(level).not_to_have_text("100%")
    assert fitted() and page.locator("#firstName").input_value() == value
    session.agent_fill("#lastName", "Lovelace")
    expect(page.locator("#lastName")).to_have_value("Lovelace")


def test_the_strip_names_the_customers_page_the_duration_and_the_connection(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/shop/checkout.html?coupon=SPRING-7731#pay")
    agent = agent_of(session)
    strip = agent.locator("cobrowse-view").locator("#strip")
    expect(strip).to_contain_text("Checkout · Northwind Outfitters")
    expect(strip).to_contain_text("/shop/checkout.html")
    expect(strip).to_contain_text(re.compile(r"\b\d\d:\d\d\b"))  # The duration.
    expect(strip).to_contain_text(re.compile(r"Connection: (good|fair|poor) \(\d+ ms\)"))
    expect(strip).not_to_contain_text("SPRING")
    expect(strip).not_to_contain_text("Reduced sharpness")  # Frames at the customer's size.
    page.goto(f"{sample_site}/shop/index.html")  # Another page of the site: the strip follows.
    expect(strip).to_contain_text("/shop/index.html", timeout=15_000)
    expect(strip).to_contain_text("Outdoor gear")
    expect(strip).not_to_contain_text("/shop/checkout.html")


def test_a_view_moved_in_its_page_goes_back_to_its_session(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/shop/checkout.html")
    agent = agent_of(session)
    # A desktop's framework re-parents the element: it leaves the page, then comes back.
    agent.evaluate("() => document.body.prepend(document.querySelector('cobrowse-view'))")
    heading = area_of(page, "h1")
    before = screen(page).crop(heading)
    page.locator("h1").first.evaluate("h => { h.style.background = 'rgb(229, 72, 77)'; }")
    assert changed(before, screen(page).crop(heading))
    assert wait_for_area(session, heading) < AREA_TARGET  # Only a view back in its session.
    expect(agent.locator("cobrowse-view").get_by_role("status")).to_contain_text("active")


@pytest.mark.parametrize("whole_too", [False, True], ids=["a-patch", "and-the-whole-picture"])
def test_a_change_the_view_could_not_draw_is_shown_all_the_same(
    page: Page, sample_site: str, cobrowse: Cobrowse, whole_too: bool
) -> None:
    session = start(page, cobrowse, f"{sample_site}/shop/checkout.html")
    assert wait_for_match(session) < TARGET
    agent_of(session).evaluate(DECODE_FAILS, whole_too)
    # A change of the heading's text, and nothing after it: one patch, which the view fails
    # (and then the whole picture it asks for).
    page.locator("h1").evaluate("heading => { heading.textContent = 'Delivery to Porto'; }")
    assert wait_for_area(session, area_of(page, "h1")) < AREA_TARGET


# A box of one colour on the tiles' grid (mirror/frames/patches.py TILE), over the page.
FLAT_BOX = """() => {
  const box = document.createElement("div");
  box.style.cssText = "position: fixed; left: 32px; top: 288px; width: 64px; height: 48px;"
    + "background: rgb(17, 130, 201); z-index: 9";
  document.body.append(box);
}"""
BOX_RGB = [17, 130, 201]
SHOWS_RGB = """([canvas, x, y, rgb]) => {
  const [r, g, b] = canvas.getContext("2d").getImageData(x, y, 1, 1).data;
  return r === rgb[0] && g === rgb[1] && b === rgb[2];
}"""


def test_a_flat_change_comes_as_runs_and_is_drawn_pixel_for_pixel(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/shop/checkout.html")
    assert wait_for_match(session) < TARGET
    page.evaluate(FLAT_BOX)
    canvas = session.view.element_handle()
    for x, y in ((32, 288), (95, 335), (64, 300)):  # Its corners and inside, exactly its colour.
        agent_of(session).wait_for_function(SHOWS_RGB, arg=[canvas, x, y, BOX_RGB])
    pieces = [p for m in session.wire() if m[:1] == b"P" for _, p in read_message(m)]
    assert any(p.startswith(runs.MARK) for p in pieces), "no patch came as runs"
