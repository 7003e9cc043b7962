"""A page of a sibling site (the same registrable domain, another origin) gets the agent's
``SameSite=Strict`` cookie from the browser all the same, so the server must refuse it itself:
it neither opens the agent's sockets nor signs the agent in. Real Chromium, with two host names
of one site mapped to this machine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from yarl import URL

from mirror.testing import CobrowseServer
from mirror.testing.server import started_server

KEY = "agent-key-for-origin-tests"
OWN_HOST = "cobrowse.example.com"
SIBLING_HOST = "forum.example.com"
OPEN_SOCKET = """url => new Promise(resolve => {
    const ws = new WebSocket(url);
    ws.onopen = () => { ws.close(); resolve("open"); };
    ws.onerror = () => resolve("refused");
})"""
SIGN_IN = """([url, key]) => fetch(url, {
    method: "POST", mode: "no-cors", credentials: "include", body: JSON.stringify({key}),
}).then(() => "answered")"""


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CobrowseServer]:
    folder = tmp_path_factory.mktemp("sibling")
    with started_server(f'[server]\nagent_keys = ["{KEY}"]\n', folder) as server:
        yield server


@pytest.fixture
def context(launch_browser: Any) -> Iterator[BrowserContext]:
    # Both names reach this machine; nothing is looked up.
    browser: Browser = launch_browser(args=["--host-resolver-rules=MAP *.example.com 127.0.0.1"])
    try:
        yield browser.new_context()
    finally:
        browser.close()


def origins(server: CobrowseServer) -> tuple[str, str]:
    port = URL(server.url).port
    return f"http://{OWN_HOST}:{port}", f"http://{SIBLING_HOST}:{port}"


def test_a_sibling_sites_page_cannot_open_the_agents_sockets(
    keyed_server: CobrowseServer, context: BrowserContext
) -> None:
    own, sibling = origins(keyed_server)
    agent = context.new_page()
    agent.goto(f"{own}/agent")
    agent.get_by_label("Agent key").fill(KEY)
    agent.get_by_role("button", name="Sign in").click()
    expect(agent.get_by_label("Session ID")).to_be_visible()
    forum = context.new_page()
    forum.goto(f"{sibling}/healthz")  # Any page of the sibling's origin.
    for side in ("agent", "desk"):
        socket = f"{own.replace('http://', 'ws://')}/ws/{side}"
        assert agent.evaluate(OPEN_SOCKET, socket) == "open"  # The cookie goes with both...
        assert forum.evaluate(OPEN_SOCKET, socket) == "refused"  # ...the origin does not.


def test_a_sibling_sites_page_cannot_sign_the_agent_in(
    keyed_server: CobrowseServer, context: BrowserContext
) -> None:
    own, sibling = origins(keyed_server)
    forum = context.new_page()
    forum.goto(f"{sibling}/healthz")
    assert forum.evaluate(SIGN_IN, [f"{own}/api/agent/sign-in", KEY]) == "answered"
    assert [c["name"] for c in context.cookies(own)] == []
    agent = context.new_page()  # The server's own page still signs in.
    agent.goto(f"{own}/agent")
    agent.get_by_label("Agent key").fill(KEY)
    agent.get_by_role("button", name="Sign in").click()
    expect(agent.get_by_label("Session ID")).to_be_visible()
    assert [c["name"] for c in context.cookies(own)] == ["cobrowse_agent"]
