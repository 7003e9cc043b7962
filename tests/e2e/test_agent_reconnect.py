"""The agent's page comes back to its session when its socket closes without a final word (the
server node it was on went away, the network blinked), and only then: after the agent's Exit, or
once the session has ended, it stays ended.

The server runs in this process, on a loop of its own thread, so a test closes the agent's socket
from the server's side (through the hub) as a node going down would, while the session lives on.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp.test_utils import TestServer
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from mirror.config import Config
from mirror.server.app import build_app
from mirror.server.keys import HUB, Settings
from mirror.session.live import Peer
from mirror.testing import Cobrowse, CobrowseServer, CobrowseSession
from mirror.testing.fidelity import is_blank
from tests.sites import site_for

T = TypeVar("T")
TIMEOUT_MS = 20_000
SERVICE_RESTART = 1012  # RFC 6455: what a server going down for a restart closes with.
# Every retry the page may make, and more: fires whatever timer is left on the agent's page.
PAST_EVERY_RETRY_MS = 60_000
AGENT_VIEWPORT: ViewportSize = {"width": 1600, "height": 1100}

# Keeps the agent's sockets where the test can count them, and see that one has closed (its
# readyState turns CLOSED in the task that runs the page's own close handler).
WATCH_AGENT_SOCKETS_JS = """(() => {
  const sockets = (window.__agentSockets = []);
  window.WebSocket = class extends window.WebSocket {
    constructor(...args) {
      super(...args);
      if (new URL(this.url).pathname === "/ws/agent") sockets.push(this);
    }
  };
})()"""


class ServerThread:
    """The server (build_app on a TestServer, with its Chromium) on an event loop of its own
    thread: the test's sync Playwright holds the main thread's."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: TestServer | None = None

    def run(self, coroutine: Coroutine[Any, Any, T], timeout_s: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    async def start(self) -> str:
        db = f"sqlite:///{self.folder / 'history.db'}"
        self.app = build_app(Settings(config=Config(), db=db))
        self.server = TestServer(self.app)
        await self.server.start_server()
        return str(self.server.make_url("")).rstrip("/")

    async def drop_agent(self, session_uuid: str) -> Peer:
        """Close the agent's socket as a node going down would; the session stays live."""
        live = self.app[HUB].lookup(session_uuid)
        assert live is not None and live.agent is not None, "no agent on this session"
        peer = live.agent
        await peer.close(SERVICE_RESTART, "this node is restarting")
        return peer

    async def agent_of(self, session_uuid: str) -> Peer | None:
        live = self.app[HUB].lookup(session_uuid)
        return None if live is None else live.agent

    def close(self) -> None:
        if self.server is not None:
            self.run(self.server.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


@pytest.fixture(scope="module")
def server_thread(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    server = ServerThread(tmp_path_factory.mktemp("reconnect"))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def in_process(server_thread: ServerThread) -> CobrowseServer:
    return CobrowseServer(server_thread.run(server_thread.start()))


@pytest.fixture(scope="module")
def site(in_process: CobrowseServer) -> Iterator[str]:
    with site_for(in_process) as url:
        yield url


@pytest.fixture
def cobrowse_here(in_process: CobrowseServer) -> Iterator[Cobrowse]:
    manager = Cobrowse(in_process)
    yield manager
    manager.close()


@pytest.fixture
def agent_context(browser: Browser) -> Iterator[BrowserContext]:
    """The agent's browser context, with a clock the test may pause and run forward, and the
    page's agent sockets kept for the test to count."""
    context = browser.new_context(viewport=AGENT_VIEWPORT)
    context.clock.install()
    context.add_init_script(script=WATCH_AGENT_SOCKETS_JS)
    yield context
    context.close()


def start(page: Page, site: str, cobrowse: Cobrowse) -> CobrowseSession:
    page.goto(f"{site}/form/")
    return cobrowse.start(page)


def join(context: BrowserContext, session: CobrowseSession) -> Page:
    """/agent joined to ``session`` as an agent does it, waiting for the first frame."""
    agent = context.new_page()
    agent.goto(f"{session.server.url}/agent")
    agent.get_by_label("Session ID").fill(session.id)
    agent.get_by_role("button", name="Join").click()
    expect(agent.get_by_role("status")).to_contain_text("active", timeout=TIMEOUT_MS)
    expect(agent.locator("[data-cobrowse-view][data-frames]")).to_be_visible(timeout=TIMEOUT_MS)
    return agent


def pause_clock(agent: Page) -> None:
    """Stop the page's timers: a retry waits until the test lets time run again."""
    now_ms = agent.evaluate("() => Date.now()")
    agent.clock.pause_at(datetime.fromtimestamp(now_ms / 1000, UTC) + timedelta(seconds=1))


def dropped(agent: Page, session: CobrowseSession, server_thread: ServerThread) -> Page:
    """The agent's page, its clock paused, once the server dropped its socket and the page
    says it is reconnecting."""
    pause_clock(agent)
    server_thread.run(server_thread.drop_agent(session.uuid))
    expect(agent.get_by_text("Reconnecting")).to_be_visible(timeout=TIMEOUT_MS)
    return agent


def agent_sockets(agent: Page) -> int:
    return int(agent.evaluate("() => window.__agentSockets.length"))


def wait_until_closed(agent: Page, index: int) -> None:
    """Until the page has handled the close of its ``index``-th agent socket."""
    closed = f"() => window.__agentSockets[{index}]?.readyState === WebSocket.CLOSED"
    agent.wait_for_function(closed, polling=100, timeout=TIMEOUT_MS)


def test_the_agent_comes_back_after_the_server_drops_its_socket(
    page: Page,
    site: str,
    cobrowse_here: Cobrowse,
    agent_context: BrowserContext,
    server_thread: ServerThread,
) -> None:
    session = start(page, site, cobrowse_here)
    agent = session.agent = join(agent_context, session)
    status, notice = agent.get_by_role("status"), agent.get_by_text("Reconnecting")
    pause_clock(agent)
    dropped = server_thread.run(server_thread.drop_agent(session.uuid))
    # Between two tries: the session is still on, and the view keeps its last frame.
    expect(notice).to_be_visible(timeout=TIMEOUT_MS)
    expect(status).to_contain_text("active")
    expect(agent.get_by_role("button", name="Exit co-browse session")).to_be_visible()
    assert not is_blank(session.view_image())
    agent.clock.resume()
    expect(notice).to_be_hidden(timeout=TIMEOUT_MS)
    expect(status).to_contain_text("active")
    returned = server_thread.run(server_thread.agent_of(session.uuid))
    assert returned is not None and returned is not dropped
    page.locator("#text").fill("after the server dropped the agent")
    session.assert_shown_to_agent("#text")
    assert session.server.record(session.uuid)["state"] == "active"
    assert session.end(by="agent")["end_reason"] == "agent_exit"


def test_the_agents_exit_is_final(
    page: Page, site: str, cobrowse_here: Cobrowse, agent_context: BrowserContext
) -> None:
    session = start(page, site, cobrowse_here)
    agent = join(agent_context, session)
    agent.get_by_role("button", name="Exit co-browse session").click()
    expect(agent.get_by_role("status")).to_contain_text("ended", timeout=TIMEOUT_MS)
    wait_until_closed(agent, 0)
    agent.clock.run_for(PAST_EVERY_RETRY_MS)
    assert agent_sockets(agent) == 1
    expect(agent.get_by_text("Reconnecting")).to_be_hidden()
    expect(agent.get_by_role("status")).to_contain_text("ended")
    expect(agent.get_by_label("Session ID")).to_be_visible()
    session.ended = True
    record = session.wait_for_record(lambda r: r["state"] == "ended")
    assert record["end_reason"] == "agent_exit"


def test_an_exit_between_two_tries_stops_them(
    page: Page,
    site: str,
    cobrowse_here: Cobrowse,
    agent_context: BrowserContext,
    server_thread: ServerThread,
) -> None:
    session = start(page, site, cobrowse_here)
    agent = dropped(join(agent_context, session), session, server_thread)
    agent.get_by_role("button", name="Exit co-browse session").click()
    expect(agent.get_by_role("status")).to_contain_text("ended")
    agent.clock.run_for(PAST_EVERY_RETRY_MS)
    assert agent_sockets(agent) == 1
    expect(agent.get_by_text("Reconnecting")).to_be_hidden()
    expect(agent.get_by_label("Session ID")).to_be_visible()
    assert agent.evaluate("() => sessionStorage.getItem('cobrowse.agent')") is None


def test_a_session_that_ended_while_the_agent_was_away_stays_ended(
    page: Page,
    site: str,
    cobrowse_here: Cobrowse,
    agent_context: BrowserContext,
    server_thread: ServerThread,
) -> None:
    session = start(page, site, cobrowse_here)
    agent = dropped(join(agent_context, session), session, server_thread)
    assert session.end(by="customer")["end_reason"] == "customer_exit"
    agent.clock.resume()  # The page tries again: the server no longer knows the session.
    expect(agent.get_by_role("status")).to_contain_text("ended", timeout=TIMEOUT_MS)
    wait_until_closed(agent, 1)
    agent.clock.run_for(PAST_EVERY_RETRY_MS)
    assert agent_sockets(agent) == 2
    expect(agent.get_by_text("Reconnecting")).to_be_hidden()
    expect(agent.get_by_label("Session ID")).to_be_visible()
    # Nothing left for a reload to rejoin.
    assert agent.evaluate("() => sessionStorage.getItem('cobrowse.agent')") is None
