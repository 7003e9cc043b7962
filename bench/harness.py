"""Runs the benchmark in parts, each against a fresh server and sample site (:mod:`bench.servers`):

1. the browser part: Chromium customers and agents (the whole product, as people use it), then,
   once those sessions have ended, as many sessions of the DOM-streaming baseline;
2. one scale step per session count: customers replaying the recorded capture stream and agents
   reading frames over bare WebSockets, so that the server is what is measured.

Sessions join one after another (as agents do, not in the same millisecond), then all change,
idle, click and end together. CPU is sampled throughout, memory around the phases.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import aiohttp
from playwright.async_api import Browser, async_playwright

from bench import bundles, memory, server_metrics
from bench.agents import BrowserAgent, SocketAgent
from bench.baseline import BaselineSession, BaselineTrace
from bench.capture_stream import CaptureStream
from bench.cpu import CpuSampler, CpuUse
from bench.customers import BrowserCustomer, StreamCustomer
from bench.options import Options
from bench.pages import launch
from bench.relay import Relay
from bench.servers import Served, capture_config, serving
from bench.session import BenchSession, SessionTrace
from mirror.render.browser import server_chromium
from mirror.render.windows import windowed

AFTER_END_WAIT_S = 2.0  # for the render pages' renderers to go once the sessions have ended
SETTLE_STEP_S, SETTLE_MAX_S = 0.5, 10.0  # for a fresh server to finish starting up


@dataclass
class PartResult:
    """The raw outcome of one part: its sessions' traces, memory and CPU."""

    kind: str  # "browser" or "stream"
    sessions: int
    traces: list[SessionTrace] = field(default_factory=list)
    join_trials: list[SessionTrace] = field(default_factory=list)  # Join-only sessions.
    memory: dict[str, memory.MemorySample] = field(default_factory=dict)
    cpu: dict[str, CpuUse | None] = field(default_factory=dict)  # by phase
    ramp_s: float = 0.0  # How long the sessions took to start and join, one after another
    wall_s: float = 0.0
    # The server's frame-lag histogram over the joins and changes (bench/server_metrics.py).
    frame_lag: dict[str, float] | None = None


@dataclass
class RunResult:
    """The raw outcome of one run; :mod:`bench.report` makes figures and tables of it."""

    options: Options
    chromium: str = ""  # The benchmark's own pages' browser.
    server_chromium: str = ""  # The server's, chosen as the server chooses it.
    browser: PartResult | None = None
    scale: list[PartResult] = field(default_factory=list)
    baseline: list[BaselineTrace] = field(default_factory=list)
    baseline_error: str | None = None  # Why the baseline did not run at all.
    wall_s: float = 0.0


S = TypeVar("S", BenchSession, BaselineSession)


async def _stage(sessions: Sequence[S], step: Callable[[S], Awaitable[None]], name: str) -> list[S]:
    """Run ``step`` on every session at once; a session that fails is closed and dropped."""
    outcomes = await asyncio.gather(*(step(s) for s in sessions), return_exceptions=True)
    alive = []
    for session, outcome in zip(sessions, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            _failed(session, name, outcome)
            await session.close()
        else:
            alive.append(session)
    return alive


def _failed(session: BenchSession | BaselineSession, name: str, error: BaseException) -> None:
    session.trace.error = f"{name}: {type(error).__name__}: {error}".splitlines()[0]
    print(f"bench: session {session.trace.index} failed at {session.trace.error}", file=sys.stderr)


async def _ramp(sessions: Sequence[BenchSession]) -> list[BenchSession]:
    """Start and join the sessions one after another; the failed ones are closed and dropped."""
    alive = []
    for session in sessions:
        try:
            await session.start()
            await session.join()
        except Exception as exc:
            _failed(session, "join", exc)
            await session.close()
        else:
            alive.append(session)
    return alive


async def _memory(pid: int) -> memory.MemorySample:
    # In a thread: reading every renderer's smaps_rollup takes a while, and the clients'
    # timestamps must not wait for it.
    return await asyncio.to_thread(memory.sample, pid)


async def settled_memory(pid: int) -> memory.MemorySample:
    """A reading once memory has stopped growing: a server that has just printed its URL is
    still loading its spare render page, which would count against the first sessions."""
    last = await _memory(pid)
    for _ in range(int(SETTLE_MAX_S / SETTLE_STEP_S)):
        await asyncio.sleep(SETTLE_STEP_S)
        now = await _memory(pid)
        if last.uss_mb and now.uss_mb and abs(now.uss_mb - last.uss_mb) < 0.01 * last.uss_mb:
            return now
        last = now
    return last


def _window(windows: list[tuple[float, float]]) -> tuple[float, float]:
    """The span of the sessions' windows of one phase."""
    return min(w[0] for w in windows), max(w[1] for w in windows)


async def drive(part: PartResult, sessions: list[BenchSession], served: Served) -> None:
    """Every phase, for all the sessions of a part; fills in ``part``."""
    pid = served.server_pid
    part.traces = [s.trace for s in sessions]
    began = time.monotonic()
    try:
        async with CpuSampler(pid) as cpu:
            part.memory["before"] = await settled_memory(pid)
            ramp_began = time.monotonic()
            alive = await _ramp(sessions)
            part.ramp_s = time.monotonic() - ramp_began
            alive = await _stage(alive, BenchSession.change, "change")
            part.frame_lag = await server_metrics.frame_lag(served.server)
            alive = await _stage(alive, BenchSession.idle, "idle")
            part.memory["live"] = await _memory(pid)
            alive = await _stage(alive, BenchSession.click, "click")
            await _stage(alive, BenchSession.end, "end")
            await asyncio.sleep(AFTER_END_WAIT_S)
            part.memory["after_end"] = await _memory(pid)
        ok = [t for t in part.traces if t.error is None]
        for phase in ("change", "idle", "click"):
            windows = [getattr(t, f"{phase}_window") for t in ok]
            part.cpu[phase] = cpu.use(_window(windows)) if ok else None
    finally:
        for session in sessions:
            await session.close()
        part.wall_s = time.monotonic() - began


async def drive_baseline(
    browser: Browser, site: str, built: bundles.Bundles, options: Options
) -> list[BaselineTrace]:
    """The baseline's sessions, all at once, through one relay in this process."""
    async with Relay(built) as relay:
        sessions = [
            BaselineSession(i, browser, site, relay, built, options)
            for i in range(options.browser_sessions)
        ]
        try:
            alive = await _stage(sessions, BaselineSession.start, "baseline start")
            await _stage(alive, BaselineSession.measure, "baseline measure")
        finally:
            for session in sessions:
                await session.close()
    return [s.trace for s in sessions]


async def browser_part(
    served: Served, options: Options, built: bundles.Bundles | None, result: RunResult
) -> None:
    part = result.browser = PartResult("browser", options.browser_sessions)
    async with async_playwright() as playwright:
        browser, result.chromium = await launch(playwright)
        try:
            sessions = [
                BenchSession(
                    i,
                    BrowserCustomer(browser, options.customer_url(served.site), served.server),
                    BrowserAgent(browser, served.server),
                    options,
                    options.clicks,
                )
                for i in range(options.browser_sessions)
            ]
            await drive(part, sessions, served)
            part.join_trials = await join_trials(browser, served, options)
            if built is not None:
                try:
                    result.baseline = await drive_baseline(browser, served.site, built, options)
                except Exception as exc:  # The mirror's figures stand without the baseline.
                    result.baseline_error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        finally:
            await browser.close()


async def join_trials(browser: Browser, served: Served, options: Options) -> list[SessionTrace]:
    """Sessions that only start, join and end, one after another, each once the server has
    settled (as the first session's join): the join figure is a p50, and one join per Chromium
    session gives too few to take one of."""
    traces = []
    for i in range(options.joins):
        await settled_memory(served.server_pid)  # The last session's teardown and next spare.
        agent = BrowserAgent(browser, served.server)
        customer = BrowserCustomer(browser, options.customer_url(served.site), served.server)
        session = BenchSession(options.browser_sessions + i, customer, agent, options, 0)
        traces.append(session.trace)
        try:
            await session.start()
            await session.join()
            session.trace.agent = await agent.log()
            await session.end()
        except Exception as exc:
            _failed(session, "join trial", exc)
        finally:
            await session.close()
    return traces


async def scale_step(served: Served, count: int, options: Options) -> PartResult:
    part = PartResult("stream", count)
    stream = CaptureStream.load(served.site)
    # Unlimited: the default pool (100) would hold back the 101st socket.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        sessions = [
            BenchSession(
                i,
                StreamCustomer(
                    http,
                    served.server,
                    served.site,
                    stream,
                    offset_ms=options.change_interval_ms * i / count,
                ),
                SocketAgent(http, served.server),
                options,
                options.scale_clicks,
            )
            for i in range(count)
        ]
        for i, session in enumerate(sessions):
            session.pace = options.scale_pace(i)
        await drive(part, sessions, served)
    return part


def _report_errors(part: PartResult, served: Served) -> None:
    if any(t.error for t in part.traces):
        print(f"bench: the server's log ends with:\n{served.log_tail()}", file=sys.stderr)


async def _server_chromium(capture: str) -> str:
    async with async_playwright() as playwright:
        explicit = os.environ.get("CHROMIUM")
        in_windows = windowed(capture, 1.0, explicit)
        found = server_chromium(playwright, explicit, in_windows) or ""
        return f"{found} (its pages in windows on Xvfb)" if in_windows else found


def run(options: Options) -> RunResult:
    """Each part against its own server and site; the baseline inside the browser part."""
    began = time.monotonic()
    result = RunResult(options, server_chromium=asyncio.run(_server_chromium(options.capture)))
    built = None
    if options.baseline and options.browser_sessions:
        try:
            built = bundles.build()
        except bundles.BuildFailed as exc:
            result.baseline_error = str(exc)
            print(f"bench: no baseline: {exc}", file=sys.stderr)
    if options.browser_sessions:
        print(f"bench: {options.browser_sessions} Chromium session(s)...", file=sys.stderr)
        with serving(options.page, capture_config(options.capture)) as served:
            asyncio.run(browser_part(served, options, built, result))
            assert result.browser is not None
            _report_errors(result.browser, served)
    for count in options.sessions:
        print(f"bench: {count} replayed session(s)...", file=sys.stderr)
        with serving(configure=capture_config(options.capture)) as served:
            part = asyncio.run(scale_step(served, count, options))
            _report_errors(part, served)
        result.scale.append(part)
    result.wall_s = time.monotonic() - began
    return result
