"""The e2e tests' server and sample site. The render pages fetch a site's images and fonts from
this machine only when its origin is listed in ``allowed_origins``, so this server lists the
sample site, whose port is chosen before either starts (its pages name the server's script). The
integration tests keep the development default of any site (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mirror.testing import CobrowseServer
from mirror.testing.processes import ChildProcess
from mirror.testing.server import free_port, started_server
from tests.conftest import TEST_CONFIG
from tests.sites import FIXTURES

# Both loopback names: the partner page frames the courier's page from the other one, as a site
# of another origin.
SITE_ORIGINS = """
[server]
allowed_origins = ["http://127.0.0.1:{port}", "http://localhost:{port}"]
"""


@pytest.fixture(scope="session")
def sample_site_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def cobrowse_config(sample_site_port: int) -> str:
    return SITE_ORIGINS.format(port=sample_site_port) + TEST_CONFIG


@pytest.fixture(scope="session")
def cobrowse_server(
    cobrowse_config: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CobrowseServer]:
    """A fixture of its own, not the plugin's: a session-scoped fixture starts once per run, so
    sharing the plugin's would give the integration tests this configuration, or these tests
    theirs."""
    with started_server(cobrowse_config, tmp_path_factory.mktemp("cobrowse-e2e")) as server:
        yield server


@pytest.fixture(scope="session")
def sample_site(cobrowse_server: CobrowseServer, sample_site_port: int) -> Iterator[str]:
    args = ["site", str(FIXTURES), "--port", str(sample_site_port), "--server", cobrowse_server.url]
    with ChildProcess(args) as site:
        yield site.url
