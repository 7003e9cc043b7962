"""Frames: the agent acts inside same-origin frames; frames of another origin whose page embeds
the script too are shown, with the server's masking inside, but not acted in; frames that do not
embed it stay placeholders (test_fidelity.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from mirror.testing import ActionRefused, Cobrowse
from tests.e2e.matching import ENTER_FRAME, TARGET, start, wait_for_match

FRAME = "#slots-frame"
PIN = f"{FRAME}{ENTER_FRAME}#member-pin"


def test_a_frame_of_another_origin_that_embeds_the_script_is_shown_to_the_agent(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/partner/")
    courier = page.frame_locator(FRAME)
    # The frame's page runs the script, but the page's own button is the customer's.
    expect(courier.get_by_role("heading", name="Delivery slots")).to_be_visible()
    expect(page.locator(FRAME)).to_have_attribute("data-cobrowse-shared-frame", "")
    expect(courier.get_by_role("button", name="Co-browse")).to_have_count(0)
    assert wait_for_match(session, masked=(PIN,)) < TARGET
    courier.locator("#recipient").fill("Ada Lovelace")
    courier.get_by_label("Evening").check()
    assert wait_for_match(session, masked=(PIN,)) < TARGET


def test_a_private_field_inside_a_shared_frame_never_reaches_the_agent(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/partner/")
    expect(page.locator(FRAME)).to_have_attribute("data-cobrowse-shared-frame", "")
    pin = page.locator(PIN)
    pin.fill("courier-Canary-5521")
    expect(pin).to_have_attribute("data-cobrowse-masked", "")
    assert wait_for_match(session, masked=(PIN,)) < TARGET
    session.assert_hidden_from_agent(PIN)
    session.assert_never_sent("courier-Canary-5521")


def test_a_framed_site_keeps_its_button_when_the_page_around_it_has_no_script(
    page: Page, sample_site: str
) -> None:
    # The demo kiosk frames the sample site this way.
    page.set_content(f'<iframe src="{sample_site}/shop/" width="900" height="600"></iframe>')
    shop = page.frame_locator("iframe")
    expect(shop.get_by_role("button", name="Co-browse")).to_be_visible()
    shop.get_by_role("button", name="Co-browse").click()
    shop.get_by_role("button", name="Yes").click()
    expect(shop.locator("[data-cobrowse-session-id]")).to_have_attribute(
        "data-cobrowse-session-id", re.compile(r"^\d{9}$")
    )


def test_the_agent_cannot_act_inside_a_frame_of_another_origin(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/partner/")
    expect(page.locator(FRAME)).to_have_attribute("data-cobrowse-shared-frame", "")
    assert wait_for_match(session, masked=(PIN,)) < TARGET
    with pytest.raises(ActionRefused, match="unknown_node"):
        session.agent_click(f"{FRAME}{ENTER_FRAME}#recipient")
    expect(page.frame_locator(FRAME).locator("#recipient")).not_to_be_focused()


def test_the_agent_types_into_a_field_inside_a_same_origin_frame(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/help/")
    order = page.frame_locator("#article").locator("#order")
    expect(order).to_be_visible()
    session.agent_fill(f"#article{ENTER_FRAME}#order", "NW-20417")
    expect(order).to_have_value("NW-20417")
    with pytest.raises(ActionRefused, match="masked"):  # The nested frame's PIN stays private.
        session.agent_click(f"#article{ENTER_FRAME}iframe{ENTER_FRAME}#pin")


def test_a_click_on_a_private_frame_is_refused(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/pay/")
    card = page.frame_locator("#card-frame").locator("#number")
    expect(card).to_be_visible()
    with pytest.raises(ActionRefused, match="no_element"):
        session.agent_click(f"#card-frame{ENTER_FRAME}#number")
