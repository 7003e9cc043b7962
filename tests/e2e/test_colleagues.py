"""A second agent: the agent invites a colleague or supervisor to watch (view only); the customer
is told who is watching; the agent hands the session over, and the colleague then acts on the
customer's page while the former agent's view ends. One agent in write mode throughout."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from mirror.testing import Cobrowse, CobrowseSession
from tests.e2e.matching import agent_of, start

TIMEOUT_MS = 15_000
NAME = "Dana (supervisor)"


def watched(page: Page, site: str, cobrowse: Cobrowse) -> tuple[CobrowseSession, Page, Page]:
    """A session on the checkout with an agent and a colleague invited to watch; the customer's
    widget says who is watching."""
    session = start(page, cobrowse, f"{site}/shop/checkout.html")
    colleague = session.invite(NAME)
    widget = page.locator("[data-cobrowse-widget]")
    expect(widget.get_by_text(NAME, exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    return session, agent_of(session), colleague


def test_a_colleague_watches_then_takes_the_session_over(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session, agent, colleague = watched(page, sample_site, cobrowse)
    widget = page.locator("[data-cobrowse-widget]")
    expect(widget.get_by_text(f"Also watching, without acting on the page: {NAME}.")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    # View only: no pointing tools, and a click on the view is not sent.
    expect(colleague.get_by_role("button", name="Laser pointer")).to_be_hidden()
    colleague.locator("[data-cobrowse-view]").click(position={"x": 200, "y": 200})
    expect(colleague.get_by_role("alert")).to_contain_text("You are watching")
    expect(agent.get_by_role("list", name="Watching")).to_contain_text(f"{NAME}: watching")

    session.hand_over(NAME)  # The former agent's view ends; the colleague is the agent now.
    expect(agent.get_by_role("alert")).to_contain_text("You handed the session over")
    expect(colleague.get_by_role("status")).to_have_text("Co-browse session active.")
    expect(widget.get_by_text(f"You are now helped by {NAME}.")).to_be_visible(timeout=TIMEOUT_MS)
    session.agent_fill("#firstName", "Alice")  # Through the colleague's view.
    assert page.input_value("#firstName") == "Alice"
    record = session.end(by="agent")
    assert record["end_reason"] == "agent_exit"


def test_the_customer_and_the_agent_see_a_colleague_leave(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    _, agent, colleague = watched(page, sample_site, cobrowse)
    widget = page.locator("[data-cobrowse-widget]")
    colleague.get_by_role("button", name="Exit co-browse session").click()
    expect(colleague.get_by_role("status")).to_contain_text("ended", timeout=TIMEOUT_MS)
    expect(widget.get_by_text(NAME, exact=False)).to_be_hidden(timeout=TIMEOUT_MS)
    expect(agent.get_by_role("list", name="Watching")).not_to_contain_text(NAME)
    expect(agent.get_by_role("status")).to_contain_text("active")  # The session goes on.
