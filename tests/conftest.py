"""Shared fixtures: the plugin's real server (``cobrowse_server``, with the development default of
any site) plus the sample site (tests/e2e/conftest.py gives the e2e tests a server that lists
it); and each test marked with its folder's name (``unit``, ``integration``, ``e2e``) for
``-m``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mirror.testing import CobrowseServer
from tests.sites import site_for

TESTS = Path(__file__).resolve().parent
# Registered in pyproject.toml.
FOLDER_MARKERS = ("unit", "integration", "e2e", "cluster", "faults")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(TESTS):
            folder = item.path.relative_to(TESTS).parts[0]
            if folder in FOLDER_MARKERS:
                item.add_marker(folder)


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
