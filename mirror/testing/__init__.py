"""The pytest plugin (entry point ``cobrowse``): test your own site under co-browse.

Fixtures ``cobrowse_config``, ``cobrowse_server`` and ``cobrowse`` start a real server and drive the
customer's page and an agent's page in Chromium through pytest-playwright, exactly as people
would. See docs/testing.md.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from mirror.processes import ChildProcess
from mirror.testing.errors import ActionRefused, CobrowseUsageError
from mirror.testing.server import CobrowseServer
from mirror.testing.session import STATUS_TIMEOUT_MS, CobrowseSession
from mirror.testing.wire import Wire

__all__ = ["ActionRefused", "Cobrowse", "CobrowseServer", "CobrowseSession", "CobrowseUsageError"]

_NINE_DIGITS = re.compile(r"^\d{9}$")


class Cobrowse:
    """The ``cobrowse`` fixture: starts sessions and ends those still live at teardown."""

    def __init__(self, server: CobrowseServer) -> None:
        self.server = server
        self.sessions: list[CobrowseSession] = []

    def start(self, page: Page) -> CobrowseSession:
        """Embed cobrowse.js if the page lacks it, press Co-browse -> Yes, read the ID."""
        wire = Wire()
        wire.watch(page, "customer")
        if not page.evaluate("() => Boolean(window.__cobrowse)"):
            page.add_script_tag(url=self.server.script_url)
        launcher = page.get_by_role("button", name="Co-browse", exact=True)
        try:
            launcher.click(timeout=STATUS_TIMEOUT_MS)
        except Exception as exc:
            raise CobrowseUsageError(
                f"the page {page.url} shows no 'Co-browse' button: is cobrowse.js from "
                f"{self.server.script_url} embedded and allowed for this origin?"
            ) from exc
        page.get_by_role("button", name="Yes").click()
        id_element = page.locator("[data-cobrowse-session-id]")
        expect(id_element).to_have_attribute(
            "data-cobrowse-session-id", _NINE_DIGITS, timeout=STATUS_TIMEOUT_MS
        )
        session_id = id_element.get_attribute("data-cobrowse-session-id") or ""
        session = CobrowseSession(self.server, page, session_id, wire)
        self.sessions.append(session)
        return session

    def close(self) -> None:
        for session in self.sessions:
            if not session.ended and not session.customer.is_closed():
                # Teardown must not mask the test's own failure.
                with contextlib.suppress(Exception):
                    session.end("customer")
            if session.agent is not None:
                session.agent.context.close()


# -- fixtures --------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--cobrowse-url",
        default=None,
        help="use this running co-browse server instead of starting one",
    )


@pytest.fixture(scope="session")
def cobrowse_config() -> str:
    """TOML text for the server the plugin starts; override it in your conftest.py."""
    return ""


@pytest.fixture(scope="session")
def cobrowse_server(
    pytestconfig: pytest.Config, cobrowse_config: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CobrowseServer]:
    url = pytestconfig.getoption("--cobrowse-url")
    if url:
        yield CobrowseServer(url.rstrip("/"))
        return
    folder = tmp_path_factory.mktemp("cobrowse")
    (folder / "cobrowse.toml").write_text(cobrowse_config)
    process = ChildProcess(
        [
            "serve",
            "--port",
            "0",
            "--config",
            str(folder / "cobrowse.toml"),
            "--db",
            f"sqlite:///{folder / 'cobrowse.db'}",
        ]
    )
    with process:
        yield CobrowseServer(process.url, process, folder / "cobrowse.db")


@pytest.fixture
def cobrowse(cobrowse_server: CobrowseServer) -> Iterator[Cobrowse]:
    manager = Cobrowse(cobrowse_server)
    yield manager
    manager.close()


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.has_plugin("playwright"):
        from mirror.testing import chromium

        # Registered after pytest-playwright, so its fixture wraps pytest-playwright's own.
        config.pluginmanager.register(chromium, "cobrowse-system-chromium")
