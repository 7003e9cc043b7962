"""Shared fixtures: the plugin's real server (``cobrowse_server``) plus the sample site."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from mirror.testing import CobrowseServer
from mirror.testing.processes import ChildProcess

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@contextmanager
def site_for(server: CobrowseServer) -> Iterator[str]:
    """The sample sites of fixtures/, on their own origin, embedding ``server``'s script."""
    with ChildProcess(["site", str(FIXTURES), "--port", "0", "--server", server.url]) as site:
        yield site.url


@pytest.fixture(scope="session")
def sample_site(cobrowse_server: CobrowseServer) -> Iterator[str]:
    with site_for(cobrowse_server) as url:
        yield url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


# The masking every test server runs with: the contract's defaults, one read-only field and one
# blocked box of the shop's checkout (the form page marks its own private fields).
TEST_CONFIG = """
[masking]
hidden = ["input[type=password]", "[autocomplete^='cc-']"]
readonly = ["#city"]
blocked = ["#loyalty"]
"""


@pytest.fixture(scope="session")
def cobrowse_config() -> str:
    return TEST_CONFIG
