"""The agent's pointer lands on the element the agent points at, where the customer's layout
differs from the view's: here the customer's browser sets a larger default font (as another
system's fonts and settings do), so the page's text wraps and everything below it moves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserType, Page

from mirror.testing import Cobrowse
from mirror.testing.chromium import with_fallback
from tests.waiting import wait_for

PAGE = "/site/policies.html"
VIEWPORT = {"width": 1280, "height": 1000}
POINTER_JS = """() => {
  for (const host of document.querySelectorAll("[data-cobrowse-widget]")) {
    const m = /translate\\(([-\\d.]+)px, ([-\\d.]+)px\\)/.exec(host.style.transform);
    if (m) return [Number(m[1]), Number(m[2])];
  }
  return null;
}"""


@pytest.fixture
def larger_fonts(
    browser_type: BrowserType, browser_type_launch_args: dict[str, Any], tmp_path: Path
) -> Iterator[Page]:
    """A customer whose browser's default font is 22 px (the server's mirror keeps 16)."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    prefs = {"webkit": {"webprefs": {"default_font_size": 22}}}
    (profile / "Default" / "Preferences").write_text(json.dumps(prefs))
    options = {**browser_type_launch_args, "user_data_dir": str(profile), "viewport": VIEWPORT}
    context = with_fallback(browser_type.launch_persistent_context, options, browser_type.name)
    yield context.pages[0] if context.pages else context.new_page()
    context.close()


def box_of(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box


def test_the_agents_pointer_lands_on_the_element_it_points_at(
    larger_fonts: Page, page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    customer = larger_fonts
    page.set_viewport_size(VIEWPORT)  # The same page at the mirror's default font: the view's.
    page.goto(f"{sample_site}{PAGE}")
    in_view = box_of(page, "#book")
    customer.goto(f"{sample_site}{PAGE}")
    on_screen = box_of(customer, "#book")
    assert on_screen["y"] - in_view["y"] > 40, "the layouts should differ"
    session = cobrowse.start(customer)
    agent = session.join()
    view = box_of(agent, "[data-cobrowse-view]")
    scale = view["width"] / VIEWPORT["width"]
    x, y = in_view["x"] + in_view["width"] * 0.5, in_view["y"] + in_view["height"] * 0.5
    agent.mouse.move(view["x"] + x * scale, view["y"] + y * scale, steps=4)

    def pointed() -> bool:
        at = customer.evaluate(POINTER_JS)
        return at is not None and (
            on_screen["x"] <= at[0] <= on_screen["x"] + on_screen["width"]
            and on_screen["y"] <= at[1] <= on_screen["y"] + on_screen["height"]
        )

    wait_for(pointed, "the agent's pointer on the customer's button", timeout_s=15)
