"""Agent write mode in real Chromium: the agent's pointer and keys on the view are replayed on the
customer's page, and the agent can never submit."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from mirror.testing import ActionRefused, Cobrowse, CobrowseSession
from mirror.testing.fidelity import differing_share

# The option list the render page draws under a select: rows of this height (render.html).
OPTION_ROW_PX = 30


@pytest.fixture
def form_session(page: Page, sample_site: str, cobrowse: Cobrowse) -> CobrowseSession:
    page.goto(f"{sample_site}/form/")
    session = cobrowse.start(page)
    session.join()
    return session


def test_agent_types_into_a_text_field(form_session: CobrowseSession) -> None:
    form_session.agent_fill("#text", "Hello from the agent")
    expect(form_session.customer.locator("#text")).to_have_value("Hello from the agent")


def test_agent_edits_with_backspace_delete_arrows_and_select_all(
    form_session: CobrowseSession,
) -> None:
    field = form_session.customer.locator("#textarea")
    form_session.agent_fill("#textarea", "abcd")
    form_session.agent_press("Backspace")
    expect(field).to_have_value("abc")
    form_session.agent_press("ArrowLeft")
    form_session.agent_press("Delete")
    expect(field).to_have_value("ab")
    form_session.agent_press("Home")
    form_session.agent_press("Shift+ArrowRight")
    form_session.agent_press("X")
    expect(field).to_have_value("Xb")
    form_session.agent_press("Control+a")
    form_session.agent_press("Backspace")
    expect(field).to_have_value("")


def test_agent_toggles_a_checkbox_and_a_radio(form_session: CobrowseSession) -> None:
    customer = form_session.customer
    form_session.agent_click("#agree")
    expect(customer.locator("#agree")).to_be_checked()
    form_session.agent_click("#size-l")
    expect(customer.locator("#size-l")).to_be_checked()
    form_session.agent_click("#agree")
    expect(customer.locator("#agree")).not_to_be_checked()


def test_agent_picks_an_option_from_the_list_drawn_in_the_view(
    form_session: CobrowseSession,
) -> None:
    select = form_session.customer.locator("#select")
    form_session.agent_click("#select")
    frames = form_session.view.get_attribute("data-frames") or ""
    expect(form_session.view).not_to_have_attribute("data-frames", frames)  # The list is drawn.
    # The middle of the list's third row, from the customer's viewport to the agent's screen.
    box, view = select.bounding_box(), form_session.view.bounding_box()
    size, agent = form_session.customer.viewport_size, form_session.agent
    assert box is not None and view is not None and size is not None and agent is not None
    scale = view["width"] / size["width"]
    x = box["x"] + box["width"] / 2
    y = box["y"] + box["height"] + OPTION_ROW_PX * 2.5
    agent.mouse.click(view["x"] + x * scale, view["y"] + y * scale)
    expect(select).to_have_value("c")


def test_agent_changes_a_select_with_arrow_keys(form_session: CobrowseSession) -> None:
    form_session.agent_click("#select")
    form_session.agent_press("ArrowDown")
    expect(form_session.customer.locator("#select")).to_have_value("b")


def test_agent_types_into_contenteditable(form_session: CobrowseSession) -> None:
    editable = form_session.customer.locator("#editable")
    form_session.agent_click("#editable")
    form_session.agent_press("Control+a")
    form_session.agent_press("Z")
    expect(editable).to_have_text("Z")


def test_tab_moves_the_agents_focus_to_the_next_field(form_session: CobrowseSession) -> None:
    form_session.agent_fill("#text", "one")
    form_session.agent_press("Tab")
    form_session.agent_press("a")
    expect(form_session.customer.locator("#email")).to_have_value("a")


def test_agent_scrolls_the_window_and_an_inner_container(form_session: CobrowseSession) -> None:
    customer = form_session.customer
    form_session.agent_scroll(0, 400)
    customer.wait_for_function("scrollY >= 300")
    form_session.agent_scroll(0, 200, at="#scroll-box")
    customer.wait_for_function("document.querySelector('#scroll-box').scrollTop >= 150")
    form_session.assert_shown_to_agent("#scroll-box")


def test_the_agent_cannot_submit_but_the_customer_can(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/shop/checkout.html")
    session = cobrowse.start(page)
    session.join()
    with pytest.raises(ActionRefused, match="submit"):
        session.agent_click("#pay")
    session.agent_fill("#firstName", "Alice")
    with pytest.raises(ActionRefused, match="submit"):
        session.agent_press("Enter")
    expect(page).to_have_url(f"{sample_site}/shop/checkout.html")
    expect(page.locator("#firstName")).to_have_value("Alice")
    page.locator("#pay").click()
    expect(page).to_have_url(f"{sample_site}/shop/thanks.html")


def test_the_agent_may_follow_a_link_within_the_site(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/site/")
    session = cobrowse.start(page)
    session.join()
    session.agent_click("#nav-contact")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact us")
    expect(session.customer_status).to_contain_text("established")


def test_a_react_controlled_form_takes_the_agents_typing(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/react/")
    session = cobrowse.start(page)
    session.join()
    session.agent_fill("#name", "Ada Lovelace")
    session.agent_fill("#email", "ada@example.com")
    session.agent_click("#updates")
    session.agent_click("#plan")
    session.agent_press("ArrowDown")
    # React re-renders from its own state: the echo proves it saw every change.
    expect(page.locator("#echo")).to_have_text("Hello, Ada Lovelace! Plan: team. Updates on.")
    expect(page.locator("#email")).to_have_value("ada@example.com")
    expect(page.locator("#updates")).to_be_checked()
    with pytest.raises(ActionRefused, match="submit"):
        session.agent_click("#create")
    expect(page.locator("#submitted")).to_have_count(0)
    session.assert_shown_to_agent("#echo")


def test_each_side_sees_the_others_pointer(form_session: CobrowseSession) -> None:
    customer, agent = form_session.customer, form_session.agent
    assert agent is not None  # The fixture has joined.
    box = form_session.view.bounding_box()
    assert box is not None
    agent.mouse.move(box["x"] + 400, box["y"] + 300)
    agent.mouse.move(box["x"] + 420, box["y"] + 310)
    pointer = customer.locator("[data-cobrowse-widget]").get_by_text("Agent", exact=True)
    expect(pointer).to_be_visible()
    # The customer's pointer is drawn in the agent's view: the area around it changes.
    spot = (600, 500, 660, 560)
    before = form_session.view_image().crop(spot)
    customer.mouse.move(610, 505)
    customer.mouse.move(620, 510)
    for _ in range(20):  # Frame by frame, until the pointer is drawn there.
        frames = form_session.view.get_attribute("data-frames") or ""
        if differing_share(before, form_session.view_image().crop(spot)) > 0:
            break
        expect(form_session.view).not_to_have_attribute("data-frames", frames)
    assert differing_share(before, form_session.view_image().crop(spot)) > 0


def test_coordinates_still_map_when_the_agent_zooms(form_session: CobrowseSession) -> None:
    agent = form_session.agent
    assert agent is not None  # The fixture has joined.
    agent.get_by_role("button", name="Zoom out").click()
    box = form_session.view.bounding_box()
    assert box is not None and round(box["width"]) == round(1280 / 1.25)
    form_session.agent_fill("#url", "https://zoomed.example")
    expect(form_session.customer.locator("#url")).to_have_value("https://zoomed.example")
    agent.get_by_role("button", name="Zoom in").click()
    agent.get_by_role("button", name="Zoom in").click()
    form_session.agent_click("#size-m")
    expect(form_session.customer.locator("#size-m")).to_be_checked()
