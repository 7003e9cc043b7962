"""The agents' desk in real Chromium keeps its list of waiting chats from the changes the server
sends (a chat added, its first words, taken by another agent, ended), never the whole list each
time: "Waiting chats" and "Accept" (CONTRACT.md) stay as they were."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Locator, Page, expect

from mirror.testing import CobrowseServer

TIMEOUT_MS = 15_000


def open_desk(browser: Browser, server: CobrowseServer) -> Page:
    desk = browser.new_context(viewport={"width": 1700, "height": 1000}).new_page()
    desk.goto(f"{server.url}/agent")
    expect(desk.get_by_role("list", name="Waiting chats")).to_be_attached()
    return desk


def start_chat(page: Page, url: str, first_words: str) -> Locator:
    """The customer opens "Live chat" and says ``first_words``: the chat panel."""
    page.goto(url)
    page.get_by_role("button", name="Live chat").click()
    panel = page.get_by_role("region", name="Live chat")
    panel.get_by_role("textbox", name="Message").fill(first_words)
    panel.get_by_role("button", name="Send").click()
    return panel


def test_the_waiting_list_follows_each_change_the_server_sends(
    page: Page, browser: Browser, cobrowse_server: CobrowseServer, sample_site: str
) -> None:
    desk, other_desk = open_desk(browser, cobrowse_server), open_desk(browser, cobrowse_server)
    waiting = desk.get_by_role("list", name="Waiting chats").get_by_role("listitem")
    tag = uuid.uuid4().hex[:8]  # Chats of other tests may wait on the same server.
    first, second = f"First question {tag}", f"Second question {tag}"

    start_chat(page, f"{sample_site}/support/", first)
    expect(waiting.filter(has_text=first)).to_have_count(1, timeout=TIMEOUT_MS)
    later = browser.new_context().new_page()
    later_panel = start_chat(later, f"{sample_site}/support/", second)
    expect(waiting.filter(has_text=second)).to_have_count(1, timeout=TIMEOUT_MS)
    mine = [text for text in waiting.all_inner_texts() if tag in text]
    assert [first in text for text in mine] == [True, False]  # Oldest first.

    taken = other_desk.get_by_role("list", name="Waiting chats").get_by_role("listitem")
    taken.filter(has_text=first).get_by_role("button", name="Accept").click()
    expect(waiting.filter(has_text=first)).to_have_count(0, timeout=TIMEOUT_MS)
    expect(waiting.filter(has_text=second)).to_have_count(1)

    later_panel.get_by_role("button", name="End chat").click()
    expect(waiting.filter(has_text=second)).to_have_count(0, timeout=TIMEOUT_MS)
    desk.reload()  # A desk that opens gets the whole list: neither chat is on it.
    expect(desk.get_by_role("list", name="Waiting chats")).to_be_attached()
    expect(waiting.filter(has_text=tag)).to_have_count(0)
    for context in (desk.context, other_desk.context, later.context):
        context.close()
