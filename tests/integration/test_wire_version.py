"""The wire's version on a real server: a page speaking another protocol version than the server's
(a script cached from before an upgrade) is told to reload and its socket closed with
CLOSE_VERSION, on every socket and whether or not its message would decode."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from mirror.testing import CobrowseServer
from mirror.wire import CLOSE_VERSION, PROTOCOL_VERSION
from tests.aio import in_thread
from tests.wsclient import VIEWPORT, closed_with, open_customer, receive_json, ws_url

OLDER = PROTOCOL_VERSION - 1
REFUSALS = 'cobrowse_socket_errors_total{reason="unsupported_version"} '


async def refusals(http: aiohttp.ClientSession, server: CobrowseServer) -> float:
    """How many sockets the server has closed for their version."""
    async with http.get(f"{server.url}/metrics") as response:
        text = await response.text()
    return sum(
        float(line.removeprefix(REFUSALS))
        for line in text.splitlines()
        if line.startswith(REFUSALS)
    )


async def assert_told_to_reload(ws: aiohttp.ClientWebSocketResponse) -> None:
    error = await receive_json(ws)
    assert error["type"] == "error" and error["error"] == "unsupported_version", error
    assert "out of date" in error["detail"] and "reload" in error["detail"]
    assert (await closed_with(ws))[0] == CLOSE_VERSION


@pytest.mark.parametrize(
    ("side", "first"),
    [
        ("customer", {"type": "hello", "viewport": VIEWPORT}),
        ("agent", {"type": "join", "id": "999999999"}),
        ("chat", {"type": "chat_hello", "label": "Checkout"}),
        ("desk", {"type": "desk_hello"}),
    ],
)
@in_thread
async def test_a_page_of_an_older_version_is_told_to_reload_on_every_socket(
    cobrowse_server: CobrowseServer, side: str, first: dict[str, Any]
) -> None:
    async with aiohttp.ClientSession() as http:
        before = await refusals(http, cobrowse_server)
        # The agent's pages are served by the server itself; customers' by their site.
        origin = cobrowse_server.url if side in ("agent", "desk") else "http://shop.test"
        ws = await http.ws_connect(ws_url(cobrowse_server.url, side), origin=origin)
        await ws.send_json({"v": OLDER, **first})
        await assert_told_to_reload(ws)
        assert await refusals(http, cobrowse_server) == before + 1


@in_thread
async def test_a_message_of_another_version_mid_session_closes_the_socket(
    cobrowse_server: CobrowseServer,
) -> None:
    async with aiohttp.ClientSession() as http:
        ws, info = await open_customer(http, cobrowse_server.url)
        assert info["type"] == "session"
        await ws.send_json({"v": PROTOCOL_VERSION + 1, "type": "events", "events": []})
        await assert_told_to_reload(ws)


@in_thread
async def test_another_version_is_named_even_when_its_message_does_not_decode_here(
    cobrowse_server: CobrowseServer,
) -> None:
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(
            ws_url(cobrowse_server.url, "customer"), origin="http://shop.test"
        )
        # A newer page's hello, with a field this version does not have: not "malformed".
        hello = {"v": PROTOCOL_VERSION + 1, "type": "hello", "viewport": VIEWPORT, "locale": "de"}
        await ws.send_json(hello)
        await assert_told_to_reload(ws)
