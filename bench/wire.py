"""What the benchmark's socket clients read of the server's messages: only the fields they use,
decoded leniently, so that a field or a kind of message the server adds does not break them (it
does not break the pages either). What they send is the project's own types."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import msgspec


class IncomingAction(msgspec.Struct):
    kind: str
    node: int | None = None


class Incoming(msgspec.Struct):
    """Any server message; unknown fields are ignored (msgspec's default)."""

    type: str
    id: str | None = None  # "session": the nine digits
    uuid: str | None = None  # "session": the history UUID (recordings are listed by it)
    state: str | None = None  # "status"
    seq: int | None = None  # "script"
    action: IncomingAction | None = None  # "script"


decoder = msgspec.json.Decoder(Incoming)


def decode(data: str | bytes) -> Incoming | None:
    """The message, or None if it is not a JSON object with a ``type``."""
    try:
        return decoder.decode(data)
    except msgspec.DecodeError:
        return None


async def close_socket(
    reader: asyncio.Task[None] | None, ws: aiohttp.ClientWebSocketResponse | None
) -> None:
    """Stop a client's reading task, then close its socket; neither may hide the run's own
    error."""
    if reader is not None:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
    if ws is not None:
        with contextlib.suppress(Exception):
            await ws.close()
