"""A customer or agent without a browser: a real WebSocket client speaking the wire protocol."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

VIEWPORT = {"width": 800, "height": 600}


def ws_url(server_url: str, side: str) -> str:
    return server_url.replace("http://", "ws://") + f"/ws/{side}"


async def receive_json(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await ws.receive(timeout=10)
    assert message.type is aiohttp.WSMsgType.TEXT, (
        f"expected text, got {message.type}: {message.data}"
    )
    return dict(json.loads(message.data))


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
            return ws.close_code, str(message.extra or "")
