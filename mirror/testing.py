"""The pytest plugin (entry point ``cobrowse``): test your own site under co-browse.

Fixtures ``cobrowse_config``, ``cobrowse_server`` and ``cobrowse`` start a real server and drive the
customer's page and an agent's page in Chromium through pytest-playwright, exactly as people
would. See docs/testing.md.
"""

from __future__ import annotations

import io
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from PIL import Image
from playwright.sync_api import FloatRect, Locator, Page, WebSocket, expect

from mirror.errors import CobrowseError
from mirror.fidelity import differing_share
from mirror.processes import ChildProcess

STATUS_TIMEOUT_MS = 15_000
_NINE_DIGITS = re.compile(r"^\d{9}$")
# An element "is shown" when at most this share of its 8x8 blocks differ (mirror/fidelity.py).
MAX_DIFFERING_SHARE = 0.05


class ActionRefused(CobrowseError):
    """The server or the customer's page refused an agent action; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CobrowseUsageError(CobrowseError):
    """The test asked for something the page cannot give (no widget, no such element, ...)."""


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


# -- the server ------------------------------------------------------------------------------


@dataclass
class CobrowseServer:
    """A co-browse server: ``url``, ``script_url`` and its history API."""

    url: str
    process: ChildProcess | None = None

    @property
    def script_url(self) -> str:
        return f"{self.url}/cobrowse.js"

    def api(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as response:
            return json.load(response)

    def history(self) -> list[dict[str, Any]]:
        """Every session record, newest first (``GET /api/sessions``)."""
        return list(self.api("/api/sessions"))

    def record(self, session_uuid: str) -> dict[str, Any]:
        return dict(self.api(f"/api/sessions/{session_uuid}"))


# -- one session -----------------------------------------------------------------------------


@dataclass
class Wire:
    """Every WebSocket message of the pages it watches, in both directions, as bytes."""

    messages: list[bytes] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("websocket", self._socket)

    def _socket(self, ws: WebSocket) -> None:
        ws.on("framesent", self._add)
        ws.on("framereceived", self._add)

    def _add(self, payload: str | bytes) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        self.messages.append(data)
        if data.startswith(b"{") and b'"type":"session"' in data:
            self.sessions.append(json.loads(data))


@dataclass
class CobrowseSession:
    """A live session started on ``customer``; ``join`` opens the agent's page."""

    server: CobrowseServer
    customer: Page
    id: str
    wire_log: Wire
    agent: Page | None = None
    ended: bool = False

    @property
    def uuid(self) -> str:
        return str(self.wire_log.sessions[-1]["uuid"])

    @property
    def customer_status(self) -> Locator:
        """The widget's ``role=status`` notice on the customer's page."""
        return self.customer.locator("[data-cobrowse-widget]").get_by_role("status")

    @property
    def view(self) -> Locator:
        return self._agent().locator("[data-cobrowse-view]")

    def _agent(self) -> Page:
        if self.agent is None:
            raise CobrowseUsageError("no agent yet: call session.join() first")
        return self.agent

    def join(self, interaction: str | None = None) -> Page:
        """Open /agent in a fresh browser context, join with the ID, wait for the first frame."""
        browser = self.customer.context.browser
        assert browser is not None
        agent = browser.new_context(viewport={"width": 1600, "height": 1100}).new_page()
        self.wire_log.watch(agent)
        query = f"?interaction={interaction}" if interaction else ""
        agent.goto(f"{self.server.url}/agent{query}")
        agent.get_by_label("Session ID").fill(self.id)
        agent.get_by_role("button", name="Join").click()
        expect(agent.get_by_role("status")).to_contain_text("active", timeout=STATUS_TIMEOUT_MS)
        expect(agent.locator("[data-cobrowse-view][data-frames]")).to_be_visible(
            timeout=STATUS_TIMEOUT_MS
        )
        self.agent = agent
        return agent

    def view_image(self) -> Image.Image:
        """The agent's current view as a ``PIL.Image.Image`` (one pixel per customer CSS pixel)."""
        return _image(self.view.screenshot(animations="disabled"))

    def assert_shown_to_agent(self, selector: str, timeout_s: float = 10.0) -> None:
        """Wait until the element's area in the agent's view matches the customer's screen."""
        rect = self._viewport_rect(selector)
        clip: FloatRect = {
            "x": rect[0],
            "y": rect[1],
            "width": rect[2] - rect[0],
            "height": rect[3] - rect[1],
        }
        deadline = time.monotonic() + timeout_s
        while True:
            expected = _image(self.customer.screenshot(clip=clip, caret="hide"))
            frames = self.view.get_attribute("data-frames")
            share = differing_share(expected, self.view_image().crop(rect))
            if share <= MAX_DIFFERING_SHARE:
                return
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms <= 0:
                raise AssertionError(
                    f"{selector}: the agent's view differs from the customer's screen "
                    f"({share:.1%} of 8x8 blocks differ)"
                )
            try:  # Wait for the next frame rather than a fixed time.
                expect(self.view).not_to_have_attribute(
                    "data-frames", frames or "", timeout=remaining_ms
                )
            except AssertionError:
                pass

    def _viewport_rect(self, selector: str) -> tuple[int, int, int, int]:
        """The element's box on the customer's viewport, clipped to it."""
        locator = self.customer.locator(selector).first
        if locator.count() == 0:
            raise CobrowseUsageError(f"{selector!r} matches nothing on {self.customer.url}")
        box = locator.bounding_box()
        size = self.customer.viewport_size or self.customer.evaluate(
            "() => ({width: innerWidth, height: innerHeight})"
        )
        if box is None:
            raise CobrowseUsageError(f"{selector!r} is not visible on the customer's page")
        left, top = max(0, int(box["x"])), max(0, int(box["y"]))
        right = min(size["width"], int(box["x"] + box["width"]))
        bottom = min(size["height"], int(box["y"] + box["height"]))
        if right <= left or bottom <= top:
            raise CobrowseUsageError(f"{selector!r} is outside the customer's viewport")
        return left, top, right, bottom

    def wire(self) -> list[bytes]:
        """Every WebSocket message the customer's and the agent's pages sent or received."""
        return list(self.wire_log.messages)

    def assert_never_sent(self, value: str) -> None:
        """Fail if ``value`` appears in any WebSocket message of either page."""
        needle = value.encode()
        for index, message in enumerate(self.wire_log.messages):
            if needle in message:
                raise AssertionError(f"{value!r} was sent over the wire (message {index})")

    def end(self, by: Literal["customer", "agent"] = "customer") -> dict[str, Any]:
        """Press "Exit co-browse session" on one side; returns the ended history record."""
        page = self.customer if by == "customer" else self._agent()
        if (
            by == "customer"
            and not page.get_by_role("button", name="Exit co-browse session").is_visible()
        ):
            page.get_by_role("button", name="Co-browse").click()
        page.get_by_role("button", name="Exit co-browse session").click()
        expect(self.customer_status).to_contain_text("ended", timeout=STATUS_TIMEOUT_MS)
        if self.agent is not None:
            expect(self.agent.get_by_role("status")).to_contain_text(
                "ended", timeout=STATUS_TIMEOUT_MS
            )
        self.ended = True
        return self.wait_for_record(lambda r: r["state"] == "ended")

    def wait_for_record(self, condition: Any, timeout_s: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            record = self.server.record(self.uuid)
            if condition(record) or time.monotonic() > deadline:
                return record
            time.sleep(0.05)  # Polling an HTTP API: there is no event to wait on.


class Cobrowse:
    """The ``cobrowse`` fixture: starts sessions and ends those still live at teardown."""

    def __init__(self, server: CobrowseServer) -> None:
        self.server = server
        self.sessions: list[CobrowseSession] = []

    def start(self, page: Page) -> CobrowseSession:
        """Embed cobrowse.js if the page lacks it, press Co-browse -> Yes, read the ID."""
        wire = Wire()
        wire.watch(page)
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
                try:
                    session.end("customer")
                except Exception:  # noqa: BLE001 - teardown must not mask the test's own failure.
                    pass
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
        yield CobrowseServer(process.url, process)


@pytest.fixture
def cobrowse(cobrowse_server: CobrowseServer) -> Iterator[Cobrowse]:
    manager = Cobrowse(cobrowse_server)
    yield manager
    manager.close()


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.has_plugin("playwright"):
        from mirror import testing_chromium

        # Registered after pytest-playwright, so its fixture wraps pytest-playwright's own.
        config.pluginmanager.register(testing_chromium, "cobrowse-system-chromium")
