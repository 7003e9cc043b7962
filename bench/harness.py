"""Runs the benchmark: a real server and the sample site (as the tests start them), one Chromium
for the customers' and agents' pages, N concurrent sessions, and memory readings around them;
then, once they have ended, N sessions of the DOM-streaming baseline on the same site.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from playwright.async_api import Browser, Playwright, async_playwright

from bench import bundles, memory
from bench.baseline import BaselineSession, BaselineTrace
from bench.options import FIXTURES, Options
from bench.relay import Relay
from bench.session import BenchSession, SessionTrace
from mirror.browser import LAUNCH_ARGS, system_chromium
from mirror.processes import ChildProcess

AFTER_END_WAIT_S = 2.0  # for the mirror pages' renderers to go once the sessions have ended


@dataclass
class RunResult:
    """The raw outcome of one run; :mod:`bench.report` makes figures and tables of it."""

    options: Options
    chromium: str = ""
    traces: list[SessionTrace] = field(default_factory=list)
    memory: dict[str, memory.MemorySample] = field(default_factory=dict)
    baseline: list[BaselineTrace] = field(default_factory=list)
    baseline_error: str | None = None  # Why the baseline did not run at all.
    wall_s: float = 0.0


class Trace(Protocol):
    index: int
    error: str | None


class Staged(Protocol):
    """A session the stages drive: :class:`BenchSession` or :class:`BaselineSession`."""

    @property
    def trace(self) -> Trace: ...
    async def close(self) -> None: ...


S = TypeVar("S", bound=Staged)


def _executable(playwright: Playwright) -> str | None:
    own = playwright.chromium.executable_path
    return own if os.path.exists(own) else system_chromium(os.environ.get("CHROMIUM"))


async def launch(playwright: Playwright) -> tuple[Browser, str]:
    """Playwright's own Chromium if installed, else the system's, with the server's flags."""
    executable = _executable(playwright)
    if executable is None:
        raise RuntimeError("no Chromium found: install Playwright's or Debian's chromium")
    browser = await playwright.chromium.launch(
        executable_path=executable, args=LAUNCH_ARGS, headless=True
    )
    return browser, f"{executable} ({browser.version})"


async def _stage(sessions: Sequence[S], step: Callable[[S], Awaitable[None]], name: str) -> list[S]:
    """Run ``step`` on every session at once; a session that fails is closed and dropped."""
    outcomes = await asyncio.gather(*(step(s) for s in sessions), return_exceptions=True)
    alive = []
    for session, outcome in zip(sessions, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            session.trace.error = f"{name}: {type(outcome).__name__}: {outcome}".splitlines()[0]
            print(f"bench: session {session.trace.index} failed at {session.trace.error}",
                  file=sys.stderr)
            await session.close()
        else:
            alive.append(session)
    return alive


async def drive_baseline(
    browser: Browser, site: str, built: bundles.Bundles, options: Options
) -> list[BaselineTrace]:
    """The baseline's sessions, all at once, through one relay in this process."""
    async with Relay(built) as relay:
        sessions = [
            BaselineSession(i, browser, site, relay, built, options)
            for i in range(options.sessions)
        ]
        try:
            alive = await _stage(sessions, BaselineSession.start, "baseline start")
            await _stage(alive, BaselineSession.measure, "baseline measure")
        finally:
            for session in sessions:
                await session.close()
    return [s.trace for s in sessions]


async def drive(
    server: str, site: str, server_pid: int, options: Options, built: bundles.Bundles | None
) -> RunResult:
    result = RunResult(options)
    async with async_playwright() as playwright:
        browser, result.chromium = await launch(playwright)
        sessions = [
            BenchSession(i, browser, server, site, options) for i in range(options.sessions)
        ]
        result.traces = [s.trace for s in sessions]
        try:
            result.memory["before"] = memory.sample(server_pid)
            alive = await _stage(sessions, BenchSession.start, "start")
            alive = await _stage(alive, BenchSession.join, "join")
            alive = await _stage(alive, BenchSession.measure, "measure")
            result.memory["live"] = memory.sample(server_pid)
            alive = await _stage(alive, BenchSession.click, "click")
            await _stage(alive, BenchSession.end, "end")
            await asyncio.sleep(AFTER_END_WAIT_S)
            result.memory["after_end"] = memory.sample(server_pid)
            if built is not None:
                try:
                    result.baseline = await drive_baseline(browser, site, built, options)
                except Exception as exc:  # The mirror's figures stand without the baseline.
                    result.baseline_error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        finally:
            for session in sessions:
                await session.close()
            await browser.close()
    return result


def run(options: Options) -> RunResult:
    """Start the server and the sample site, run the sessions, stop both."""
    began = time.monotonic()
    built, baseline_error = None, None
    if options.baseline:
        try:
            built = bundles.build()
        except bundles.BuildFailed as exc:
            baseline_error = str(exc)
            print(f"bench: no baseline: {exc}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="cobrowse-bench-") as tmp:
        config = Path(tmp) / "cobrowse.toml"
        config.write_text("")
        server = ChildProcess([
            "serve", "--port", "0", "--config", str(config), "--db", f"sqlite:///{tmp}/bench.db",
        ])
        with server, ChildProcess(
            ["site", str(FIXTURES), "--port", "0", "--server", server.url]
        ) as site:
            assert server.process is not None
            try:
                result = asyncio.run(
                    drive(server.url, site.url, server.process.pid, options, built)
                )
            except BaseException:
                print(f"bench: the server's log ends with:\n{server.log_tail()}", file=sys.stderr)
                raise
            if any(t.error for t in result.traces):
                print(f"bench: the server's log ends with:\n{server.log_tail(15)}", file=sys.stderr)
        for child in (server, site):
            child.log_file.unlink(missing_ok=True)
    result.baseline_error = result.baseline_error or baseline_error
    result.wall_s = time.monotonic() - began
    return result
