"""The customer's captured events on their way to the mirror's player, one call at a time.

Each call is a round trip to the mirror page. Under load the calls fall behind the customer, and
a queue of them grew seconds long; instead, the changes that queue while a call runs go together
in the next one, so a busy mirror catches up in one step.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import zlib
from collections import deque
from collections.abc import Awaitable, Callable

import msgspec

from mirror.render.rrweb import EventType

# Events waiting past this make the caller (the customer's socket) wait for room.
MAX_QUEUED_BYTES = 64 * 1024 * 1024
# A batch from this size on crosses into the page deflated and in base64: the evaluate's text is
# JSON inside JSON through Playwright's driver, whose cost grows with every escaped quote
# (docs/benchmark.md, Join cost).
PACK_FROM = 16_384


def packed(text: str) -> str:
    """``text`` deflated (zlib's format, fastest level) and in base64: render.js addPacked."""
    return base64.b64encode(zlib.compress(text.encode(), 1)).decode("ascii")


class _Head(msgspec.Struct):
    type: int


_head_decoder = msgspec.json.Decoder(_Head)


def changes_only(events: list[bytes]) -> bool:
    """Whether a batch holds incremental changes only, and so may share a call with others. A
    new page, a snapshot or a custom event goes in a call of its own: rrweb attaches a frame's
    document only once the rebuilt page's frames exist, and one merged with the snapshot was
    lost."""
    try:
        return all(
            _head_decoder.decode(event).type == EventType.INCREMENTAL_SNAPSHOT for event in events
        )
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False


class PlayerFeed:
    """Batches in order to ``apply`` (a JSON array of rrweb events per call)."""

    def __init__(self, apply: Callable[[str], Awaitable[object]]) -> None:
        self._apply = apply
        self._queue: deque[tuple[list[bytes], bool]] = deque()  # (events, changes only)
        self._queued_bytes = 0
        self._waiting = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def put(self, events: list[bytes]) -> None:
        """Queue a batch; waits while more than MAX_QUEUED_BYTES are queued."""
        if self._closed or not events:
            return
        self._queue.append((events, changes_only(events)))
        self._queued_bytes += sum(len(event) for event in events)
        self._waiting.set()
        if self._queued_bytes > MAX_QUEUED_BYTES:
            self._room.clear()
            await self._room.wait()

    async def close(self) -> None:
        self._closed = True
        self._room.set()  # A caller waiting for room goes on; its batch is dropped.
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def take(self) -> list[bytes]:
        """The events of the next call: the oldest batch, joined by the batches after it while
        both it and they are changes only."""
        events, mergeable = self._queue.popleft()
        taken = list(events)
        while mergeable and self._queue and self._queue[0][1]:
            taken.extend(self._queue.popleft()[0])
        self._queued_bytes -= sum(len(event) for event in taken)
        if self._queued_bytes <= MAX_QUEUED_BYTES:
            self._room.set()
        return taken

    async def _run(self) -> None:
        while True:
            await self._waiting.wait()
            while self._queue:
                events = self.take()
                await self._apply("[" + b",".join(events).decode() + "]")
            self._waiting.clear()
