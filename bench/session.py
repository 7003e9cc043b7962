"""One co-browse session driven as people would: the customer's page and the agent's page, each in
its own browser context, and the raw timings the probes recorded (``SessionTrace``).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field

from playwright.async_api import Browser, BrowserContext, Page, WebSocket, expect

from bench import clicks, probes
from bench.options import AGENT_VIEWPORT, CUSTOMER_PATH, CUSTOMER_VIEWPORT, Options

TIMEOUT_MS = 30_000
NINE_DIGITS = re.compile(r"^\d{9}$")


def now_ms() -> float:
    """Wall-clock milliseconds: the clock ``Date.now()`` reads in the pages."""
    return time.time() * 1000


@dataclass
class SessionTrace:
    """Everything one session recorded; :mod:`bench.analysis` turns it into figures."""

    index: int
    session_id: str = ""
    agent: probes.AgentLog | None = None
    stamps: list[tuple[int, int]] = field(default_factory=list)  # (Date.now(), colour index)
    change_window: tuple[float, float] = (0.0, 0.0)
    idle_window: tuple[float, float] = (0.0, 0.0)
    click_window: tuple[float, float] = (0.0, 0.0)
    ws_binary: list[tuple[float, int]] = field(default_factory=list)  # (ms, payload bytes)
    pressed: list[int] = field(default_factory=list)  # Date.now() of each pointerdown on the view
    dispatched: list[int] = field(default_factory=list)  # ...and of each click on the square
    error: str | None = None


class Pages:
    """A session's pages, each in its own browser context; ``close`` closes them all."""

    def __init__(self, browser: Browser):
        self.browser = browser
        self._contexts: list[BrowserContext] = []

    async def _page(self, viewport: dict[str, int]) -> Page:
        context = await self.browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        self._contexts.append(context)
        return await context.new_page()

    async def close(self) -> None:
        for context in self._contexts:
            # Closing must not hide the run's own error.
            with contextlib.suppress(Exception):
                await context.close()
        self._contexts.clear()


class BenchSession(Pages):
    """A session's two pages; call ``start``, ``join``, ``measure``, ``click``, ``end`` in that
    order."""

    def __init__(self, index: int, browser: Browser, server: str, site: str, options: Options):
        super().__init__(browser)
        self.server, self.site, self.options = server, site, options
        self.trace = SessionTrace(index)
        self.customer: Page | None = None
        self.agent: Page | None = None

    async def start(self) -> None:
        """Customer: open the checkout page, add the probe, Co-browse -> Yes, read the ID."""
        page = self.customer = await self._page(CUSTOMER_VIEWPORT)
        await page.goto(f"{self.site}{CUSTOMER_PATH}")
        await probes.install_customer_probe(page)
        await page.get_by_role("button", name="Co-browse", exact=True).click()
        await page.get_by_role("button", name="Yes").click()
        id_element = page.locator("[data-cobrowse-session-id]")
        await expect(id_element).to_have_attribute(
            "data-cobrowse-session-id", NINE_DIGITS, timeout=TIMEOUT_MS
        )
        self.trace.session_id = await id_element.get_attribute("data-cobrowse-session-id") or ""

    async def join(self) -> None:
        """Agent: open /agent, fill the ID, click Join; wait until the square is on the view."""
        page = self.agent = await self._page(AGENT_VIEWPORT)
        page.on("websocket", self._watch_socket)
        await page.goto(f"{self.server}/agent")
        await probes.install_agent_probe(page)
        await page.get_by_label("Session ID").fill(self.trace.session_id)
        await page.get_by_role("button", name="Join").click()
        await probes.wait_for_first_frame(page, TIMEOUT_MS)
        # The first frame may predate the snapshot; wait for the page itself (the square).
        await probes.wait_for_colour(page, 0, TIMEOUT_MS)

    def _watch_socket(self, ws: WebSocket) -> None:
        def received(payload: str | bytes) -> None:
            if isinstance(payload, bytes):
                self.trace.ws_binary.append((now_ms(), len(payload)))

        ws.on("framereceived", received)

    async def measure(self) -> None:
        """Changes at the set rate, then a quiet spell with nothing changing."""
        assert self.customer is not None and self.agent is not None
        options = self.options
        phase = await probes.change_phase(
            self.customer, options.changes, options.change_interval_ms, options.settle_s
        )
        self.trace.stamps, self.trace.change_window = phase.stamps, phase.window
        idle_start = now_ms()
        await asyncio.sleep(options.idle_s)
        self.trace.idle_window = (idle_start, now_ms())
        self.trace.agent = await probes.read_agent_log(self.agent)

    async def click(self) -> None:
        """The agent clicks the square on its view, a few times a second."""
        assert self.customer is not None and self.agent is not None
        await clicks.install(self.customer, self.agent)
        began = now_ms()
        await clicks.click_probe(self.agent, self.options.clicks, self.options.click_interval_ms)
        self.trace.click_window = (began, now_ms())
        await asyncio.sleep(self.options.settle_s)  # For the last click to reach the customer.
        self.trace.pressed, self.trace.dispatched = await clicks.read(self.customer, self.agent)
        self.trace.agent = await probes.read_agent_log(self.agent)  # Now with the clicks' frames.

    async def end(self) -> None:
        """Agent presses Exit; both sides see the end. Then both contexts close."""
        try:
            if self.agent is not None and not self.agent.is_closed():
                await self.agent.get_by_role("button", name="Exit co-browse session").click()
                await expect(self.agent.get_by_role("status")).to_contain_text(
                    "ended", timeout=TIMEOUT_MS
                )
        finally:
            await self.close()
