"""One co-browse session under test: the customer's page, the agent's page (joined through /agent
as a person would), what the agent sees, what went over the wire, and how the session ends."""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, ViewportSize, expect

from mirror.frames.redact import TOLERANCE
from mirror.testing.actions import DEFAULT_TIMEOUT_S, SETTLE_MARGIN_PX, AgentActions
from mirror.testing.errors import CobrowseUsageError
from mirror.testing.locate import in_viewport, locate, viewport_rect
from mirror.testing.server import CobrowseServer
from mirror.testing.view import (
    MAX_DIFFERING_SHARE,
    around,
    view_image,
    viewport_size,
    wait_until_flat,
    wait_until_shown,
)
from mirror.testing.wire import Wire

STATUS_TIMEOUT_MS = 15_000
# Room around the view on /agent (the chat desk beside it, toolbars and margins), so the whole
# view is on screen at 1:1 (the view fits itself to a narrower pane).
AGENT_CHROME_PX = (400, 300)
# Below this length a value may turn up by chance inside compressed pixels; frames are then left
# out of assert_never_sent (what the view shows is assert_hidden_from_agent's job).
MIN_NEEDLE_IN_FRAMES = 8


def needles(value: str) -> set[bytes]:
    """``value`` as it would appear in a message: raw, or escaped inside a JSON string (as
    Python's ``json.dumps`` and the browser's ``JSON.stringify`` write it)."""
    escaped = {json.dumps(value, ensure_ascii=a)[1:-1] for a in (True, False)}
    return {v.encode() for v in {value, *escaped}}


def _excerpt(message: bytes, needle: bytes, width: int = 60) -> str:
    at = message.find(needle)
    start, end = max(0, at - width), at + len(needle) + width
    return message[start:end].decode(errors="replace")


@dataclass
class CobrowseSession(AgentActions):
    """A live session started on ``customer``; ``join`` opens the agent's page."""

    server: CobrowseServer = field(repr=False)
    customer: Page
    id: str
    wire_log: Wire = field(repr=False)  # Thousands of messages: kept out of tracebacks.
    agent: Page | None = None
    colleagues: dict[str, Page] = field(default_factory=dict)  # Invited to watch, by name.
    former_agents: list[Page] = field(default_factory=list)  # Handed the session over.
    ended: bool = False
    timeout_s: float = DEFAULT_TIMEOUT_S

    @property
    def uuid(self) -> str:
        # The socket's "session" message and the ID on the page come by different routes.
        self._wait(lambda: bool(self.wire_log.sessions), "the session's history UUID")
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

    # -- the agent joins -------------------------------------------------------------------------

    def join(self, interaction: str | None = None) -> Page:
        """Open /agent in a fresh browser context, sign in if the server asks for a key, join
        with the ID, and wait for the first frame of the view."""
        if self.agent is not None and not self.agent.is_closed():
            return self.agent
        agent = self._new_agent_page()
        try:
            self._join_on(agent, interaction)
        except BaseException:
            self._close_agent(agent)  # A failed join leaves no page behind.
            raise
        self.agent = agent
        return agent

    def _join_on(self, agent: Page, interaction: str | None) -> None:
        self.wire_log.watch(agent, "agent")
        query = f"?interaction={interaction}" if interaction else ""
        agent.goto(f"{self.server.url}/agent{query}")
        self._sign_in(agent)
        agent.get_by_label("Session ID").fill(self.id)
        agent.get_by_role("button", name="Join").click()
        active = agent.get_by_role("status").filter(has_text="active")
        alert = agent.get_by_role("alert").filter(visible=True)
        expect(active.or_(alert).first).to_be_visible(timeout=STATUS_TIMEOUT_MS)
        if not active.is_visible():
            raise CobrowseUsageError(
                f"the agent could not join session {self.id}: /agent says "
                f"{alert.first.inner_text()!r}{self._script_hint()}"
            )
        expect(agent.locator("[data-cobrowse-view][data-frames]")).to_be_visible(
            timeout=STATUS_TIMEOUT_MS
        )

    def _close_agent(self, agent: Page) -> None:
        """Close the agent's own context, or only its tab where it shares the customer's."""
        with contextlib.suppress(PlaywrightError):
            if agent.context is self.customer.context:
                agent.close()
            else:
                agent.context.close()

    def close_agent(self) -> None:
        """Close the agent's and colleagues' pages and browser contexts (the ``cobrowse``
        fixture does it at the end of each test)."""
        for page in [self.agent, *self.colleagues.values(), *self.former_agents]:
            if page is not None:
                self._close_agent(page)

    # -- control ([session] agent_control = "ask") -----------------------------------------------

    def allow_control(self) -> None:
        """The customer presses **Allow** when the agent asks for control (the agent's first
        action asks, and is refused ``not_allowed``), then waits until the agent has it."""
        widget = self.customer.locator("[data-cobrowse-widget]")
        widget.get_by_role("button", name="Allow").click(timeout=STATUS_TIMEOUT_MS)
        expect(widget.get_by_role("button", name="Stop agent control")).to_be_visible(
            timeout=STATUS_TIMEOUT_MS
        )

    def stop_control(self) -> None:
        """The customer presses **Stop agent control**: from then on the agent only points."""
        widget = self.customer.locator("[data-cobrowse-widget]")
        stop = widget.get_by_role("button", name="Stop agent control")
        if not stop.is_visible():
            widget.get_by_role("button", name="Co-browse").click()  # The widget was folded.
        stop.click(timeout=STATUS_TIMEOUT_MS)
        expect(stop).to_be_hidden(timeout=STATUS_TIMEOUT_MS)

    # -- colleagues ------------------------------------------------------------------------------

    def invite(self, name: str) -> Page:
        """The agent invites a colleague as ``name`` (the name the customer is told): the invite
        link opens in a fresh browser context, signed in if the server asks for a key, and the
        colleague's view shows its first frame. It watches only (view only)."""
        agent = self._agent()
        agent.get_by_role("button", name="Invite a colleague").click()
        agent.get_by_label("Colleague's name").fill(name)
        agent.get_by_role("button", name="Create invite link").click()
        link = agent.get_by_label("Invite link")
        expect(link).to_have_value(re.compile(r"invite="), timeout=STATUS_TIMEOUT_MS)
        colleague = self._new_agent_page()
        self.wire_log.watch(
            colleague, "agent"
        )  # An agent's page: its actions count once handed over.
        colleague.goto(link.input_value())
        key_box, status = colleague.get_by_label("Agent key"), colleague.get_by_role("status")
        watching = status.filter(has_text="watching")
        expect(key_box.or_(watching).filter(visible=True).first).to_be_visible(
            timeout=STATUS_TIMEOUT_MS
        )
        if key_box.is_visible():  # Signed in, the page reloads and opens the invitation.
            key_box.fill(self.server.agent_key or "")
            colleague.get_by_role("button", name="Sign in").click()
        expect(watching).to_be_visible(timeout=STATUS_TIMEOUT_MS)
        expect(colleague.locator("[data-cobrowse-view][data-frames]")).to_be_visible(
            timeout=STATUS_TIMEOUT_MS
        )
        self.colleagues[name] = colleague
        return colleague

    def hand_over(self, name: str) -> Page:
        """The agent hands the session to the colleague invited as ``name``, who becomes the
        session's agent (the agent_* actions are now theirs); the former agent's view ends
        (its page stays open, in ``former_agents``, until the test's end)."""
        colleague = self.colleagues.get(name)
        if colleague is None:
            raise CobrowseUsageError(f"no colleague was invited as {name!r}: call invite first")
        former = self._agent()
        # Both views connected (after a network break, each comes back first).
        watching = colleague.get_by_role("status").filter(has_text="watching")
        expect(watching).to_be_visible(timeout=STATUS_TIMEOUT_MS)
        listed = former.get_by_role("list", name="Watching")
        expect(listed).to_contain_text(f"{name}: watching", timeout=STATUS_TIMEOUT_MS)
        former.get_by_role("button", name=f"Hand over to {name}").click()
        expect(former.get_by_role("status")).to_contain_text("ended", timeout=STATUS_TIMEOUT_MS)
        expect(colleague.get_by_role("button", name="Laser pointer")).to_be_visible(
            timeout=STATUS_TIMEOUT_MS
        )
        self.former_agents.append(former)
        self.agent = self.colleagues.pop(name)
        return colleague

    def _new_agent_page(self) -> Page:
        width, height = viewport_size(self.customer)
        size: ViewportSize = {
            "width": max(1600, width + AGENT_CHROME_PX[0]),
            "height": max(1100, height + AGENT_CHROME_PX[1]),
        }
        browser = self.customer.context.browser
        if browser is None:  # A persistent context: the agent gets a tab of its own there.
            page = self.customer.context.new_page()
            page.set_viewport_size(size)
            return page
        return browser.new_context(viewport=size).new_page()

    def _sign_in(self, agent: Page) -> None:
        key_box, id_box = agent.get_by_label("Agent key"), agent.get_by_label("Session ID")
        expect(key_box.or_(id_box).filter(visible=True).first).to_be_visible(
            timeout=STATUS_TIMEOUT_MS
        )
        if not key_box.is_visible():
            return
        if not self.server.agent_key:
            raise CobrowseUsageError(
                f"{self.server.url}/agent asks for an agent key: the plugin signs in with the "
                "first of [server] agent_keys in cobrowse_config, or with --cobrowse-agent-key"
            )
        key_box.fill(self.server.agent_key)
        agent.get_by_role("button", name="Sign in").click()
        alert = agent.get_by_role("alert").filter(visible=True)
        expect(id_box.or_(alert).first).to_be_visible(timeout=STATUS_TIMEOUT_MS)
        if not id_box.is_visible():
            raise CobrowseUsageError(f"the agent key was refused: {alert.first.inner_text()!r}")

    def _script_hint(self) -> str:
        src = self.customer.evaluate(
            """() => { const s = document.querySelector('script[src*="cobrowse.js"]');
                       return s ? s.src : null; }"""
        )
        if src and not str(src).startswith(self.server.url):
            return f" (the customer's page embeds {src}, not the test server's script)"
        return ""

    # -- what the agent sees ---------------------------------------------------------------------

    def view_image(self) -> Image.Image:
        """The agent's current view as a ``PIL.Image.Image``: the canvas's own pixels, one per CSS
        pixel of the customer's viewport whatever the agent's zoom."""
        return view_image(self.view)

    def _element_in_sight(self, selector: str) -> tuple[int, int, int, int]:
        """The element's box on the customer's viewport; off screen, the customer scrolls to it
        first (as they would to show it to the agent)."""
        locator = locate(self.customer, selector, self.timeout_s * 1000)
        if not in_viewport(self.customer, locator):
            locator.scroll_into_view_if_needed()
        return viewport_rect(self.customer, locator, selector)

    def assert_shown_to_agent(self, selector: str, timeout_s: float = 10.0) -> None:
        """Wait until the element's area in the agent's view matches the customer's screen."""
        rect = self._element_in_sight(selector)
        share = wait_until_shown(self.customer, self.view, rect, timeout_s)
        if share > MAX_DIFFERING_SHARE:
            evidence = self.save_evidence()
            raise AssertionError(
                f"{selector}: the agent's view differs from the customer's screen "
                f"({share:.1%} of 8x8 blocks differ); both screens are in {evidence}"
            )

    def assert_hidden_from_agent(self, selector: str, timeout_s: float = 10.0) -> None:
        """Wait until the element's area in the agent's view is one flat colour (masked)."""
        rect = self._element_in_sight(selector)
        width, height = viewport_size(self.customer)
        # First the view must show the customer's screen as it is now (scrolled alike).
        context = around(rect, SETTLE_MARGIN_PX, width, height)
        wait_until_shown(self.customer, self.view, context, timeout_s / 2, leave_out=rect)
        spread = wait_until_flat(self.view, rect, timeout_s / 2)
        if spread > TOLERANCE:
            evidence = self.save_evidence()
            raise AssertionError(
                f"{selector}: the agent's view shows it (levels vary by {spread}); "
                f"both screens are in {evidence}"
            )

    def save_evidence(self, folder: Path | None = None) -> Path:
        """Write the agent's view and the customer's screen as PNGs; returns their folder."""
        folder = folder or Path(tempfile.mkdtemp(prefix="cobrowse-evidence-"))
        folder.mkdir(parents=True, exist_ok=True)
        self.customer.screenshot(path=folder / "customer.png")
        if self.agent is not None:
            self.view_image().save(folder / "agent-view.png")
        return folder

    # -- what went over the wire -----------------------------------------------------------------

    def wire(self) -> list[bytes]:
        """Every WebSocket message the customer's and the agent's pages sent or received."""
        return list(self.wire_log.messages)

    def assert_never_sent(self, value: str) -> None:
        """Fail if ``value`` appears in any WebSocket message of either page."""
        if not value:
            raise CobrowseUsageError("assert_never_sent needs a non-empty value")
        wanted = needles(value)
        for role, sent, message in self.wire_log.log:
            is_frame = not message.startswith(b"{")
            if is_frame and len(value.encode()) < MIN_NEEDLE_IN_FRAMES:
                continue
            found = next((n for n in wanted if n in message), None)
            if found is not None:
                direction = "sent by" if sent else "received by"
                raise AssertionError(
                    f"{value!r} went over the wire: a message {direction} the {role}'s page "
                    f"contains it: ...{_excerpt(message, found)}..."
                )

    # -- the end ---------------------------------------------------------------------------------

    def end(self, by: Literal["customer", "agent"] = "customer") -> dict[str, Any]:
        """Press "Exit co-browse session" on one side; returns the ended history record."""
        if by not in ("customer", "agent"):
            raise CobrowseUsageError(f"end(by=...) takes 'customer' or 'agent', not {by!r}")
        if not self.ended and not self._customer_says_ended():
            page = self.customer if by == "customer" else self._agent()
            exit_button = page.get_by_role("button", name="Exit co-browse session")
            if by == "customer" and not exit_button.is_visible():
                page.get_by_role("button", name="Co-browse").click()  # The widget was folded.
            exit_button.click(timeout=STATUS_TIMEOUT_MS)
        expect(self.customer_status).to_contain_text("ended", timeout=STATUS_TIMEOUT_MS)
        if self.agent is not None and not self.agent.is_closed():
            expect(self.agent.get_by_role("status")).to_contain_text(
                "ended", timeout=STATUS_TIMEOUT_MS
            )
        self.ended = True
        return self.wait_for_record(lambda r: r["state"] == "ended")

    def _customer_says_ended(self) -> bool:
        status = self.customer_status
        return status.count() > 0 and "ended" in (status.first.text_content() or "")

    def wait_for_record(
        self, condition: Callable[[dict[str, Any]], bool], timeout_s: float = 15.0
    ) -> dict[str, Any]:
        """Poll this session's history record until ``condition(record)``; returns the last."""
        deadline = time.monotonic() + timeout_s
        while True:
            record = self.server.record(self.uuid)
            if condition(record) or time.monotonic() > deadline:
                return record
            time.sleep(0.05)  # Polling an HTTP API: there is no event to wait on.
