"""The hub's view of a WebSocket: send a message, send a frame, close with a code and a reason."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, TypeVar, get_args

import msgspec
from aiohttp import WSMsgType, web
from msgspec.json import Decoder

from mirror.metrics import Metrics
from mirror.wire import CLOSE_MALFORMED, CLOSE_TOO_LARGE, Error, encode
from replay.messages import Refused

T = TypeVar("T")
M = TypeVar("M")
# How long a close waits for the other end's answer before dropping the connection.
CLOSE_TIMEOUT_S = 3.0


class SocketPeer:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def send_message(self, message: msgspec.Struct) -> None:
        if not self.ws.closed:
            with contextlib.suppress(ConnectionError):
                await self.ws.send_str(encode(message))

    async def send_frame(self, frame: bytes) -> None:
        if not self.ws.closed:
            await self.ws.send_bytes(frame)

    async def close(self, code: int, reason: str) -> None:
        with contextlib.suppress(ConnectionError):
            await self.ws.close(code=code, message=reason.encode()[:120])

    async def refuse(self, code: int, error: str, detail: str) -> None:
        """Tell the page why (an error message), then close with ``code`` and the reason."""
        await self.send_message(Error(error=error, detail=detail[:300]))
        await self.close(code, detail)


async def receive_messages(
    ws: web.WebSocketResponse, decoder: Decoder[T], metrics: Metrics
) -> AsyncIterator[T]:
    """Decode each text message with ``decoder``; close the socket on the first bad one.

    A well-formed message of a kind this server does not know (a newer page, say) is refused and
    counted, and the socket goes on. Binary, malformed and oversize messages close this socket
    with a code and a reason and touch nothing else.
    """
    known = _tags(decoder)
    async for raw in ws:
        if raw.type is WSMsgType.TEXT:
            try:
                yield decoder.decode(raw.data)
                continue
            except msgspec.DecodeError as exc:  # ValidationError is a DecodeError too.
                if _unknown_kind(raw.data, known):
                    metrics.socket_errors.labels("unknown_kind").inc()
                    await SocketPeer(ws).send_message(Refused(reason="unknown_kind"))
                    continue
                reason, code, detail = "malformed", CLOSE_MALFORMED, f"malformed message: {exc}"
        elif raw.type is WSMsgType.ERROR:
            reason, code, detail = "too_large", CLOSE_TOO_LARGE, "message too large"
        elif raw.type is WSMsgType.BINARY:
            reason, code, detail = "malformed", CLOSE_MALFORMED, "binary messages are not accepted"
        else:
            return
        metrics.socket_errors.labels(reason).inc()
        await SocketPeer(ws).refuse(code, reason, detail)
        return


class _Kind(msgspec.Struct):
    type: str


def _tags(decoder: Decoder[Any]) -> frozenset[str]:
    return frozenset(str(t.__struct_config__.tag) for t in get_args(decoder.type))


def _unknown_kind(data: str, known: frozenset[str]) -> bool:
    """A JSON object whose ``type`` is a string this server does not know."""
    try:
        return msgspec.json.decode(data, type=_Kind).type not in known
    except msgspec.DecodeError:
        return False


async def first_message(
    messages: AsyncIterator[T], peer: SocketPeer, expected: type[M], timeout_s: float
) -> M | None:
    """The socket's first message if it is of type ``expected``; otherwise the socket is refused
    (closed with a code and a reason) and None is returned."""
    name = expected.__name__.lower()
    try:
        first = await asyncio.wait_for(anext(messages), timeout_s)
    except (StopAsyncIteration, TimeoutError):
        await peer.refuse(CLOSE_MALFORMED, "malformed", f"expected a {name} message")
        return None
    if not isinstance(first, expected):
        await peer.refuse(CLOSE_MALFORMED, "malformed", f"the first message must be {name}")
        return None
    return first
