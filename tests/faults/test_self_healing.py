"""The node heals itself: its Chromium killed or hung, a renderer killed or stopped, its database
taking no writes for a moment. Each time the live session goes on (its view rebuilt from a fresh
snapshot), a new session works afterwards, /healthz tells the truth, and history stays
consistent."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.healing import Server, serving
from mirror.render import processes
from mirror.render import supervisor as supervision
from mirror.server.keys import CHROMIUM, METRICS
from tests.aio import in_thread
from tests.waiting import async_wait_for


async def afterwards(server: Server) -> None:
    """A new session works, and history is consistent."""
    fresh = await server.session()
    await fresh.close()
    await server.history_is_consistent()


def renderers(server: Server) -> list[int]:
    found = processes.renderers(server.app[CHROMIUM].pids())
    assert found, "no renderer process found"
    return found


@contextlib.contextmanager
def stopped(pids: list[int]) -> Iterator[None]:
    """The processes stopped (SIGSTOP), as a renderer stuck in a loop would be; continued after."""
    processes.kill(pids, signal.SIGSTOP)
    try:
        yield
    finally:
        processes.kill(pids, signal.SIGCONT)


@in_thread
async def test_a_killed_browser_is_replaced_and_the_views_come_back(tmp_path: Path) -> None:
    async with serving(tmp_path) as server:
        lives = [await server.session() for _ in range(2)]
        old = server.app[CHROMIUM].pids()
        processes.kill(old)  # As the kernel's OOM killer would.
        for live in lives:
            await live.view_back()
            assert not live.ended
        assert not set(old) & set(server.app[CHROMIUM].pids())
        assert server.app[METRICS].browser_restarts._value.get() == 1
        assert (await server.health())[0] == 200
        rows = await server.history_is_consistent()
        assert {row["state"] for row in rows} == {"active"}
        await afterwards(server)


@in_thread
async def test_a_browser_that_stops_answering_is_killed_and_replaced(tmp_path: Path) -> None:
    async with serving(tmp_path) as server:
        live = await server.session()
        old = server.app[CHROMIUM].pids()
        with stopped(old):  # Continued afterwards, in case it was not killed.
            await live.view_back()
        assert not set(old) & set(server.app[CHROMIUM].pids())
        assert not live.ended
        await afterwards(server)


@in_thread
async def test_health_is_503_while_the_browser_cannot_be_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    launch, allowed = supervision.ChromiumHost.launch, asyncio.Event()

    async def held_launch(*args: object) -> supervision.ChromiumHost:
        await allowed.wait()  # Held until the test has seen the node say it cannot serve.
        return await launch(*args)  # type: ignore[arg-type]

    async with serving(tmp_path) as server:
        live = await server.session()
        monkeypatch.setattr(supervision.ChromiumHost, "launch", held_launch)
        processes.kill(server.app[CHROMIUM].pids())
        await async_wait_for(lambda: not server.app[CHROMIUM].healthy, "the browser's loss")
        status, body = await server.health()
        assert status == 503 and body["error"] == "browser_unavailable", body
        allowed.set()
        await live.view_back()
        assert (await server.health())[0] == 200
        await afterwards(server)


@in_thread
async def test_a_killed_renderer_is_rebuilt_and_the_session_goes_on(tmp_path: Path) -> None:
    async with serving(tmp_path) as server:
        live = await server.session()
        processes.kill(renderers(server))
        await live.view_back()
        assert not live.ended
        await server.history_is_consistent()
        await afterwards(server)


@in_thread
async def test_a_stopped_renderer_is_found_and_its_page_rebuilt(tmp_path: Path) -> None:
    async with serving(tmp_path) as server:
        live = await server.session()
        with stopped(renderers(server)):
            await live.view_back()
        assert not live.ended
        assert server.app[METRICS].mirror_rebuilds.labels("stopped answering")._value.get() >= 1
        await afterwards(server)


@in_thread
async def test_a_database_that_takes_no_writes_for_a_moment_loses_nothing(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path) as server:
        live = await server.session()
        failures = server.app[METRICS].history_failures
        lock = sqlite3.connect(tmp_path / "h.db", isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")  # No other connection may write until it ends.
        try:
            await live.customer.send_json({"v": 1, "type": "exit"})
            await live.wait("the end", lambda: live.ended)
            await async_wait_for(lambda: failures._value.get() > 0, "a failed history write")
            status, body = await server.health()
            assert status == 503 and body["error"] == "history_unavailable", body
        finally:
            lock.execute("COMMIT")
            lock.close()
        await async_wait_for(lambda: server.unwritten() == 0, "history catching up")
        row = next(r for r in await server.history_is_consistent() if r["uuid"] == live.uuid)
        assert row["state"] == "ended" and row["end_reason"] == "customer_exit"
        assert (await server.health())[0] == 200
        await afterwards(server)
