"""A contact centre's desktop joins its agent without typing: it asks POST /api/joins with the
agent key, and opens the agent's view with the token in a frame of its own page (another
origin, no agent cookie). The view shows the customer's page; the token works once."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from mirror.testing import Cobrowse, CobrowseServer
from mirror.testing.processes import ChildProcess
from mirror.testing.server import free_port, started_server
from tests.conftest import TEST_CONFIG
from tests.sites import FIXTURES

KEY = "agent-key-desktop-8e4"


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CobrowseServer, str]]:
    folder, port = tmp_path_factory.mktemp("joins"), free_port()
    config = (
        f'[server]\nallowed_origins = ["http://127.0.0.1:{port}"]\nagent_keys = ["{KEY}"]\n'
        + TEST_CONFIG
    )
    with started_server(config, folder) as server:
        args = ["site", str(FIXTURES), "--port", str(port), "--server", server.url]
        with ChildProcess(args) as site:
            yield server, site.url


def join_token(server: CobrowseServer, session_id: str) -> str:
    """What the desktop's back end does, server to server, with the agent key."""
    request = urllib.request.Request(
        f"{server.url}/api/joins",
        data=json.dumps({"session_id": session_id}).encode(),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)["token"])


def desktop_with_view(browser: Browser, server: CobrowseServer, token: str) -> Page:
    """The desktop's page, of no origin of the server's, with the agent's view in a frame."""
    desktop = browser.new_context().new_page()
    src = f"{server.url}/agent?join_token={token}"
    desktop.set_content(f'<h1>Desk</h1><iframe src="{src}" width="1400" height="950"></iframe>')
    return desktop


def test_a_desktop_shows_the_view_joined_with_a_token(
    page: Page, browser: Browser, keyed: tuple[CobrowseServer, str]
) -> None:
    server, site = keyed
    page.goto(f"{site}/shop/checkout.html")
    session = Cobrowse(server).start(page)
    token = join_token(server, session.id)
    desktop = desktop_with_view(browser, server, token)
    view = desktop.frame_locator("iframe")
    expect(view.get_by_role("status")).to_contain_text("active", timeout=15_000)
    expect(view.locator("[data-cobrowse-view]")).to_have_attribute(
        "data-frames", re.compile(r"^[1-9]\d*$"), timeout=15_000
    )
    expect(session.customer_status).not_to_contain_text("ended")
    again = desktop_with_view(browser, server, token)  # The same token a second time.
    expect(again.frame_locator("iframe").get_by_role("alert")).to_contain_text(
        "join token is unknown, used or expired", timeout=15_000
    )
    view.get_by_role("button", name="Exit co-browse session").click()
    expect(session.customer_status).to_contain_text("ended", timeout=15_000)
