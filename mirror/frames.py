"""The frame stream: the newest JPEG from the mirror's screencast, handed to the agent's socket.

A slow agent never builds a queue: a frame not yet sent is replaced by a newer one, so latency stays
flat and memory stays one frame per session.
"""

from __future__ import annotations

import asyncio


class LatestFrame:
    """A one-frame mailbox: ``put`` replaces, ``next`` waits for a frame newer than the last."""

    def __init__(self) -> None:
        self._frame: bytes | None = None
        self._fresh = asyncio.Event()
        self.produced = 0
        self.dropped = 0

    def put(self, frame: bytes) -> None:
        if self._fresh.is_set():
            self.dropped += 1
        self._frame = frame
        self.produced += 1
        self._fresh.set()

    @property
    def last(self) -> bytes | None:
        """The most recent frame, sent or not (a re-joining agent starts from it)."""
        return self._frame

    def replay_last(self) -> None:
        """Mark the last frame as fresh again, so a new consumer receives it at once."""
        if self._frame is not None:
            self._fresh.set()

    async def next(self) -> bytes:
        await self._fresh.wait()
        self._fresh.clear()
        assert self._frame is not None
        return self._frame
