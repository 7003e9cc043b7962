"""The live chat in real Chromium: customer and agent exchange messages, co-browse starts from the
chat (the ID sent to the agent's desk, or typed by the customer), and the chat is the primary
interaction: ending it ends its co-browse session, ending co-browse leaves the chat open."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from mirror.testing import CobrowseServer
from mirror.testing.server import started_server
from tests.sites import site_for

TIMEOUT_MS = 15_000
HOSTILE = '<img src=x onerror="document.title=1"><b>bold?</b>'


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def open_desk(browser: Browser, server: CobrowseServer) -> Page:
    agent = browser.new_context(viewport={"width": 1700, "height": 1000}).new_page()
    agent.goto(f"{server.url}/agent")
    expect(agent.get_by_role("list", name="Waiting chats")).to_be_attached()
    return agent


def chat_panel(page: Page) -> Locator:
    return page.get_by_role("region", name="Live chat")


def customer_says(page: Page, text: str) -> None:
    panel = chat_panel(page)
    panel.get_by_role("textbox", name="Message").fill(text)
    panel.get_by_role("button", name="Send").click()


def accept_chat(agent: Page, preview: str) -> None:
    waiting = agent.get_by_role("list", name="Waiting chats").get_by_role("listitem")
    item = waiting.filter(has_text=preview)
    item.get_by_role("button", name="Accept").click()
    expect(agent.get_by_role("log")).to_contain_text(preview, timeout=TIMEOUT_MS)


def chat_with_agent(page: Page, agent: Page, url: str, question: str) -> None:
    """The customer opens the chat on ``url`` and asks; the agent accepts the chat."""
    page.goto(url)
    page.get_by_role("button", name="Live chat").click()
    customer_says(page, question)
    accept_chat(agent, question)


def agent_says(agent: Page, text: str) -> None:
    agent.get_by_role("textbox", name="Reply").fill(text)
    agent.get_by_role("button", name="Send").click()


def current_chat_id(page: Page) -> str:
    stored = page.evaluate("() => JSON.parse(sessionStorage.getItem('cobrowse.chat'))")
    return str(stored["id"])


def widget_status(page: Page) -> Locator:
    return page.locator("[data-cobrowse-widget]").get_by_role("status")


def cobrowse_from_the_main_button(page: Page) -> str:
    """The launcher's "Co-browse", the voice-call question, "Yes": the session ID shown."""
    page.get_by_role("button", name="Co-browse").click()
    expect(page.get_by_role("dialog")).to_contain_text("voice call")
    page.get_by_role("button", name="Yes").click()
    id_element = page.locator("[data-cobrowse-session-id]")
    expect(id_element).to_have_attribute(
        "data-cobrowse-session-id", re.compile(r"^\d{9}$"), timeout=TIMEOUT_MS
    )
    return str(id_element.get_attribute("data-cobrowse-session-id"))


def grouped(session_id: str) -> str:
    return re.sub(r"(\d{3})(?=\d)", r"\1 ", session_id)


def assert_id_never_stored(server: CobrowseServer, chat_id: str, session_id: str) -> None:
    """Neither the chat's record (``GET /api/chats/{uuid}``) nor any row of the database holds
    the session ID, however it was grouped."""
    typed = r"\D{0,3}".join(session_id)
    chat = get_json(f"{server.url}/api/chats/{chat_id}")
    transcript = [line["text"] for line in chat["transcript"]]
    assert not any(re.search(r"\d(\D{0,3}\d){8}", text) for text in transcript), transcript
    assert server.db_path is not None
    with contextlib.closing(sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True)) as db:
        rows = "\n".join(db.iterdump())
    assert "[co-browse session ID]" in rows
    assert not re.search(typed, rows)


def test_messages_are_exchanged_as_text_and_the_chat_follows_the_customer(
    page: Page, browser: Browser, cobrowse_server: CobrowseServer, sample_site: str
) -> None:
    agent = open_desk(browser, cobrowse_server)
    chat_with_agent(page, agent, f"{sample_site}/support/", f"My bill looks wrong {HOSTILE}")

    log = agent.get_by_role("log")
    expect(log).to_contain_text(HOSTILE)  # Shown as the text it is, never as HTML.
    assert log.locator("img, b").count() == 0
    expect(chat_panel(page).get_by_role("log")).to_contain_text("An agent has joined the chat.")
    expect(chat_panel(page)).to_contain_text("You are chatting with an agent.")
    agent_says(agent, "Happy to help. Which month?")
    expect(chat_panel(page).get_by_role("log")).to_contain_text("Happy to help. Which month?")
    assert chat_panel(page).get_by_role("log").locator("img, b").count() == 0

    page.get_by_role("link", name="Submit a meter reading").click()
    expect(page).to_have_title(re.compile("meter reading"))
    expect(chat_panel(page).get_by_role("log")).to_contain_text("Which month?", timeout=TIMEOUT_MS)
    customer_says(page, "October, on the new page")
    expect(log).to_contain_text("October, on the new page")
    assert page.title() != "1"
    agent.context.close()


def test_cobrowse_from_the_chat_is_joined_with_one_click_and_ends_with_the_chat(
    page: Page, browser: Browser, cobrowse_server: CobrowseServer, sample_site: str
) -> None:
    agent = open_desk(browser, cobrowse_server)
    chat_with_agent(page, agent, f"{sample_site}/support/meter.html", "Where is my meter number?")

    chat_panel(page).get_by_role("button", name="Co-browse").click()
    expect(page.locator("[data-cobrowse-session-id]")).to_have_attribute(
        "data-cobrowse-session-id", re.compile(r"^\d{9}$")
    )
    expect(page.get_by_role("button", name="Yes")).to_have_count(0)  # No voice-call question.
    agent.get_by_role("button", name="Join co-browse").click()
    expect(widget_status(page)).to_contain_text("established", timeout=TIMEOUT_MS)
    expect(agent.locator("[data-cobrowse-view][data-frames]")).to_be_visible(timeout=TIMEOUT_MS)
    chat_id = current_chat_id(page)

    agent.get_by_role("button", name="End chat").click()
    expect(widget_status(page)).to_contain_text("ended", timeout=TIMEOUT_MS)
    expect(agent.locator("#status")).to_contain_text("ended")
    expect(chat_panel(page)).to_contain_text("Chat ended.", timeout=TIMEOUT_MS)

    chat = get_json(f"{cobrowse_server.url}/api/chats/{chat_id}")
    assert chat["end_reason"] == "agent_ended"
    assert [line["text"] for line in chat["transcript"]][:2] == [
        "Where is my meter number?",
        "An agent has joined the chat.",
    ]
    [session_uuid] = chat["sessions"]
    record = get_json(f"{cobrowse_server.url}/api/sessions/{session_uuid}")
    assert record["end_reason"] == "interaction_ended"
    assert record["interaction_id"] == chat_id
    agent.context.close()


def test_cobrowse_from_the_main_button_during_a_chat_is_tied_to_it_and_its_id_never_kept(
    page: Page, browser: Browser, cobrowse_server: CobrowseServer, sample_site: str
) -> None:
    agent = open_desk(browser, cobrowse_server)
    chat_with_agent(page, agent, f"{sample_site}/support/", "Can you look at my screen?")
    chat_panel(page).get_by_role("button", name="Minimise chat").click()

    session_id = cobrowse_from_the_main_button(page)  # The voice-call question still shows.
    # Tied to the chat: the agent's desk is told, and offers "Join co-browse".
    expect(agent.get_by_role("log")).to_contain_text(
        "started a co-browse session", timeout=TIMEOUT_MS
    )
    expect(agent.get_by_role("button", name="Join co-browse")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Live chat").click()
    customer_says(page, f"The ID is {grouped(session_id)}")
    expect(agent.get_by_role("log")).to_contain_text(grouped(session_id))  # Live, as typed.
    customer_says(page, f"or {session_id} without spaces")
    expect(agent.get_by_role("log")).to_contain_text(f"or {session_id} without spaces")
    chat_id = current_chat_id(page)

    chat_panel(page).get_by_role("button", name="End chat").click()
    expect(widget_status(page)).to_contain_text("ended", timeout=TIMEOUT_MS)
    expect(agent.get_by_role("log")).to_contain_text(
        "The customer ended the chat.", timeout=TIMEOUT_MS
    )
    chat = get_json(f"{cobrowse_server.url}/api/chats/{chat_id}")
    [session_uuid] = chat["sessions"]
    record = get_json(f"{cobrowse_server.url}/api/sessions/{session_uuid}")
    assert (record["interaction_id"], record["end_reason"]) == (chat_id, "interaction_ended")
    assert_id_never_stored(cobrowse_server, chat_id, session_id)
    agent.context.close()


def test_the_id_of_a_session_started_before_the_chat_is_never_kept_either(
    page: Page, browser: Browser, cobrowse_server: CobrowseServer, sample_site: str
) -> None:
    agent = open_desk(browser, cobrowse_server)
    page.goto(f"{sample_site}/support/")
    session_id = cobrowse_from_the_main_button(page)  # No chat yet: a session of its own.
    page.get_by_role("button", name="Live chat").click()
    customer_says(page, "Hello, I am co-browsing already")
    accept_chat(agent, "Hello, I am co-browsing already")
    customer_says(page, f"My ID is {session_id}")
    expect(agent.get_by_role("log")).to_contain_text(f"My ID is {session_id}")
    chat_id = current_chat_id(page)

    agent.get_by_role("button", name="End chat").click()
    expect(chat_panel(page)).to_contain_text("Chat ended.", timeout=TIMEOUT_MS)
    assert get_json(f"{cobrowse_server.url}/api/chats/{chat_id}")["sessions"] == []
    assert_id_never_stored(cobrowse_server, chat_id, session_id)
    page.get_by_role("button", name="Exit co-browse session").click()
    expect(widget_status(page)).to_contain_text("ended", timeout=TIMEOUT_MS)
    agent.context.close()


# -- "manual": the customer types the ID into the chat ----------------------------------------

MANUAL = """
[chat]
send_session_id = "manual"
"""


@pytest.fixture(scope="module")
def manual_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CobrowseServer]:
    with started_server(MANUAL, tmp_path_factory.mktemp("manual")) as server:
        yield server


@pytest.fixture(scope="module")
def manual_site(manual_server: CobrowseServer) -> Iterator[str]:
    with site_for(manual_server) as url:
        yield url


def start_cobrowse_in_chat(page: Page) -> str:
    chat_panel(page).get_by_role("button", name="Co-browse").click()
    id_element = page.locator("[data-cobrowse-session-id]")
    expect(id_element).to_have_attribute("data-cobrowse-session-id", re.compile(r"^\d{9}$"))
    return str(id_element.get_attribute("data-cobrowse-session-id"))


def join_by_id(agent: Page, session_id: str) -> None:
    agent.get_by_label("Session ID").fill(session_id)
    agent.get_by_role("button", name="Join", exact=True).click()
    expect(agent.locator("#status")).to_contain_text("active", timeout=TIMEOUT_MS)


def test_manual_mode_the_customer_types_the_id_and_either_end_is_separate(
    page: Page, browser: Browser, manual_server: CobrowseServer, manual_site: str
) -> None:
    agent = open_desk(browser, manual_server)
    chat_with_agent(page, agent, f"{manual_site}/support/", "Can you show me the tariffs?")

    session_id = start_cobrowse_in_chat(page)
    grouped = re.sub(r"(\d{3})(?=\d)", r"\1 ", session_id)
    expect(chat_panel(page).get_by_role("log")).to_contain_text(grouped)
    expect(agent.get_by_role("log")).to_contain_text("will type its ID here")
    expect(agent.get_by_role("button", name="Join co-browse")).to_have_count(0)
    customer_says(page, f"The ID is {grouped}")
    expect(agent.get_by_role("log")).to_contain_text(grouped)
    join_by_id(agent, session_id)
    expect(widget_status(page)).to_contain_text("established", timeout=TIMEOUT_MS)

    # Ending co-browse leaves the chat open.
    page.get_by_role("button", name="Exit co-browse session").click()
    expect(widget_status(page)).to_contain_text("ended", timeout=TIMEOUT_MS)
    customer_says(page, "Still there?")
    expect(agent.get_by_role("log")).to_contain_text("Still there?")

    # Co-browse again; the customer ends the chat, and the session with it.
    second_id = start_cobrowse_in_chat(page)
    join_by_id(agent, second_id)
    chat_id = current_chat_id(page)
    chat_panel(page).get_by_role("button", name="End chat").click()
    expect(widget_status(page)).to_contain_text("ended", timeout=TIMEOUT_MS)
    expect(agent.locator("#status")).to_contain_text("ended", timeout=TIMEOUT_MS)
    expect(agent.get_by_role("log")).to_contain_text("The customer ended the chat.")

    chat = get_json(f"{manual_server.url}/api/chats/{chat_id}")
    assert chat["end_reason"] == "customer_ended"
    transcript = " ".join(line["text"] for line in chat["transcript"])
    assert session_id not in transcript.replace(" ", "")  # The ID is never kept in history.
    assert "The ID is [co-browse session ID]" in transcript
    reasons = [
        get_json(f"{manual_server.url}/api/sessions/{uuid}")["end_reason"]
        for uuid in chat["sessions"]
    ]
    assert reasons == ["customer_exit", "interaction_ended"]
    agent.context.close()
