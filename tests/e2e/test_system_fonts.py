"""A customer on another system: their browser shows the page's system font stacks
("system-ui, -apple-system, "Segoe UI", ...") in fonts the server does not have under those names.
Here the customer's Chromium runs with a font configuration of its own, where "Segoe UI" and the
system's interface font are Carlito (as on a Windows machine they are Segoe UI), and the server's
are not: the render page takes the fonts of the customer's shape among its own, and the view
shows the page as the customer's screen does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright

from mirror.render.browser import LEAN_ARGS
from mirror.testing import Cobrowse
from mirror.testing.chromium import with_fallback
from mirror.testing.fidelity import differing_share
from mirror.testing.fontconfig import other_system_fonts
from tests.e2e.matching import TARGET, screen, wait_for_match

PAGE = "/site/visit.html"


@pytest.fixture
def other_system(playwright: Playwright, tmp_path: Path) -> Iterator[Browser]:
    """A customer's Chromium with another system's fonts (mirror/testing/fontconfig.py)."""
    options = {"args": LEAN_ARGS, "headless": True, "env": other_system_fonts(tmp_path)}
    browser = with_fallback(playwright.chromium.launch, options, "chromium")
    yield browser
    browser.close()


def test_the_view_shows_the_page_in_the_customers_system_fonts(
    other_system: Browser, page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    customer = other_system.new_page(viewport={"width": 1280, "height": 900})
    customer.goto(f"{sample_site}{PAGE}")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{sample_site}{PAGE}")
    assert differing_share(screen(customer), screen(page)) > 3 * TARGET, "the fonts should differ"
    session = cobrowse.start(customer)
    session.join()
    assert wait_for_match(session) < TARGET
    customer.context.close()
