"""Session lifecycle with short timeouts, on a real server and real Chromium: inactivity, the
agent's page coming back (or not), the customer's page going away, the primary interaction
ending."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from mirror.testing import Cobrowse, CobrowseServer, CobrowseSession
from mirror.testing.server import started_server
from tests.sites import site_for

SHORT = """
[session]
inactivity_timeout_s = 8
agent_reconnect_grace_s = 3
customer_reconnect_grace_s = 3
"""
ENDED_TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def short_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CobrowseServer]:
    with started_server(SHORT, tmp_path_factory.mktemp("short")) as server:
        yield server


@pytest.fixture
def short(short_server: CobrowseServer) -> Iterator[Cobrowse]:
    manager = Cobrowse(short_server)
    yield manager
    manager.close()


@pytest.fixture(scope="module")
def short_site(short_server: CobrowseServer) -> Iterator[str]:
    with site_for(short_server) as url:
        yield url


def end_reason(session: CobrowseSession) -> str:
    """The server ended ``session`` on its own: why, once history has it."""
    session.ended = True  # Nothing for the fixture to end at teardown.
    return str(session.wait_for_record(lambda r: r["state"] == "ended")["end_reason"])


def test_inactivity_ends_the_session(page: Page, short_site: str, short: Cobrowse) -> None:
    page.goto(f"{short_site}/site/")
    session = short.start(page)
    agent = session.join()
    expect(session.customer_status).to_contain_text("ended", timeout=ENDED_TIMEOUT_MS)
    expect(agent.get_by_role("status")).to_contain_text("ended")
    assert end_reason(session) == "inactivity"


def test_an_agent_reload_within_the_grace_returns_to_the_session(
    page: Page, short_site: str, short: Cobrowse
) -> None:
    page.goto(f"{short_site}/form/")
    session = short.start(page)
    agent = session.join()
    agent.reload()
    expect(agent.get_by_role("status")).to_contain_text("active")
    expect(agent.locator("[data-cobrowse-view][data-frames]")).to_be_visible()
    page.locator("#text").fill("after the reload")
    session.assert_shown_to_agent("#text")
    assert session.server.record(session.uuid)["state"] == "active"
    assert session.end(by="agent")["end_reason"] == "agent_exit"


def test_an_agent_who_leaves_for_good_ends_the_session(
    page: Page, short_site: str, short: Cobrowse
) -> None:
    page.goto(f"{short_site}/site/")
    session = short.start(page)
    agent = session.join()
    agent.goto("about:blank")
    page.mouse.move(10, 10)  # The customer is still active: only the agent is gone.
    expect(session.customer_status).to_contain_text("ended", timeout=ENDED_TIMEOUT_MS)
    assert end_reason(session) == "agent_timeout"


def test_a_customer_who_leaves_the_site_ends_the_session(
    page: Page, short_site: str, short: Cobrowse
) -> None:
    page.goto(f"{short_site}/site/")
    session = short.start(page)
    agent = session.join()
    page.goto("about:blank")
    expect(agent.get_by_role("status")).to_contain_text("ended", timeout=ENDED_TIMEOUT_MS)
    assert end_reason(session) == "customer_timeout"


def test_ending_the_primary_interaction_ends_its_sessions(
    page: Page, short_site: str, short: Cobrowse
) -> None:
    page.goto(f"{short_site}/shop/")
    session = short.start(page)
    agent = session.join(interaction="CALL-123")
    assert session.server.record(session.uuid)["interaction_id"] == "CALL-123"
    request = urllib.request.Request(
        f"{session.server.url}/api/interactions/CALL-123/end", method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["ended"] == [session.uuid]
    expect(session.customer_status).to_contain_text("ended")
    expect(agent.get_by_role("status")).to_contain_text("ended")
    assert end_reason(session) == "interaction_ended"
