"""Past the [capture] budgets the session goes on with a partial view, and the agent is told."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from mirror.testing import Cobrowse, CobrowseServer
from mirror.testing.server import started_server
from tests.sites import site_for

TINY = """
[capture]
max_nodes = 20
"""


@pytest.fixture(scope="module")
def tiny_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CobrowseServer]:
    with started_server(TINY, tmp_path_factory.mktemp("tiny")) as server:
        yield server


@pytest.fixture(scope="module")
def tiny_site(tiny_server: CobrowseServer) -> Iterator[str]:
    with site_for(tiny_server) as url:
        yield url


def test_a_page_over_the_node_budget_is_shown_with_a_notice(
    page: Page, tiny_server: CobrowseServer, tiny_site: str
) -> None:
    cobrowse = Cobrowse(tiny_server)
    try:
        page.goto(f"{tiny_site}/dashboard/")
        session = cobrowse.start(page)
        agent = session.join()
        expect(agent.get_by_role("alert")).to_contain_text("very large")
        session.assert_shown_to_agent("h1")  # The rest of the page is there, live.
    finally:
        cobrowse.close()
