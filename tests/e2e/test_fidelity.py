"""Fidelity, measured: the customer's viewport against the agent's view, over every fixture page.

The metric is mirror/testing/fidelity.py's (8x8 blocks of grey, a block differs past 24 levels); the
widget, masked fields and private cross-origin frames are left out. Every page must stay under
1 % of differing blocks, at first sight and again after the customer changes it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from mirror.testing import Cobrowse
from mirror.testing.fidelity import differing_share, is_blank
from tests.e2e.matching import (
    ENTER_FRAME,
    MATCH_TIMEOUT_S,
    TARGET,
    screen,
    start,
    until_matched,
    wait_for_match,
)

PAGES = [
    "shop/",
    "shop/checkout.html",
    "site/",
    "form/",
    "react/",
    "dashboard/",
    "components/",
    "help/",
    "pay/",
    "stores/",
]


@pytest.mark.parametrize("path", PAGES)
def test_the_agent_sees_what_the_customer_sees(
    page: Page, sample_site: str, cobrowse: Cobrowse, path: str
) -> None:
    session = start(page, cobrowse, f"{sample_site}/{path}")
    share = wait_for_match(session)
    print(f"fidelity {path}: {share:.2%} of blocks differ")
    assert share < TARGET, f"{path}: {share:.2%} of 8x8 blocks differ"


def test_a_private_cross_origin_frame_shows_as_a_labelled_placeholder(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/pay/")
    frame = page.locator("#card-frame").bounding_box()
    assert frame is not None
    wait_for_match(session)  # The frame's area is left out of this: wait for its label too.
    left, top = int(frame["x"]), int(frame["y"])
    box = (left, top, left + int(frame["width"]), top + int(frame["height"]))

    def unlabelled() -> float:  # 1 while the view's frame area is still blank.
        return float(is_blank(session.view_image().crop(box)))

    until_matched(session, unlabelled, 0.5, MATCH_TIMEOUT_S)
    placeholder = session.view_image().crop(box)
    customer = screen(page).crop(box)
    assert not is_blank(placeholder)  # A label says what is there...
    assert differing_share(customer, placeholder) > 0.2  # ...not the provider's form.


def test_the_view_matches_again_after_typing_and_scrolling(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/form/")
    wait_for_match(session)
    page.locator("#text").fill("Typed by the customer")
    assert wait_for_match(session) < TARGET
    page.mouse.wheel(0, 900)
    page.wait_for_function("() => window.scrollY >= 900")
    assert wait_for_match(session) < TARGET


def test_the_view_matches_again_after_a_canvas_redraw(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/dashboard/")
    wait_for_match(session)
    page.locator("#refresh").click()
    expect(page.locator("#updated")).to_have_text("Updated just now")
    assert wait_for_match(session) < TARGET


def test_the_view_matches_again_after_a_menu_opens_in_a_web_component(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/components/")
    wait_for_match(session)
    page.get_by_role("button", name="Alex Morgan").click()
    expect(page.get_by_role("menuitem", name="Billing")).to_be_visible()
    assert wait_for_match(session) < TARGET


def test_the_view_matches_again_after_an_iframe_navigates(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/help/")
    wait_for_match(session)
    page.locator("#link-shipping").click()
    expect(page.frame_locator("#article").get_by_role("heading", level=1)).to_have_text(
        "Shipping times"
    )
    assert wait_for_match(session) < TARGET


def test_masking_applies_inside_shadow_roots(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/components/")
    page.get_by_role("tab", name="Security").click()
    field = page.locator("#password").locator("input")
    field.fill("shadow-Canary-771")
    # The customer sees the field marked, inside the component's shadow root...
    expect(field).to_have_attribute("data-cobrowse-masked", "")
    # ...everything typed has reached the view, where the field is one flat box...
    assert wait_for_match(session, masked=("#password input",)) < TARGET
    session.assert_hidden_from_agent("#password input")
    # ...and the value never left the customer's browser.
    session.assert_never_sent("shadow-Canary-771")


# The field inside the frame inside the article frame.
NESTED_PIN = f"#article{ENTER_FRAME}iframe{ENTER_FRAME}#pin"


def test_masking_applies_inside_nested_frames(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/help/")
    pin = page.locator(NESTED_PIN)
    pin.fill("frame-Canary-339")
    expect(pin).to_have_attribute("data-cobrowse-masked", "")
    assert wait_for_match(session, masked=(NESTED_PIN,)) < TARGET
    session.assert_hidden_from_agent(NESTED_PIN)
    session.assert_never_sent("frame-Canary-339")


def test_the_masked_marks_leave_shadow_roots_and_frames_when_the_session_ends(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/help/")
    pin = page.locator(NESTED_PIN)
    expect(pin).to_have_attribute("data-cobrowse-masked", "")
    session.end()
    expect(pin).not_to_have_attribute("data-cobrowse-masked", "")
