"""docs/integration.md's desktop, run as printed (examples/desktop.py, on an origin of its own):
it hears the signed webhooks, and its agent sees the customer's page in <cobrowse-view>, joined
with a token its back end asked for, back after a network break, until the agent exits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from mirror.testing import Cobrowse, CobrowseServer
from mirror.testing.processes import ChildProcess
from mirror.testing.server import free_port, started_server
from tests.conftest import TEST_CONFIG
from tests.sites import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "desktop.py"
KEY, SECRET = "agent-key-desk-example-31c", "hook-secret-desk-example-9f2"
TIMEOUT_MS = 15_000
FRAMES = re.compile(r"^[1-9]\d*$")


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CobrowseServer, str, str]]:
    """The co-browse server, the shop's site and the desktop: three origins."""
    folder, site_port, desk_port = tmp_path_factory.mktemp("desk"), free_port(), free_port()
    desk = f"http://127.0.0.1:{desk_port}"
    config = (
        f'[server]\nallowed_origins = ["http://127.0.0.1:{site_port}"]\nagent_keys = ["{KEY}"]\n'
        f'agent_origins = ["{desk}"]\n'
        f'[webhooks]\nurl = "{desk}/hooks"\nsecret = "{SECRET}"\n' + TEST_CONFIG
    )
    with started_server(config, folder) as server:
        site_args = ["site", str(FIXTURES), "--port", str(site_port), "--server", server.url]
        desk_args = ["--cobrowse", server.url, "--port", str(desk_port)]
        env = {"AGENT_KEY": KEY, "WEBHOOK_SECRET": SECRET}
        with (
            ChildProcess(site_args) as site,
            ChildProcess(desk_args, launcher=(str(EXAMPLE),), env=env) as desk_process,
        ):
            yield server, site.url, desk_process.url


BLINK_JS = """() => {
  const view = document.querySelector("cobrowse-view");
  window.blinked = view.socket;
  view.socket.close(3000);
}"""
# A new socket, open, its rejoin answered (the "Reconnecting" badge hidden again).
BACK_JS = """() => {
  const view = document.querySelector("cobrowse-view");
  const badge = view.shadowRoot.getElementById("reconnecting");
  const open = view.socket?.readyState === WebSocket.OPEN;
  return view.socket !== window.blinked && open && badge.hidden;
}"""


def test_the_desktop_example_shows_the_customer_and_hears_the_webhooks(
    page: Page, browser: Browser, desktop: tuple[CobrowseServer, str, str]
) -> None:
    server, site, desk_url = desktop
    page.goto(f"{site}/shop/checkout.html")
    session = Cobrowse(server).start(page)
    agent = browser.new_context().new_page()  # No agent cookie: the token is the key.
    agent.goto(desk_url)
    agent.get_by_label("Session ID").fill(session.id)
    agent.get_by_role("button", name="Show the customer's screen").click()
    view = agent.locator("cobrowse-view")
    expect(view.get_by_role("status")).to_contain_text("active", timeout=TIMEOUT_MS)
    expect(view.locator("[data-cobrowse-view]")).to_have_attribute("data-frames", FRAMES)
    view_log = agent.get_by_role("list", name="View events")
    expect(view_log).to_contain_text(f'joined {{"id":"{session.id}","role":"agent"}}')
    hooks = agent.get_by_role("list", name="Webhook events")
    expect(hooks).to_contain_text("session.created", timeout=TIMEOUT_MS)
    expect(hooks).to_contain_text("session.started", timeout=TIMEOUT_MS)

    # The network blinks: the view comes back by itself, with no cookie and no new token.
    frames = int(view.locator("[data-cobrowse-view]").get_attribute("data-frames") or 0)
    agent.evaluate(BLINK_JS)
    page.locator("h1").first.evaluate("h => { h.textContent = 'Back after the blink'; }")
    expect(view.locator("[data-cobrowse-view]")).not_to_have_attribute(
        "data-frames", str(frames), timeout=TIMEOUT_MS
    )
    # A frame drawn late from before the blink also counts: wait for the view to be back, as an
    # Exit between two tries is said to no one (the server ends the session after a grace).
    agent.wait_for_function(BACK_JS, timeout=TIMEOUT_MS)
    expect(view.get_by_role("status")).to_contain_text("active")
    expect(session.customer_status).not_to_contain_text("ended")

    view.get_by_role("button", name="Exit co-browse session").click()
    expect(session.customer_status).to_contain_text("ended", timeout=TIMEOUT_MS)
    expect(view_log).to_contain_text('ended {"reason":"agent_exit"}', timeout=TIMEOUT_MS)
    expect(hooks).to_contain_text("session.ended agent_exit", timeout=TIMEOUT_MS)
    # The session is over: the desktop's back end gets no token for it.
    agent.get_by_role("button", name="Show the customer's screen").click()
    expect(view_log).to_contain_text("no token")


def test_the_documentation_prints_the_example_whole() -> None:
    printed = (ROOT / "docs" / "integration.md").read_text()
    assert f"```python\n{EXAMPLE.read_text()}```" in printed
