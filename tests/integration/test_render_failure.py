"""A render page whose hit test fails leaves its agent connected (pages that crash or hang:
tests/faults)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Page

from mirror.config import Config
from mirror.render.page import RenderPage
from mirror.server.app import build_app
from mirror.server.keys import HISTORY, HUB, Settings
from tests.aio import in_thread
from tests.wsclient import (
    closed_with,
    open_customer,
    receive_json,
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
        pass  # The first frame: the render page is up.
    return agent


def playwright_page_of(app: web.Application, session_uuid: str) -> Page:
    """The Chromium page behind a live session's render page."""
    live = app[HUB].lookup(session_uuid)
    assert live is not None and isinstance(live.page, RenderPage)
    assert live.page.page is not None
    return live.page.page


@in_thread
async def test_a_hit_test_that_fails_in_the_render_page_leaves_the_agent_connected(
    tmp_path: Path,
) -> None:
    app = build_app(Settings(config=Config(), db=f"sqlite:///{tmp_path / 'h.db'}"))
    async with TestServer(app) as server, aiohttp.ClientSession() as http:
        url = str(server.make_url("")).rstrip("/")
        customer_ws, info = await open_customer(http, url)
        agent = await join(http, url, customer_ws, info["id"])
        # As a page caught mid-rebuild would: the render page's hit test throws.
        await playwright_page_of(app, info["uuid"]).evaluate(
            "() => { window.cobrowseRender.hitTest = () => { throw new Error('mid-rebuild'); }; }"
        )
        await agent.send_json({"v": 1, "type": "click", "x": 10, "y": 10, "button": 0, "count": 1})
        # The agent's socket still serves the session: its Exit ends it as usual.
        await agent.send_json({"v": 1, "type": "exit"})
        assert (await closed_with(agent))[0] == 4000
        record = await app[HISTORY].get(info["uuid"])
        assert record is not None and record["end_reason"] == "agent_exit"
