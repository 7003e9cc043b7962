"""The demo kiosk, driven as a visitor does: the customer presses Co-browse and Yes in the left
frame, and the agent types the nine digits and joins in the right one."""

from __future__ import annotations

from playwright.sync_api import FrameLocator, Page, expect

CUSTOMER_FRAME = 'iframe[title="Customer\'s browser"]'
AGENT_FRAME = 'iframe[title="Agent\'s view"]'


def join_in_kiosk(page: Page, timeout_ms: float = 30_000) -> tuple[FrameLocator, FrameLocator]:
    """On the kiosk ``page``: start a session on the customer's side and join it on the agent's;
    returns (customer's frame, agent's frame) once the agent's status says it is active."""
    customer, agent = page.frame_locator(CUSTOMER_FRAME), page.frame_locator(AGENT_FRAME)
    customer.get_by_role("button", name="Co-browse").click()
    customer.get_by_role("button", name="Yes").click()
    digits = customer.locator("[data-cobrowse-session-id]")
    expect(digits).to_be_visible(timeout=timeout_ms)
    agent.get_by_label("Session ID").fill(digits.get_attribute("data-cobrowse-session-id") or "")
    agent.get_by_role("button", name="Join").click()
    expect(agent.get_by_role("status")).to_contain_text("active", timeout=timeout_ms)
    return customer, agent
