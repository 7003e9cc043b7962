"""The server's Chromium killed, then its renderer killed, under a live session in real
Chromium: the agent is told, the view comes back and follows the customer again, the session
never ends, and /healthz and history tell the truth."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from mirror.render import processes
from mirror.testing import Cobrowse
from mirror.testing.processes import ChildProcess
from mirror.testing.server import CobrowseServer, free_port, started_server
from tests.conftest import TEST_CONFIG
from tests.sites import FIXTURES

BACK_MS = 30_000  # A fault's detection and the rebuild, on a busy two-core machine.


@dataclass
class Healing:
    server: CobrowseServer
    site: str

    def chromium(self) -> list[int]:
        """The server's render browser (found by the mark on its command line)."""
        assert self.server.process is not None and self.server.process.process is not None
        below = processes.descendants(self.server.process.process.pid)
        found = [p for p in below if "--cobrowse-browser=" in processes.command_line(p)]
        assert found, "the server's Chromium was not found"
        return found


@pytest.fixture(scope="module")
def healing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Healing]:
    folder, port = tmp_path_factory.mktemp("healing"), free_port()
    config = f'[server]\nallowed_origins = ["http://127.0.0.1:{port}"]\n' + TEST_CONFIG
    with started_server(config, folder) as server:
        args = ["site", str(FIXTURES), "--port", str(port), "--server", server.url]
        with ChildProcess(args) as site:
            yield Healing(server, site.url)


def healthz(server: CobrowseServer) -> int:
    with urllib.request.urlopen(f"{server.url}/healthz", timeout=10) as response:
        return int(response.status)


def test_the_view_comes_back_after_the_browser_and_then_a_renderer_die(
    page: Page, healing: Healing
) -> None:
    page.goto(f"{healing.site}/shop/checkout.html")
    session = Cobrowse(healing.server).start(page)
    agent = session.join()
    session.assert_shown_to_agent("#firstName")
    for fault, name in (("browser", "Ada"), ("renderer", "Grace")):
        browser = healing.chromium()
        processes.kill(browser if fault == "browser" else processes.renderers(browser))
        expect(agent.get_by_role("alert")).to_contain_text("The view is back", timeout=BACK_MS)
        page.locator("#firstName").fill(name)
        session.assert_shown_to_agent("#firstName")  # The view follows the customer again.
        expect(session.customer_status).not_to_contain_text("ended")
    assert healthz(healing.server) == 200
    rows = healing.server.api("/api/sessions")
    row = next(r for r in rows if r["uuid"] == session.uuid)
    assert row["state"] == "active" and row["ended_at"] is None and row["end_reason"] is None
    session.end()
