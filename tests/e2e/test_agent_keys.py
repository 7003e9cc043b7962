"""With agent keys configured: /agent asks for a key, no agent socket opens without one, and
/api/* needs the key as a bearer token."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from mirror.testing.processes import ChildProcess

KEY = "agent-key-for-tests-7f3a"


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("keyed")
    (folder / "c.toml").write_text(f'[server]\nagent_keys = ["{KEY}"]\n')
    args = [
        "serve",
        "--port",
        "0",
        "--config",
        str(folder / "c.toml"),
        "--db",
        f"sqlite:///{folder / 'h.db'}",
    ]
    with ChildProcess(args) as process:
        yield process.url


def status_of(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers or {}), timeout=10
        ) as r:
            return int(r.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_api_needs_the_key(keyed_server: str) -> None:
    assert status_of(f"{keyed_server}/api/sessions") == 401
    assert status_of(f"{keyed_server}/api/sessions", {"Authorization": "Bearer wrong"}) == 401
    assert status_of(f"{keyed_server}/api/sessions", {"Authorization": f"Bearer {KEY}"}) == 200
    assert status_of(f"{keyed_server}/healthz") == 200


def test_no_agent_socket_opens_without_a_key(keyed_server: str) -> None:
    ws_url = keyed_server.replace("http://", "ws://") + "/ws/agent"
    request = urllib.request.Request(
        ws_url.replace("ws://", "http://"),
        headers={
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    )
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("the socket opened")
    except urllib.error.HTTPError as error:
        assert error.code == 401


def test_the_agent_signs_in_before_joining(browser: Browser, keyed_server: str) -> None:
    agent = browser.new_context().new_page()
    agent.goto(f"{keyed_server}/agent")
    expect(agent.get_by_label("Session ID")).to_be_hidden()
    agent.get_by_label("Agent key").fill("not-the-key")
    agent.get_by_role("button", name="Sign in").click()
    expect(agent.get_by_role("alert")).to_contain_text("not valid")
    agent.get_by_label("Agent key").fill(KEY)
    agent.get_by_role("button", name="Sign in").click()
    expect(agent.get_by_label("Session ID")).to_be_visible()
    agent.get_by_label("Session ID").fill("123456789")
    agent.get_by_role("button", name="Join").click()
    expect(agent.get_by_role("alert")).to_contain_text("No live co-browse session")
    agent.context.close()
