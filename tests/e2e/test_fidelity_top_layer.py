"""Fidelity of what lies above the page or across it: popovers in the top layer (a menu opened by
a popovertarget button, a tooltip opened by script, stacked as the customer sees them) and the
customer's own text selection, in the page's selection colour. Each is compared on the whole
viewport or its area, after checking the customer's screen shows it at all."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from mirror.testing import Cobrowse
from tests.e2e.matching import (
    AREA_TARGET,
    TARGET,
    area_of,
    changed,
    screen,
    start,
    wait_for_area,
    wait_for_match,
)

MENU = "#account-menu"


def test_a_menu_on_the_popover_api_shows_in_the_view(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/state/menu.html")
    assert wait_for_match(session) < TARGET
    before = screen(page)
    page.locator("#account").click()
    expect(page.locator(MENU)).to_be_visible()
    # The page's script places the menu under its button one animation frame after it opens.
    expect(page.locator(MENU)).to_have_attribute("style", re.compile(r"top:"))
    menu = area_of(page, MENU)
    assert changed(before.crop(menu), screen(page).crop(menu))
    assert wait_for_area(session, menu) < AREA_TARGET
    assert wait_for_match(session) < TARGET
    page.keyboard.press("Escape")  # Light dismiss: the menu closes in the view too.
    expect(page.locator(MENU)).to_be_hidden()
    assert wait_for_match(session) < TARGET


def test_popovers_stack_in_the_order_the_customer_opened_them(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/state/menu.html")
    page.locator("#help").click()  # A manual popover: stays open.
    expect(page.locator("#help-tip")).to_be_visible()
    page.locator("#account").click()  # Opened last: drawn above the tip where they meet.
    expect(page.locator(MENU)).to_be_visible()
    assert wait_for_match(session) < TARGET
    page.locator("#help").click()
    expect(page.locator("#help-tip")).to_be_hidden()
    assert wait_for_match(session) < TARGET


@pytest.mark.parametrize(
    ("selector", "words"),
    [("#order-text", "linen shirts"), ("#order-title", "Order 10421")],
    ids=["the-pages-own-colour", "the-browsers-colour"],
)
def test_the_customers_selection_shows_as_on_their_screen(
    page: Page, sample_site: str, cobrowse: Cobrowse, selector: str, words: str
) -> None:
    session = start(page, cobrowse, f"{sample_site}/state/menu.html")
    text = area_of(page, selector, margin=2)
    before = screen(page).crop(text)
    page.locator(selector).click(click_count=3)  # Selects the block.
    page.mouse.move(900, 500)  # The pointer (drawn in the view too) off the compared area.
    assert page.evaluate(f"() => String(getSelection()).includes({words!r})")
    assert changed(before, screen(page).crop(text))
    assert wait_for_area(session, text) < AREA_TARGET
