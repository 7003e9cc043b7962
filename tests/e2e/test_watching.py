"""The agent's page tells the server when nobody can see its view (here: the window too short to
show it), and the view is the customer's page as it is now once the agent can see it again."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from mirror.testing import Cobrowse, CobrowseSession
from tests.e2e.matching import TARGET, start, wait_for_match


def watching_said(session: CobrowseSession) -> list[bool]:
    """Each "watching" message the agent's page sent, in order."""
    said = []
    for role, sent, data in session.wire_log.log:
        if role == "agent" and sent and data.startswith(b"{"):
            message = json.loads(data)
            if message.get("type") == "watching":
                said.append(bool(message["visible"]))
    return said


def test_a_view_out_of_sight_comes_back_as_the_page_is_now(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/shop/checkout.html")
    assert wait_for_match(session) < TARGET
    agent = session.agent
    assert agent is not None
    size = agent.viewport_size
    assert size is not None
    agent.set_viewport_size({"width": size["width"], "height": 40})  # Only the header shows.
    expect(session.view).to_have_attribute("data-watching", "false")
    page.locator("#firstName").fill("Changed while nobody looked")
    agent.set_viewport_size(size)
    expect(session.view).to_have_attribute("data-watching", "true")
    assert wait_for_match(session) < TARGET
    assert watching_said(session) == [False, True]
