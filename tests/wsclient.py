"""A customer or agent without a browser: a real WebSocket client speaking the wire protocol."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from bench.healing import VIEWPORT, page_snapshot  # One minimal page for tests and benchmark.


def ws_url(server_url: str, side: str) -> str:
    return server_url.replace("http://", "ws://") + f"/ws/{side}"


async def receive_json(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await ws.receive(timeout=10)
    assert message.type is aiohttp.WSMsgType.TEXT, (
        f"expected text, got {message.type}: {str(message.data)[:80]}"
    )
    return dict(json.loads(message.data))


async def receive_status(ws: aiohttp.ClientWebSocketResponse, state: str) -> dict[str, Any]:
    """Skip frames and other messages until a status message with ``state``."""
    while True:
        message = await ws.receive(timeout=10)
        assert message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY), message.type
        if message.type is aiohttp.WSMsgType.TEXT:
            data = dict(json.loads(message.data))
            if data["type"] == "status" and data["state"] == state:
                return data


async def open_customer(
    http: aiohttp.ClientSession, server_url: str, origin: str = "http://shop.test"
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    """Open a customer socket, say hello, return it with the session message."""
    ws = await http.ws_connect(ws_url(server_url, "customer"), origin=origin)
    await ws.send_json({"v": 1, "type": "hello", "viewport": VIEWPORT})
    return ws, await receive_json(ws)


async def closed_with(ws: aiohttp.ClientWebSocketResponse) -> tuple[int | None, str]:
    """Read until the server closes; returns (close code, reason)."""
    while True:
        message = await ws.receive(timeout=10)
        if message.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSED,
            aiohttp.WSMsgType.CLOSING,
        ):
            # The close frame's own code: ws.close_code can read 1006 if the server drops the
            # connection before the client's answer to its close frame has gone out.
            code = message.data if message.type is aiohttp.WSMsgType.CLOSE else ws.close_code
            return code, str(message.extra or "")


async def send_snapshot_when_asked(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Answer the server's snapshot request (sent when the agent joins) like cobrowse.js does."""
    while (await receive_json(ws))["type"] != "snapshot":
        pass
    await ws.send_json({"v": 1, "type": "events", "events": page_snapshot()})


async def handshake_status(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
) -> int:
    """101 if the socket at ``url`` opened (it is closed again), else the refusal's status."""
    try:
        ws = await http.ws_connect(url, headers=headers)
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    await ws.close()
    return 101
