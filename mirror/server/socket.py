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
from mirror.wire import CLOSE_MALFORMED, CLOSE_TOO_LARGE, CLOSE_VERSION, Error, encode
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

    async def send_text(self, text: str) -> None:
        if not self.ws.closed:
            with contextlib.suppress(ConnectionError):
                await self.ws.send_str(text)

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
    counted, and the socket goes on. A message of a known kind in another protocol version than
    this server's (a page still running an older script) closes the socket with CLOSE_VERSION,
    whether or not it decodes. Binary, malformed and oversize messages close this socket with a
    code and a reason and touch nothing else.
    """
    versions = _versions(decoder)
    versions_by_tag = {_tag(kind): version for kind, version in versions.items()}
    async for raw in ws:
        if raw.type is WSMsgType.TEXT:
            try:
                message = decoder.decode(raw.data)
            # ValidationError is a DecodeError too; a message nested past Python's recursion
            # limit raises RecursionError.
            except (msgspec.DecodeError, RecursionError) as exc:
                head = _head(raw.data)
                if head is not None and head.type not in versions_by_tag:
                    metrics.socket_errors.labels("unknown_kind").inc()
                    await SocketPeer(ws).send_message(Refused(reason="unknown_kind"))
                    continue
                # Another version's message may not decode here: its version is what is wrong.
                # A ``v`` that is no number (a string, true) is malformed, not another version.
                expected = versions_by_tag[head.type] if head is not None else None
                if head is not None and type(head.v) is int and head.v != expected:
                    reason, code, detail = _unsupported(head.v, expected)
                else:
                    reason, code, detail = "malformed", CLOSE_MALFORMED, f"malformed message: {exc}"
            else:
                spoken, expected = getattr(message, "v", None), versions[type(message)]
                if spoken == expected:
                    yield message
                    continue
                reason, code, detail = _unsupported(spoken, expected)
        elif raw.type is WSMsgType.ERROR:
            reason, code, detail = "too_large", CLOSE_TOO_LARGE, "message too large"
        elif raw.type is WSMsgType.BINARY:
            reason, code, detail = "malformed", CLOSE_MALFORMED, "binary messages are not accepted"
        else:
            return
        metrics.socket_errors.labels(reason).inc()
        await SocketPeer(ws).refuse(code, reason, detail)
        return


def _unsupported(spoken: object, expected: int | None) -> tuple[str, int, str]:
    detail = (
        f"the page's script is out of date (protocol version {spoken}, this server speaks "
        f"{expected}): reload the page"
    )
    return "unsupported_version", CLOSE_VERSION, detail


def _versions(decoder: Decoder[Any]) -> dict[type[Any], int | None]:
    """Each kind of message ``decoder`` takes, with the version it speaks: the default of its
    ``v`` field (PROTOCOL_VERSION for the wire's own messages, SCRIPT_VERSION for the agent's
    inputs and the answers to event scripts, which replay/messages.py versions apart)."""
    versions: dict[type[Any], int | None] = {}
    for kind in get_args(decoder.type) or (decoder.type,):  # A union, or one kind.
        default = next((f.default for f in msgspec.structs.fields(kind) if f.name == "v"), None)
        versions[kind] = default if isinstance(default, int) else None
    return versions


def _tag(kind: type[Any]) -> str:
    return str(kind.__struct_config__.tag)


class _Head(msgspec.Struct):
    type: str
    v: Any = None


def _head(data: str) -> _Head | None:
    """The ``type`` and ``v`` of a JSON object whose ``type`` is a string, else None."""
    try:
        return msgspec.json.decode(data, type=_Head)
    except (msgspec.DecodeError, RecursionError):
        return None


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
