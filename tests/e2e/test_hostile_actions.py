"""Actions that reach a protected control by another way than a click on it, in real Chromium:
a label passes its click on to its control, and Enter presses links and submits forms."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from mirror.testing import ActionRefused, Cobrowse, CobrowseSession


@pytest.fixture
def labels_session(page: Page, sample_site: str, cobrowse: Cobrowse) -> CobrowseSession:
    page.goto(f"{sample_site}/form/labels.html")
    session = cobrowse.start(page)
    session.join()
    return session


@pytest.mark.parametrize(
    ("label", "control", "reason"),
    [
        ("label[for=contract]", "#contract", "readonly"),
        ("#share-label span", "#share", "masked"),  # A label around its control.
        ("label[for=gold]", "#gold", "blocked"),
    ],
)
def test_a_label_cannot_press_a_protected_control(
    labels_session: CobrowseSession, label: str, control: str, reason: str
) -> None:
    with pytest.raises(ActionRefused, match=reason):
        labels_session.agent_click(label)
    expect(labels_session.customer.locator(control)).not_to_be_checked()


def test_a_label_of_a_submit_button_is_a_submit(labels_session: CobrowseSession) -> None:
    with pytest.raises(ActionRefused, match="submit"):
        labels_session.agent_click("label[for=send]")
    expect(labels_session.customer.locator("#labels-status")).to_be_hidden()


def test_a_label_still_presses_a_free_control(labels_session: CobrowseSession) -> None:
    labels_session.agent_click("label[for=free]")
    expect(labels_session.customer.locator("#free")).to_be_checked()


def test_tab_then_enter_cannot_follow_a_link_to_another_origin(
    labels_session: CobrowseSession,
) -> None:
    customer = labels_session.customer
    address = customer.url
    labels_session.agent_click("#notes")
    labels_session.agent_press("Tab")
    expect(customer.locator("#away")).to_be_focused()
    with pytest.raises(ActionRefused, match="cross_origin_link"):
        labels_session.agent_press("Enter")
    assert customer.url == address
    expect(labels_session.customer_status).to_contain_text("established")


def test_tab_then_enter_follows_a_link_within_the_page(labels_session: CobrowseSession) -> None:
    customer = labels_session.customer
    labels_session.agent_click("#notes")
    labels_session.agent_press("Tab")
    labels_session.agent_press("Tab")
    expect(customer.locator("#near")).to_be_focused()
    labels_session.agent_press("Enter")
    expect(customer).to_have_url(re.compile(r"labels\.html#done$"))


def test_enter_never_reaches_a_form_that_submits_on_keydown(
    labels_session: CobrowseSession,
) -> None:
    labels_session.agent_fill("#quick-search", "boots")
    with pytest.raises(ActionRefused, match="submit"):
        labels_session.agent_press("Enter")
    # The refusal comes after the player decided: a keydown it had dispatched has run by now.
    expect(labels_session.customer.locator("#quick-status")).to_have_text("Not sent")
    expect(labels_session.customer.locator("#quick-search")).to_have_value("boots")
