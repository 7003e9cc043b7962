"""The cluster part of a run (``--nodes N``), against one cluster (:mod:`bench.cluster`), whose
every session has its render page on node-3:

1. latency: rounds of two replayed sessions at once, one with its customer and agent on node-3
   (every role on one node) and one with its customer on node-1 and its agent on node-2 (three
   roles on three nodes), measured as the scale steps measure theirs;
2. failover: a Chromium customer (node-1) and agent (node-2); node-3 is killed, the customer's
   page changes, and the time from the kill until the agent's view shows that change is taken;
   node-3 is started again before the next repeat;
3. Redis: its counters over windows of equal length, with no session, then with idle and busy
   sessions of each layout (:mod:`bench.redis_load`).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from playwright.async_api import Browser, async_playwright
from redis.asyncio import Redis

from bench import probes, redis_load
from bench.agents import BrowserAgent, SocketAgent
from bench.capture_stream import CaptureStream
from bench.cluster import (
    AGENT_NODE,
    CUSTOMER_NODE,
    RENDER_NODE,
    BenchCluster,
    PlacementError,
    expect_mirrors,
    running,
)
from bench.cpu import tree_cpu_s
from bench.customers import BrowserCustomer, StreamCustomer
from bench.harness import PartResult, settled_memory
from bench.options import Options
from bench.pages import launch
from bench.probes import now_ms
from bench.session import BenchSession, SessionTrace

ONE_NODE, THREE_NODES = "one_node", "three_nodes"
FAILOVER_TIMEOUT_MS = 60_000.0
SETTLE_S = 1.0  # After sessions join, before a window: their snapshots and first frames pass.


@dataclass
class Failover:
    repeat: int
    kill_to_view_ms: float | None = None  # From the kill to the agent's view showing the change
    change_to_view_ms: float | None = None  # ...and from the change itself
    taken_over_by: str | None = None
    error: str | None = None


@dataclass
class ClusterResult:
    nodes: int
    chromium: str = ""
    latency: dict[str, PartResult] = field(default_factory=dict)
    failovers: list[Failover] = field(default_factory=list)
    windows: dict[str, redis_load.Window] = field(default_factory=dict)
    busy_sessions: int = 0
    # Bytes per second the agents of each busy window received, per session.
    agent_bytes_per_s: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0


def run(options: Options) -> ClusterResult:
    """Start the cluster, measure, stop it."""
    assert options.cluster is not None
    result = ClusterResult(options.cluster.nodes)
    began = time.monotonic()
    print(f"bench: a cluster of {options.cluster.nodes} nodes...", file=sys.stderr)
    with running(options.cluster.nodes, options.page) as cluster:
        try:
            asyncio.run(_measure(cluster, options, result))
        except BaseException:
            for name in sorted(cluster.nodes):
                print(f"bench: {name}'s log ends with:\n{cluster.log_tail(name)}", file=sys.stderr)
            raise
    result.wall_s = time.monotonic() - began
    return result


async def _measure(cluster: BenchCluster, options: Options, result: ClusterResult) -> None:
    assert options.cluster is not None
    cluster.redis = Redis.from_url(cluster.redis_url)
    try:
        # Unlimited: the default pool would hold back sockets past its size.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            stream = CaptureStream.load(cluster.site)
            for round_ in range(options.cluster.rounds):
                print(f"bench: cluster latency round {round_ + 1}...", file=sys.stderr)
                await _latency_round(cluster, http, stream, options, result, round_)
            if options.cluster.failovers:
                await _failovers(cluster, http, options, result)
            if options.cluster.busy_sessions:
                await _redis_windows(cluster, http, stream, options, result)
    finally:
        await cluster.redis.aclose()


# -- 1. latency ------------------------------------------------------------------------------


def _stream_session(
    index: int,
    http: aiohttp.ClientSession,
    cluster: BenchCluster,
    stream: CaptureStream,
    options: Options,
    nodes: tuple[str, str],
    offset_ms: float = 0.0,
) -> BenchSession:
    """A replayed customer through ``nodes[0]`` and a socket agent through ``nodes[1]``."""
    customer_url, agent_url = (cluster.url(name) for name in nodes)
    customer = StreamCustomer(http, customer_url, cluster.site, stream, offset_ms=offset_ms)
    agent = SocketAgent(http, agent_url)
    return BenchSession(index, customer, agent, options, options.scale_clicks)


async def _start_placed(cluster: BenchCluster, session: BenchSession) -> None:
    """Start and join, failing loudly unless the session's render page is on node-3."""
    await session.start()
    owner = await cluster.owner(session.trace.session_id)
    if owner != RENDER_NODE:
        raise PlacementError(f"a session placed on {owner}, expected {RENDER_NODE}")
    await session.join()


async def _all(
    sessions: list[BenchSession], step: Callable[[BenchSession], Awaitable[None]]
) -> None:
    await asyncio.gather(*(step(s) for s in sessions))


async def _latency_round(
    cluster: BenchCluster,
    http: aiohttp.ClientSession,
    stream: CaptureStream,
    options: Options,
    result: ClusterResult,
    round_: int,
) -> None:
    half = options.change_interval_ms / 2  # The two customers do not change in step.
    layouts = {
        ONE_NODE: (RENDER_NODE, RENDER_NODE),
        THREE_NODES: (CUSTOMER_NODE, AGENT_NODE),
    }
    sessions = {
        layout: _stream_session(2 * round_ + k, http, cluster, stream, options, nodes, k * half)
        for k, (layout, nodes) in enumerate(layouts.items())
    }
    for layout in layouts:
        part = result.latency.setdefault(layout, PartResult("stream", 0))
        part.sessions += 1
        part.traces.append(sessions[layout].trace)
    everyone = list(sessions.values())
    try:
        # Each join once node-3 has settled (its spare render page ready again, as for the
        # first), and the layouts take turns at joining first.
        for session in everyone[:: 1 if round_ % 2 == 0 else -1]:
            await settled_memory(cluster.pid(RENDER_NODE))
            await _start_placed(cluster, session)
        await expect_mirrors(cluster, http, {RENDER_NODE: len(everyone)}, "latency round")
        for step in (BenchSession.change, BenchSession.idle, BenchSession.click):
            await _all(everyone, step)
        await _all(everyone, BenchSession.end)
    except PlacementError:
        raise
    except Exception as exc:
        _failed(result, [s.trace for s in everyone], f"latency round {round_ + 1}", exc)
    finally:
        for session in everyone:
            await session.close()


def _failed(result: ClusterResult, traces: list[SessionTrace], what: str, exc: Exception) -> None:
    error = f"{what}: {type(exc).__name__}: {exc}".splitlines()[0]
    print(f"bench: {error}", file=sys.stderr)
    result.errors.append(error)
    for trace in traces:
        trace.error = trace.error or error


# -- 2. failover -----------------------------------------------------------------------------


async def _failovers(
    cluster: BenchCluster, http: aiohttp.ClientSession, options: Options, result: ClusterResult
) -> None:
    assert options.cluster is not None
    async with async_playwright() as playwright:
        browser, result.chromium = await launch(playwright)
        try:
            for repeat in range(options.cluster.failovers):
                print(f"bench: failover {repeat + 1}...", file=sys.stderr)
                failover = Failover(repeat + 1)
                result.failovers.append(failover)
                try:
                    await _failover(cluster, http, browser, options, failover)
                except PlacementError:
                    raise
                except Exception as exc:
                    failover.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
                    print(f"bench: failover {repeat + 1}: {failover.error}", file=sys.stderr)
                finally:
                    if RENDER_NODE not in cluster.nodes:
                        await asyncio.to_thread(cluster.start, RENDER_NODE)
                    await cluster.wait_seen(RENDER_NODE)
        finally:
            await browser.close()


async def _failover(
    cluster: BenchCluster,
    http: aiohttp.ClientSession,
    browser: Browser,
    options: Options,
    failover: Failover,
) -> None:
    """One session, the roles on three nodes; node-3 killed; the view back with a change."""
    customer_node = cluster.url(CUSTOMER_NODE)
    customer = BrowserCustomer(browser, options.customer_url(cluster.site), customer_node)
    agent = BrowserAgent(browser, cluster.url(AGENT_NODE))
    try:
        session_id = await customer.open()
        if (owner := await cluster.owner(session_id)) != RENDER_NODE:
            raise PlacementError(f"the failover's session placed on {owner}, not {RENDER_NODE}")
        await agent.join(session_id)
        await expect_mirrors(cluster, http, {RENDER_NODE: 1}, "before the kill")
        assert customer.page is not None and agent.page is not None
        (_, before), *_ = await probes.run_changes(customer.page, 1, 1)
        await probes.wait_for_colour(agent.page, before, FAILOVER_TIMEOUT_MS)
        killed_at = await asyncio.to_thread(cluster.kill, RENDER_NODE)
        (changed_at, colour), *_ = await probes.run_changes(customer.page, 1, 1)
        await probes.wait_for_colour(agent.page, colour, FAILOVER_TIMEOUT_MS)
        shown_at = first_shown(await agent.log(), colour, changed_at)
        if shown_at is not None:
            failover.kill_to_view_ms = round(shown_at - killed_at, 1)
            failover.change_to_view_ms = round(shown_at - changed_at, 1)
        holders = [name for name, n in (await cluster.mirrors(http)).items() if n]
        failover.taken_over_by = ",".join(holders) or None
        await agent.exit()
    finally:
        for side in (agent, customer):
            await side.close()


def first_shown(log: probes.AgentLog, colour: int, since_ms: float) -> float | None:
    """When the agent's view first drew ``colour`` at the square, at or after ``since_ms``."""
    for at, rgb in zip(log.frame_times, log.pixels, strict=True):
        if at >= since_ms and probes.classify(rgb) == colour:
            return at
    return None


# -- 3. Redis --------------------------------------------------------------------------------


async def _nodes_cpu_s(cluster: BenchCluster) -> float:
    pids = [cluster.pid(name) for name in cluster.nodes]
    return await asyncio.to_thread(lambda: sum(tree_cpu_s(pid) for pid in pids))


async def _window(
    cluster: BenchCluster, seconds: float, during: Awaitable[Any] | None = None
) -> redis_load.Window:
    """Redis's and the nodes' counters around ``during`` (or ``seconds`` of nothing)."""
    assert cluster.redis is not None
    cpu_before = await _nodes_cpu_s(cluster)
    before = await redis_load.read(cluster.redis)
    if during is None:
        await asyncio.sleep(seconds)
    else:
        await during
    after = await redis_load.read(cluster.redis)
    cpu_after = await _nodes_cpu_s(cluster)
    return redis_load.Window.between(before, after, cpu_after - cpu_before)


async def _redis_windows(
    cluster: BenchCluster,
    http: aiohttp.ClientSession,
    stream: CaptureStream,
    options: Options,
    result: ClusterResult,
) -> None:
    assert options.cluster is not None
    count, seconds = options.cluster.busy_sessions, options.cluster.window_s
    result.busy_sessions = count
    print(f"bench: Redis windows, {count} sessions, {seconds:g} s each...", file=sys.stderr)
    result.windows["empty"] = await _window(cluster, seconds)
    layouts = {THREE_NODES: (CUSTOMER_NODE, AGENT_NODE), ONE_NODE: (RENDER_NODE, RENDER_NODE)}
    for layout, nodes in layouts.items():
        interval = options.change_interval_ms
        sessions = [
            _stream_session(i, http, cluster, stream, options, nodes, interval * i / count)
            for i in range(count)
        ]
        try:
            for session in sessions:
                await _start_placed(cluster, session)
            await expect_mirrors(cluster, http, {RENDER_NODE: count}, f"Redis, {layout}")
            await asyncio.sleep(SETTLE_S)
            result.windows[f"idle_{layout}"] = await _window(cluster, seconds)
            changes = max(1, round(seconds * options.changes_per_second))
            began = now_ms()
            busy = asyncio.gather(
                *(s.customer.change_phase(changes, interval, 0.0) for s in sessions)
            )
            result.windows[f"busy_{layout}"] = await _window(cluster, seconds, busy)
            received = [n for s in sessions for t, n in s.agent.received if t >= began]
            window_s = (now_ms() - began) / 1000
            result.agent_bytes_per_s[layout] = sum(received) / window_s / count
            await _all(sessions, BenchSession.end)
        except PlacementError:
            raise
        except Exception as exc:
            _failed(result, [s.trace for s in sessions], f"Redis windows, {layout}", exc)
        finally:
            for session in sessions:
                await session.close()
