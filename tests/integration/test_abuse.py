"""A forged client against a real server: what it sends is bounded, what it starts is limited per
client address, and nobody else is affected. Clients are told apart as behind a reverse proxy
(``X-Forwarded-For`` from a trusted one), since every socket here comes from loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from mirror.render.rrweb import EventType, NodeType
from mirror.testing.processes import ChildProcess
from mirror.wire import CLOSE_BUSY, CLOSE_MALFORMED
from tests.aio import in_thread
from tests.wsclient import VIEWPORT, closed_with, receive_json, receive_status, ws_url

PAGE_NODES = 200
CONFIG = f"""
[server]
trusted_proxies = ["127.0.0.1", "::1"]

[limits]
live_per_client = 3
starts_per_client_per_hour = 4
page_nodes = {PAGE_NODES}
"""
Socket = aiohttp.ClientWebSocketResponse


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildProcess]:
    folder = tmp_path_factory.mktemp("abuse")
    config = folder / "cobrowse.toml"
    config.write_text(CONFIG)
    db = f"sqlite:///{folder / 'history.db'}"
    with ChildProcess(["serve", "--port", "0", "--config", str(config), "--db", db]) as child:
        yield child


@asynccontextmanager
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


def forwarded(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def hello(
    http: aiohttp.ClientSession, url: str, address: str, viewport: dict[str, Any] = VIEWPORT
) -> tuple[Socket, dict[str, Any]]:
    """A customer's socket from ``address``: its hello, and the server's first answer."""
    ws = await http.ws_connect(
        ws_url(url, "customer"), origin="http://shop.test", headers=forwarded(address)
    )
    await ws.send_json({"v": 1, "type": "hello", "viewport": viewport})
    return ws, await receive_json(ws)


async def chat_hello(
    http: aiohttp.ClientSession, url: str, address: str
) -> tuple[Socket, dict[str, Any]]:
    ws = await http.ws_connect(
        ws_url(url, "chat"), origin="http://shop.test", headers=forwarded(address)
    )
    await ws.send_json({"v": 1, "type": "chat_hello", "label": "Checkout"})
    return ws, await receive_json(ws)


async def refused_busy(ws: Socket, answer: dict[str, Any]) -> None:
    assert answer["type"] == "error" and answer["error"] == "busy", answer
    assert (await closed_with(ws))[0] == CLOSE_BUSY


async def metric_lines(http: aiohttp.ClientSession, url: str, name: str) -> list[str]:
    async with http.get(f"{url}/metrics") as response:
        text = await response.text()
    return [line for line in text.splitlines() if line.startswith(f"{name}{{")]


@in_thread
async def test_a_client_holding_its_sessions_is_refused_busy_while_another_starts_one(
    server: ChildProcess,
) -> None:
    async with client() as http:
        # Three addresses of one IPv6 /64: one client, which may hold three sessions.
        held = [await hello(http, server.url, f"2001:db8:5:6::{n}") for n in range(1, 4)]
        assert all(info["type"] == "session" for _, info in held)
        await refused_busy(*await hello(http, server.url, "2001:db8:5:6::99"))
        _, other = await hello(http, server.url, "203.0.113.20")
        assert other["type"] == "session" and other["state"] == "idle"
        # One ends: room for a fourth start, and the fifth within the hour is refused.
        await held[0][0].send_json({"v": 1, "type": "exit"})
        await receive_status(held[0][0], "ended")
        _, fourth = await hello(http, server.url, "2001:db8:5:6::4")
        assert fourth["type"] == "session"
        await held[1][0].send_json({"v": 1, "type": "exit"})
        await receive_status(held[1][0], "ended")
        await refused_busy(*await hello(http, server.url, "2001:db8:5:6::5"))
        assert any(
            'kind="session"' in line
            for line in await metric_lines(http, server.url, "cobrowse_starts_refused_total")
        )


@in_thread
async def test_a_client_holding_its_chats_is_refused_busy_while_another_starts_one(
    server: ChildProcess,
) -> None:
    async with client() as http:
        held = [await chat_hello(http, server.url, "198.51.100.7") for _ in range(3)]
        assert all(info["type"] == "chat" for _, info in held)
        await refused_busy(*await chat_hello(http, server.url, "198.51.100.7"))
        _, other = await chat_hello(http, server.url, "198.51.100.8")
        assert other["type"] == "chat" and other["chat"]["state"] == "waiting"


@in_thread
async def test_a_flood_of_made_up_refusal_reasons_leaves_metrics_bounded(
    server: ChildProcess,
) -> None:
    async with client() as http:
        ws, info = await hello(http, server.url, "192.0.2.40")
        assert info["type"] == "session"
        for n in range(200):
            await ws.send_json({"v": 1, "type": "refused", "seq": n, "reason": f"made-up-{n}"})
        await ws.send_json({"v": 1, "type": "exit"})  # Answered once every refusal was counted.
        await receive_status(ws, "ended")
        lines = await metric_lines(http, server.url, "cobrowse_actions_refused_total")
        assert lines and not any("made-up" in line for line in lines)
        assert len(lines) <= 3 and any('reason="other"' in line for line in lines)


@pytest.mark.parametrize(
    "viewport",
    [{"width": 8193, "height": 600}, {"width": 8192, "height": 8192}, {"width": 0, "height": 1}],
)
@in_thread
async def test_a_hello_with_an_oversize_viewport_is_refused(
    server: ChildProcess, viewport: dict[str, int]
) -> None:
    async with client() as http:
        ws, answer = await hello(http, server.url, "192.0.2.50", viewport)
        assert answer["type"] == "error" and answer["error"] == "malformed"
        assert "viewport" in answer["detail"]
        assert (await closed_with(ws))[0] == CLOSE_MALFORMED


@in_thread
async def test_an_interaction_longer_than_history_keeps_is_refused(server: ChildProcess) -> None:
    async with client() as http:
        agent = await http.ws_connect(ws_url(server.url, "agent"), origin=server.url)
        await agent.send_json({"v": 1, "type": "join", "id": "123456789", "interaction": "i" * 201})
        answer = await receive_json(agent)
        assert answer["error"] == "malformed" and "interaction" in answer["detail"]
        assert (await closed_with(agent))[0] == CLOSE_MALFORMED


def large_page(texts: int) -> list[dict[str, Any]]:
    """Meta and a full snapshot of a page of ``texts`` paragraphs."""
    paragraphs = [
        {
            "type": NodeType.ELEMENT,
            "tagName": "p",
            "attributes": {},
            "id": 10 + 2 * n,
            "childNodes": [{"type": NodeType.TEXT, "textContent": "x", "id": 11 + 2 * n}],
        }
        for n in range(texts)
    ]
    body = {"type": NodeType.ELEMENT, "tagName": "body", "attributes": {}, "id": 3}
    html = {
        "type": NodeType.ELEMENT,
        "tagName": "html",
        "attributes": {},
        "id": 2,
        "childNodes": [{**body, "childNodes": paragraphs}],
    }
    document = {"type": NodeType.DOCUMENT, "childNodes": [html], "id": 1}
    return [
        {"type": EventType.META, "data": {"href": "http://shop.test/", **VIEWPORT}, "timestamp": 1},
        {
            "type": EventType.FULL_SNAPSHOT,
            "data": {"node": document, "initialOffset": {"left": 0, "top": 0}},
            "timestamp": 2,
        },
    ]


@in_thread
async def test_a_page_larger_than_a_render_page_may_hold_ends_the_session_clearly(
    server: ChildProcess,
) -> None:
    async with client() as http:
        customer, info = await hello(http, server.url, "192.0.2.60")
        agent = await http.ws_connect(ws_url(server.url, "agent"), origin=server.url)
        await agent.send_json({"v": 1, "type": "join", "id": info["id"]})
        await receive_status(agent, "active")
        while (await receive_json(customer))["type"] != "snapshot":
            pass
        await customer.send_json({"v": 1, "type": "events", "events": large_page(PAGE_NODES)})
        for ws in (customer, agent):
            assert (await receive_status(ws, "ended"))["reason"] == "page_too_large"
        async with http.get(f"{server.url}/api/sessions/{info['uuid']}") as response:
            assert (await response.json())["end_reason"] == "page_too_large"


def test_the_server_logged_no_error(server: ChildProcess) -> None:
    """Last in this module: nothing above made the server fail (only warnings at start-up)."""
    assert "Traceback" not in Path(server.log_file).read_text(errors="replace")
