"""[session] agent_control = "ask": the agent's first action asks the customer in a dialog whose
text names control; Deny refuses, Allow grants, "Stop agent control" takes it back at once; each
grant and revoke is in the session's history."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from mirror.testing import ActionRefused, Cobrowse, CobrowseServer, CobrowseSession
from mirror.testing.processes import ChildProcess
from mirror.testing.server import free_port, started_server
from tests.conftest import TEST_CONFIG
from tests.e2e.matching import READY_JS, agent_of
from tests.sites import FIXTURES
from tests.waiting import wait_for

TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def asking(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CobrowseServer, str]]:
    """A server whose agents ask for control, and the sample site embedding its script."""
    port = free_port()
    origins = f'"http://127.0.0.1:{port}", "http://localhost:{port}"'
    config = f'[server]\nallowed_origins = [{origins}]\n[session]\nagent_control = "ask"\n'
    with started_server(config + TEST_CONFIG, tmp_path_factory.mktemp("ask")) as server:
        args = ["site", str(FIXTURES), "--port", str(port), "--server", server.url]
        with ChildProcess(args) as site:
            yield server, site.url


@contextlib.contextmanager
def joined(page: Page, asking: tuple[CobrowseServer, str]) -> Iterator[CobrowseSession]:
    """A session on the asking server's checkout, its agent joined; ended at the block's end."""
    server, site = asking
    page.goto(f"{site}/shop/checkout.html")
    page.wait_for_function(READY_JS)
    cobrowse = Cobrowse(server)
    try:
        session = cobrowse.start(page)
        session.join()
        yield session
    finally:
        cobrowse.close()


def refused(action: Callable[[], object]) -> str:
    """The reason the agent's action is refused, or "" when it is applied."""
    try:
        action()
    except ActionRefused as exc:
        return exc.reason
    return ""


def test_the_customer_allows_denies_and_takes_control_back(
    page: Page, asking: tuple[CobrowseServer, str]
) -> None:
    with joined(page, asking) as session:
        agent = agent_of(session)
        widget = page.locator("[data-cobrowse-widget]")
        dialog = widget.get_by_role("dialog")
        assert refused(lambda: session.agent_click("#firstName")) == "not_allowed"
        expect(dialog).to_contain_text("control", timeout=TIMEOUT_MS)
        expect(agent.get_by_role("alert")).to_contain_text("asked")
        dialog.get_by_role("button", name="Deny").click()
        expect(agent.get_by_role("alert")).to_contain_text("denied", timeout=TIMEOUT_MS)
        assert refused(lambda: session.agent_click("#firstName")) == "not_allowed"

        allow = dialog.get_by_role("button", name="Allow")

        def asked_again() -> bool:  # Each try is an action: the first 10 s after the ask asks.
            return refused(lambda: session.agent_click("#firstName")) == "not_allowed" and (
                allow.is_visible()
            )

        wait_for(asked_again, "the agent's action to ask again", timeout_s=30)
        session.allow_control()
        expect(agent.get_by_text("Control: yours")).to_be_visible(timeout=TIMEOUT_MS)
        session.agent_fill("#firstName", "Alice")
        assert page.input_value("#firstName") == "Alice"

        session.stop_control()
        expect(agent.get_by_role("alert")).to_contain_text("took control back")
        assert refused(lambda: session.agent_click("#lastName")) == "not_allowed"
        kinds = [
            e["kind"] for e in session.wait_for_record(lambda r: len(r["events"]) >= 3)["events"]
        ]
        assert kinds == ["control_denied", "control_granted", "control_revoked"]


def test_the_customers_page_refuses_the_agent_once_it_took_control_back(
    page: Page, asking: tuple[CobrowseServer, str]
) -> None:
    """The page checks again: its "Stop agent control" is kept from the server here, which still
    sends the agent's actions, and the page refuses them itself."""
    kept: list[str] = []

    def route(socket: WebSocketRoute) -> None:
        upstream = socket.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if isinstance(message, str) and '"type":"control","granted":false' in message:
                kept.append(message)
            else:
                upstream.send(message)

        socket.on_message(from_page)
        upstream.on_message(socket.send)

    page.route_web_socket(re.compile(r"/ws/customer"), route)
    with joined(page, asking) as session:
        assert refused(lambda: session.agent_click("#firstName")) == "not_allowed"
        session.allow_control()
        session.agent_click("#firstName")
        session.stop_control()
        assert kept, "the page's Stop went to the server"
        assert refused(lambda: session.agent_click("#lastName")) == "not_allowed"
        expect(page.locator("#lastName")).not_to_be_focused()
