"""The pytest plugin (entry point ``cobrowse``): a real server, the customer's page and an agent's
page in Chromium, for website teams to test their own site under co-browse (docs/testing.md).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest

from mirror.testing.actions import DEFAULT_TIMEOUT_S
from mirror.testing.artifacts import DEFAULT_FOLDER, save_and_attach
from mirror.testing.customer import Cobrowse
from mirror.testing.errors import ActionRefused, CobrowseServerError, CobrowseUsageError
from mirror.testing.server import CobrowseServer, agent_key_from, started_server
from mirror.testing.session import CobrowseSession

__all__ = [
    "ActionRefused",
    "Cobrowse",
    "CobrowseServer",
    "CobrowseServerError",
    "CobrowseSession",
    "CobrowseUsageError",
]

# The test's Cobrowse object, for the report hook to find its sessions.
_COBROWSE = pytest.StashKey[Cobrowse]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cobrowse", "co-browse testing")
    group.addoption(
        "--cobrowse-url",
        default=None,
        help="use this running co-browse server instead of starting one",
    )
    group.addoption(
        "--cobrowse-agent-key",
        default=None,
        help="the agent key for a server given with --cobrowse-url that has agent_keys set",
    )
    group.addoption(
        "--cobrowse-timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help="seconds to wait for an element of the customer's page to appear and for an agent "
        f"action to be answered (default: {DEFAULT_TIMEOUT_S:g})",
    )
    group.addoption(
        "--cobrowse-artifacts",
        default=None,
        help=f"folder for a failed test's agent views and session records "
        f"(default: {DEFAULT_FOLDER}/ in the directory pytest runs from)",
    )


@pytest.fixture(scope="session")
def cobrowse_config() -> str:
    """TOML text for the server the plugin starts; override it in your conftest.py."""
    return ""


@pytest.fixture(scope="session")
def cobrowse_server(
    pytestconfig: pytest.Config, cobrowse_config: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CobrowseServer]:
    """A real ``cobrowse serve`` on a free port (or the one of ``--cobrowse-url``)."""
    url = pytestconfig.getoption("--cobrowse-url")
    if url:
        key = pytestconfig.getoption("--cobrowse-agent-key") or agent_key_from(cobrowse_config)
        server = CobrowseServer(str(url).rstrip("/"), agent_key=key)
        server.check_alive()
        yield server
        return
    with started_server(cobrowse_config, tmp_path_factory.mktemp("cobrowse")) as server:
        yield server


@pytest.fixture
def cobrowse(cobrowse_server: CobrowseServer, request: pytest.FixtureRequest) -> Iterator[Cobrowse]:
    """``start(page)`` begins a session; sessions still live at the end are ended."""
    manager = Cobrowse(cobrowse_server, float(request.config.getoption("--cobrowse-timeout")))
    request.node.stash[_COBROWSE] = manager
    yield manager
    manager.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Runs before the fixtures' teardown, while the agent's view and the pages are still open.
    report = yield
    manager = item.stash.get(_COBROWSE, None)
    if manager is not None and report.failed and report.when in ("setup", "call"):
        save_and_attach(item, report, manager.sessions)
    return report


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.has_plugin("playwright"):
        from mirror.testing import chromium

        # Registered after pytest-playwright, so its fixture wraps pytest-playwright's own.
        config.pluginmanager.register(chromium, "cobrowse-system-chromium")
