"""One co-browse session driven as people would: a customer (:mod:`bench.customers`) and an agent
(:mod:`bench.agents`), in Chromium or over bare WebSockets, and the raw timings they recorded
(``SessionTrace``).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from bench import probes
from bench.agents import Agent
from bench.customers import Customer
from bench.options import Options
from bench.probes import now_ms

END_TIMEOUT_S = 10.0


@dataclass
class SessionTrace:
    """Everything one session recorded; :mod:`bench.analysis` turns it into figures."""

    index: int
    session_id: str = ""
    agent: probes.AgentLog | None = None
    stamps: list[tuple[float, int]] = field(default_factory=list)  # (ms, colour index)
    change_window: tuple[float, float] = (0.0, 0.0)
    idle_window: tuple[float, float] = (0.0, 0.0)
    click_window: tuple[float, float] = (0.0, 0.0)
    ws_binary: list[tuple[float, int]] = field(default_factory=list)  # (ms, payload bytes)
    pressed: list[float] = field(default_factory=list)  # when the agent clicked the square
    dispatched: list[float] = field(default_factory=list)  # ...and each click on the customer's
    error: str | None = None  # A failure that leaves the session without figures
    late_end: str | None = None  # The session did not end in time; its figures stand


class BenchSession:
    """A customer and an agent; call ``start``, ``join``, ``change``, ``idle``, ``click``,
    ``end`` in that order (``close`` at any time). ``clicks`` is how many times the agent
    clicks."""

    def __init__(
        self, index: int, customer: Customer, agent: Agent, options: Options, clicks: int
    ) -> None:
        self.customer, self.agent, self.options, self.clicks = customer, agent, options, clicks
        self.pace: tuple[int, int] | None = None  # (changes, interval in ms), if not the set rate.
        self.trace = SessionTrace(index)
        self.trace.ws_binary = agent.received  # Filled in by the agent as frames arrive

    async def start(self) -> None:
        """Customer: Co-browse -> Yes; read the ID."""
        self.trace.session_id = await self.customer.open()

    async def join(self) -> None:
        """Agent: join with the ID; returns once the square is on the view."""
        await self.agent.join(self.trace.session_id)

    async def change(self) -> None:
        """Changes at the session's pace (``pace``: the set rate unless given), with a settling
        spell before and after; a session of no changes stays still as long."""
        changes, interval_ms = self.pace or (self.options.changes, self.options.change_interval_ms)
        settle_s = self.options.settle_s
        if not changes:
            began = now_ms()
            await asyncio.sleep(2 * settle_s + interval_ms / 1000)
            self.trace.change_window = (began, now_ms())
            return
        phase = await self.customer.change_phase(changes, interval_ms, settle_s)
        self.trace.stamps, self.trace.change_window = phase.stamps, phase.window

    async def idle(self) -> None:
        """A quiet spell with nothing changing."""
        idle_start = now_ms()
        await asyncio.sleep(self.options.idle_s)
        self.trace.idle_window = (idle_start, now_ms())
        self.trace.agent = await self.agent.log()

    async def click(self) -> None:
        """The agent clicks the square on its view, a few times a second."""
        await self.customer.watch_clicks()
        await self.agent.watch_clicks()
        began = now_ms()
        await self.agent.click_probe(self.clicks, self.options.click_interval_ms)
        self.trace.click_window = (began, now_ms())
        await asyncio.sleep(self.options.settle_s)  # For the last click to reach the customer.
        self.trace.pressed = await self.agent.pressed()
        self.trace.dispatched = await self.customer.dispatched()
        self.trace.agent = await self.agent.log()  # Now with the clicks' frames.

    async def end(self) -> None:
        """Agent presses Exit; the agent sees the end. Then both sides close.

        A server far behind (with agent actions queued before the Exit) may not end the session
        in time; that is recorded, and the figures measured before stand.
        """
        try:
            await asyncio.wait_for(self.agent.exit(), END_TIMEOUT_S)
        except TimeoutError:
            self.trace.late_end = f"no end within {END_TIMEOUT_S:g} s of Exit"
        finally:
            await self.close()

    async def close(self) -> None:
        for side in (self.agent, self.customer):
            with contextlib.suppress(Exception):  # Closing must not hide the run's own error.
                await side.close()
