"""The DOM-streaming baseline, measured in the same run as the mirror: plain rrweb record on the
customer's page -> the bench's relay -> rrweb's live Replayer in the agent's own browser, with no
server-side mirror. The customer's page is the mirror sessions' (the checkout, or ``--page``) with
the same probe square cycling through the same colours; the agent's page stamps each colour the
replayed square shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from playwright.async_api import Browser, Page

from bench import probes
from bench.bundles import Bundles
from bench.options import AGENT_VIEWPORT, Options
from bench.pages import TIMEOUT_MS, Pages
from bench.relay import Relay

_SHOWS_JS = "([colour]) => window.__benchBaseline.changes.some(([, c]) => c === colour)"


def css(colour: tuple[int, int, int]) -> str:
    """A colour as ``getComputedStyle`` spells it."""
    return "rgb({}, {}, {})".format(*colour)


def parse_css(text: str) -> tuple[int, int, int] | None:
    """``rgb(r, g, b)`` (or ``rgba``) -> ``(r, g, b)``; None for anything else."""
    inside = text.partition("(")[2].rstrip(")")
    parts = [p.strip() for p in inside.split(",")]
    try:
        return int(parts[0]), int(parts[1]), int(parts[2])
    except (ValueError, IndexError):
        return None


@dataclass
class BaselineTrace:
    """What one baseline session recorded."""

    index: int
    stamps: list[tuple[float, int]] = field(default_factory=list)  # (Date.now(), colour index)
    view: probes.AgentLog | None = None  # Each colour the replayed square newly showed.
    change_window: tuple[float, float] = (0.0, 0.0)
    sent: list[tuple[float, int]] = field(default_factory=list)  # relay -> agent (ms, bytes)
    batches: int = 0
    events: int = 0
    error: str | None = None


class BaselineSession(Pages):
    """The agent's replay page, then the customer's page; ``start``, then ``measure``."""

    def __init__(
        self,
        index: int,
        browser: Browser,
        site: str,
        relay: Relay,
        bundles: Bundles,
        options: Options,
    ) -> None:
        super().__init__(browser)
        self.site, self.relay, self.bundles, self.options = site, relay, bundles, options
        self.trace = BaselineTrace(index)
        self.customer: Page | None = None
        self.agent: Page | None = None

    @property
    def room(self) -> str:
        return str(self.trace.index)

    async def start(self) -> None:
        """Open the replay page, then record the customer's page into it; wait for the square."""
        agent = self.agent = await self._page(AGENT_VIEWPORT)
        query = urlencode({"room": self.room, "probe": probes.PROBE_ID})
        await agent.goto(f"{self.relay.url}/?{query}")
        await agent.wait_for_function("() => window.__benchBaseline.open", timeout=TIMEOUT_MS)
        customer = self.customer = await self._customer_page()
        await customer.goto(self.options.customer_url(self.site))
        await probes.install_customer_probe(customer)
        await customer.add_script_tag(path=self.bundles.record_js)
        socket = self.relay.url.replace("http://", "ws://", 1) + f"/ws/{self.room}/customer"
        await customer.evaluate("(url) => benchRecord.start(url)", socket)
        await agent.wait_for_function(_SHOWS_JS, arg=[css(probes.COLOURS[0])], timeout=TIMEOUT_MS)

    async def measure(self) -> None:
        """The same changes as the mirror's sessions; then read what the replay page saw."""
        assert self.customer is not None and self.agent is not None
        options = self.options
        phase = await probes.change_phase(
            self.customer, options.changes, options.change_interval_ms, options.settle_s
        )
        self.trace.stamps, self.trace.change_window = phase.stamps, phase.window
        raw: dict[str, Any] = await self.agent.evaluate("() => window.__benchBaseline")
        changes = [(float(t), parse_css(str(c))) for t, c in raw["changes"]]
        self.trace.view = probes.AgentLog(
            join_at=None, frame_times=[t for t, _ in changes], pixels=[c for _, c in changes]
        )
        self.trace.batches, self.trace.events = int(raw["batches"]), int(raw["events"])
        self.trace.sent = list(self.relay.room(self.room).sent)
