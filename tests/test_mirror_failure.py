"""A mirror page that crashes ends its own session, recorded, and leaves the others running; one
whose hit test fails leaves its agent connected."""

from __future__ import annotations

import contextlib
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer
from playwright.async_api import Error as PlaywrightError

from mirror.app import HISTORY, HUB, Settings, build_app
from mirror.config import Config
from tests.aio import in_thread
from tests.wsclient import (
    closed_with,
    open_customer,
    receive_json,
    receive_status,
    send_snapshot_when_asked,
    ws_url,
)


async def join(
    http: aiohttp.ClientSession, url: str, customer: aiohttp.ClientWebSocketResponse, access_id: str
) -> aiohttp.ClientWebSocketResponse:
    agent = await http.ws_connect(ws_url(url, "agent"))
    await agent.send_json({"v": 1, "type": "join", "id": access_id})
    await send_snapshot_when_asked(customer)
    assert (await receive_json(agent))["state"] == "active"
    while (await agent.receive(timeout=10)).type is not aiohttp.WSMsgType.BINARY:
        pass  # The first frame: the mirror page is up.
    return agent


@in_thread
async def test_a_crashed_mirror_page_ends_only_its_session(tmp_path: Path) -> None:
    app = build_app(Settings(config=Config(), db=f"sqlite:///{tmp_path / 'h.db'}"))
    async with TestServer(app) as server, aiohttp.ClientSession() as http:
        url = str(server.make_url("")).rstrip("/")
        customers = [await open_customer(http, url) for _ in range(2)]
        agents = [await join(http, url, ws, info["id"]) for ws, info in customers]
        (doomed_ws, doomed), (other_ws, other) = customers
        live = app[HUB].lookup(doomed["uuid"])
        assert live is not None and live.mirror is not None and live.mirror.page is not None
        with contextlib.suppress(PlaywrightError):
            await live.mirror.page.goto("chrome://crash")
        for ws in (doomed_ws, agents[0]):
            message = await receive_status(ws, "ended")
            assert message == {"type": "status", "state": "ended", "reason": "mirror_error", "v": 1}
        record = await app[HISTORY].get(doomed["uuid"])
        assert record is not None and record["end_reason"] == "mirror_error"
        # The other session still works and ends normally.
        assert (await app[HISTORY].get(other["uuid"]))["state"] == "active"  # type: ignore[index]
        await other_ws.send_json({"v": 1, "type": "exit"})
        assert (await closed_with(agents[1]))[0] == 4000
        assert (await app[HISTORY].get(other["uuid"]))["end_reason"] == "customer_exit"  # type: ignore[index]


@in_thread
async def test_a_hit_test_that_fails_in_the_mirror_page_leaves_the_agent_connected(
    tmp_path: Path,
) -> None:
    app = build_app(Settings(config=Config(), db=f"sqlite:///{tmp_path / 'h.db'}"))
    async with TestServer(app) as server, aiohttp.ClientSession() as http:
        url = str(server.make_url("")).rstrip("/")
        customer_ws, info = await open_customer(http, url)
        agent = await join(http, url, customer_ws, info["id"])
        live = app[HUB].lookup(info["uuid"])
        assert live is not None and live.mirror is not None and live.mirror.page is not None
        # As a page caught mid-rebuild would: the mirror's hit test throws.
        await live.mirror.page.evaluate(
            "() => { window.cobrowseMirror.hitTest = () => { throw new Error('mid-rebuild'); }; }"
        )
        await agent.send_json({"v": 1, "type": "click", "x": 10, "y": 10, "button": 0, "count": 1})
        # The agent's socket still serves the session: its Exit ends it as usual.
        await agent.send_json({"v": 1, "type": "exit"})
        assert (await closed_with(agent))[0] == 4000
        record = await app[HISTORY].get(info["uuid"])
        assert record is not None and record["end_reason"] == "agent_exit"
