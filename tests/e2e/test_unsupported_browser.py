"""A customer's browser that lacks what the capture needs (here: MutationObserver, which rrweb
observes the page with) gets no exception in its page, and the agent is told why the view stays
empty instead of waiting for it."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from mirror.testing import Cobrowse, CobrowseServer
from tests.e2e.test_embed_api import join_as_agent

WITHOUT_MUTATION_OBSERVER = "delete window.MutationObserver; delete window.WebKitMutationObserver;"


def test_a_browser_that_cannot_capture_tells_the_agent(
    page: Page,
    browser: Browser,
    sample_site: str,
    cobrowse: Cobrowse,
    cobrowse_server: CobrowseServer,
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(script=WITHOUT_MUTATION_OBSERVER)
    page.goto(f"{sample_site}/shop/")
    session = cobrowse.start(page)
    agent = join_as_agent(browser, cobrowse_server, session.id)
    expect(agent.get_by_text("The customer's browser cannot show you this page")).to_be_visible()
    assert errors == []
    agent.context.close()
