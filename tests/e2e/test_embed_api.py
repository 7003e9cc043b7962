"""The customer's JavaScript API on a page with its own button (data-button="false"): calls made
before the script loaded are run, cobrowse.start({asked: true}) starts a session, the page hears
each state, the agent joining and the end with its reason, and calls that cannot work now warn
instead of throwing."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from mirror.testing import CobrowseServer

SEEN_JS = "() => window.seen.join(' ')"


def join_as_agent(browser: Browser, server: CobrowseServer, session_id: str) -> Page:
    agent = browser.new_context().new_page()
    agent.goto(f"{server.url}/agent")
    agent.get_by_label("Session ID").fill(session_id)
    agent.get_by_role("button", name="Join").click()
    expect(agent.get_by_role("status")).to_contain_text("active")
    return agent


def test_a_site_drives_co_browse_from_its_own_button(
    page: Page, browser: Browser, sample_site: str, cobrowse_server: CobrowseServer
) -> None:
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.goto(f"{sample_site}/api/")
    page.wait_for_function("() => Boolean(window.__cobrowse)")
    expect(page.get_by_role("button", name="Co-browse", exact=True)).to_be_hidden()
    assert page.evaluate("() => cobrowse.state") == "off"
    page.evaluate("() => cobrowse.end()")  # Nothing to end: a warning, no exception.
    assert any("no co-browse session is live" in w for w in warnings)
    page.locator("#share").click()
    session_id = page.locator("[data-cobrowse-session-id]").get_attribute(
        "data-cobrowse-session-id"
    )
    assert session_id and len(session_id) == 9
    expect(page.locator("body")).to_be_visible()
    page.wait_for_function("() => cobrowse.state === 'idle'")
    agent = join_as_agent(browser, cobrowse_server, session_id)
    page.wait_for_function("() => cobrowse.state === 'active'")
    page.evaluate("() => cobrowse.start({ asked: true })")  # Already live: a warning.
    assert any("already live" in w for w in warnings)
    page.locator("#stop").click()
    page.wait_for_function("() => cobrowse.state === 'ended'")
    expect(agent.get_by_role("status")).to_contain_text("ended")
    seen = page.evaluate(SEEN_JS)
    assert seen == "state:idle state:active agent-joined state:ended ended:customer_exit", seen


def test_start_without_asked_shows_the_call_or_chat_question(page: Page, sample_site: str) -> None:
    page.goto(f"{sample_site}/api/")
    page.wait_for_function("() => Boolean(window.__cobrowse)")
    page.evaluate("() => cobrowse.start()")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("voice call")
    dialog.get_by_role("button", name="No").click()
    assert page.evaluate("() => cobrowse.state") == "off"
    off = page.evaluate("() => { const stop = cobrowse.on('nothing', 1); return typeof stop; }")
    assert off == "function"  # A wrong call still returns what the right one would.
