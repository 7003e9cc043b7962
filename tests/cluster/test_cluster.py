"""Sessions across the nodes of a real cluster: sockets on different nodes, the history shared
on PostgreSQL, and a node killed or stopped in the middle of a session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from mirror.testing import Cobrowse, CobrowseSession
from tests.cluster.conftest import NODES, Cluster, get_json

CARD = "4111 1111 1111 1111"  # Typed into a masked field: never on any node's wire.
TIMEOUT_MS = 30_000


@pytest.fixture
def customer(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def checkout(page: Page, site: str) -> None:
    page.goto(f"{site}/shop/checkout.html")
    page.fill("#cc-number", CARD)


def shows(session: CobrowseSession, colour: str) -> None:
    """Paint the customer's page title ``colour`` and wait until the agent's view shows it: a
    change too large for a stale view to pass for it."""
    session.customer.evaluate(
        "c => { const h = document.querySelector('h1'); h.style.background = c; }", colour
    )
    session.assert_shown_to_agent("h1", timeout_s=20)


def records(cluster: Cluster, name: str, uuid: str) -> list[dict[str, object]]:
    return [r for r in get_json(f"{cluster.url(name)}/api/sessions") if r["uuid"] == uuid]


def test_each_side_on_another_node(cluster: Cluster, customer: Page) -> None:
    """The customer's socket on node-1, the agent's page on node-2, the history read on
    node-3: join, frames, the agent's click, the end, as on one node."""
    checkout(customer, cluster.direct_site)
    session = Cobrowse(cluster.server("node-2")).start(customer)
    session.join()
    shows(session, "rgb(200, 30, 30)")
    assert {cluster.health(n)["live_sessions"] for n in NODES} == {1}
    assert [cluster.health(n)["mirrors"] for n in NODES] == [1, 0, 0]
    (record,) = records(cluster, "node-3", session.uuid)
    assert record["state"] == "active"
    session.agent_click("#lastName")
    expect(customer.locator("#lastName")).to_be_focused(timeout=TIMEOUT_MS)
    session.assert_never_sent(CARD)
    ended = session.end("agent")
    assert ended["end_reason"] == "agent_exit"
    assert {cluster.health(n)["live_sessions"] for n in NODES} == {0}


@pytest.mark.parametrize("how", ["kill", "stop"])
def test_a_node_that_goes_loses_no_session(cluster: Cluster, customer: Page, how: str) -> None:
    """SIGKILL, or SIGTERM as a rolling deploy stops it, of the node holding the render page:
    the sockets come back through the balancer, another node rebuilds the page, the agent sees
    the customer's page again, and the history has the session once, still active."""
    checkout(customer, cluster.site)
    session = Cobrowse(cluster.server()).start(customer)
    session.join()
    shows(session, "rgb(30, 160, 40)")
    victim = cluster.mirror_node()
    assert victim is not None
    getattr(cluster, how)(victim)
    try:
        shows(session, "rgb(40, 60, 220)")
        survivors = list(cluster.nodes)
        assert sum(cluster.health(n)["mirrors"] for n in survivors) == 1
        (record,) = records(cluster, survivors[0], session.uuid)
        assert record["state"] == "active"
        session.assert_never_sent(CARD)
        assert session.end("customer")["end_reason"] == "customer_exit"
    finally:
        cluster.start(victim)


def test_a_colleague_watching_survives_a_node_and_takes_the_session_over(
    cluster: Cluster, customer: Page
) -> None:
    """Sockets spread by the balancer, a colleague invited to watch, then the node holding the
    render page killed: the colleague's seat is in Redis, so its view comes back to the new
    owner, and the agent hands the session over there; the colleague then acts."""
    checkout(customer, cluster.site)
    session = Cobrowse(cluster.server()).start(customer)
    session.join()
    session.invite("Dana")
    shows(session, "rgb(160, 40, 160)")
    victim = cluster.mirror_node()
    assert victim is not None
    cluster.kill(victim)
    try:
        session.hand_over("Dana")
        shows(session, "rgb(200, 120, 20)")  # In the colleague's view, from the new owner.
        session.agent_click("#lastName")
        expect(customer.locator("#lastName")).to_be_focused(timeout=TIMEOUT_MS)
        session.assert_never_sent(CARD)
        assert session.end("agent")["end_reason"] == "agent_exit"
    finally:
        cluster.start(victim)
