"""One session's recording as it happens: the frames the agent is sent and the event track,
gathered in memory and written as a chunk every few seconds, so a crash loses at most the last
chunk. A store that fails does not stop the session: the chunks meanwhile are lost, the agent is
told, and the next chunk written marks the gap and starts with the whole picture again."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from mirror.frames.frame import Frame
from mirror.frames.patches import is_whole, whole_message
from mirror.recording.chunks import Kind, Record, chunk_key, digest, encode_chunk, genesis
from mirror.recording.customer import Page
from mirror.recording.manifest import ChunkEntry, Manifest, utcnow
from mirror.recording.store import Store, StoreError

log = logging.getLogger("cobrowse.recording")

CHUNK_S = 3.0  # A chunk is written this often (what a crash can lose).
KEYFRAME_S = 20.0  # A whole picture at least this often while the picture changes (seeking).
MANIFEST_S = 15.0  # The manifest is rewritten this often, and at the end.
POINTER_S = 0.1  # At most ten pointer positions a second from each side.
MAX_CHUNK_BYTES = 8 << 20  # A chunk this large is written at once.

# Told when writing stops (False) and resumes (True): the agent sees it.
OnWriting = Callable[[bool], Awaitable[None]]
# Told of the manifest each time it is written (the recordings' index in the history store).
OnManifest = Callable[[Manifest], Awaitable[None]]


@dataclass
class _Pending:
    """The records of the chunk being gathered; a keyframe's picture is encoded when written."""

    t0: float
    records: list[Record | tuple[float, Frame]] = field(default_factory=list)
    size: int = 0


class Recorder:
    """Records one session on one node: ``frame`` and ``event`` are called on the live path and
    only append in memory; :meth:`run` writes the chunks."""

    def __init__(
        self,
        store: Store,
        manifest: Manifest,
        on_writing: OnWriting,
        on_manifest: OnManifest,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.manifest = manifest
        self._store, self._on_writing, self._on_manifest = store, on_writing, on_manifest
        self._clock = clock
        self._started = clock()
        self._pending = _Pending(0.0)
        self._prev = genesis(manifest.uuid)
        self._picture: Frame | None = None  # The agent's picture after the last frame sent.
        self._keyframe_at: float | None = None  # When the last whole picture was recorded.
        self._changed = False  # Patched since the last whole picture recorded.
        self._gap_from: float | None = None  # Set while the store fails.
        self._manifest_at = 0.0
        self._pointers: dict[str, float] = {}
        self._full = asyncio.Event()
        self._finished = False
        self._task: asyncio.Task[None] | None = None

    def now(self) -> float:
        return self._clock() - self._started

    def frame(self, message: bytes, picture: Frame) -> None:
        """A frame message as the agent was sent it, and the picture it brings the agent to.

        The whole frame an agent is sent again once the page rests (the picture it already has,
        at the screencast's own quality rather than as patches) is kept only when a keyframe is
        due: on a page read a change at a time it was three quarters of the bytes, and the next
        keyframe holds those very bytes anyway."""
        if self._finished:
            return
        t, whole = self.now(), is_whole(message)
        if whole and picture is self._picture and not self._keyframe_due(t):
            return
        self._add(Record(Kind.FRAME, t, message))
        self._picture = picture
        self._changed = not whole
        if whole:
            self._keyframe_at = t

    def event(self, kind: str, **fields: Any) -> None:
        if not self._finished:
            payload = json.dumps({"type": kind, **fields}, separators=(",", ":")).encode()
            self._add(Record(Kind.EVENT, self.now(), payload))

    def pointer(self, side: str, x: float, y: float) -> None:
        """A pointer position (CSS pixels of the customer's viewport), at most every POINTER_S."""
        t = self.now()
        if t - self._pointers.get(side, -POINTER_S) >= POINTER_S:
            self._pointers[side] = t
            self.event("pointer", side=side, x=round(x, 1), y=round(y, 1))

    def customer_marks(self, marks: list[tuple[float, float] | Page]) -> None:
        """The customer's pointer and pages, from a batch of captured events (customer.py)."""
        for mark in marks:
            if isinstance(mark, Page):
                self.event("page", path=mark.path)
            else:
                self.pointer("customer", *mark)

    def _add(self, record: Record) -> None:
        self._pending.records.append(record)
        self._pending.size += len(record.payload)
        if self._pending.size >= MAX_CHUNK_BYTES:
            self._full.set()

    def start(self) -> None:
        """Write the manifest (the recording is listed from now on), then a chunk every
        CHUNK_S, sooner when one grows large, until :meth:`finish`."""
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        await self._write_manifest()
        while not self._finished:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CHUNK_S):
                    await self._full.wait()
            self._full.clear()
            try:
                await self.flush()
            except Exception:  # A bug here must not end the recording, nor the session.
                log.exception("recording %s: a chunk was lost", self.manifest.uuid)
        await self.flush()  # What came while the last round was writing.

    async def finish(self, reason: str) -> None:
        """The end: nothing more is recorded; the last chunk, then the manifest with
        ``reason``. A write under way is let finish, not cut."""
        if self._finished:
            return
        self._finished = True
        self._full.set()
        if self._task is not None:
            await self._task  # Its last round writes what was gathered.
        else:
            await self.flush()
        self.manifest.ended_at, self.manifest.end_reason = utcnow(), reason
        self.manifest.duration = self.now()
        await self._write_manifest()

    async def flush(self) -> None:
        """Write the gathered records as the next chunk, if there are any."""
        pending, now = self._pending, self.now()
        self._pending = _Pending(now)
        if self._keyframe_due(now) and not self._finished:
            # The next chunk starts with the whole picture, so playback can start there.
            self._pending.records.append((now, self._picture))  # type: ignore[arg-type]
            self._keyframe_at, self._changed = now, False
        if pending.records:
            await self._write(pending, now)
        if now - self._manifest_at >= MANIFEST_S:
            await self._write_manifest()

    def _keyframe_due(self, now: float) -> bool:
        if self._picture is None:
            return False
        if self._gap_from is not None:  # What came before the gap may be lost.
            return True
        since = now - (self._keyframe_at or 0.0)
        return self._changed and since >= KEYFRAME_S

    async def _write(self, pending: _Pending, now: float) -> None:
        records = await asyncio.to_thread(_encoded, pending.records)
        if self._gap_from is not None:
            gap = {"type": "gap", "from": round(self._gap_from, 3), "to": round(pending.t0, 3)}
            records.insert(0, Record(Kind.EVENT, pending.t0, json.dumps(gap).encode()))
        n = len(self.manifest.chunks)  # A chunk that could not be written takes no number.
        data = encode_chunk(self.manifest.uuid, n, self._prev, pending.t0, records)
        try:
            await self._store.put(chunk_key(self.manifest.uuid, n), data)
        except StoreError as exc:
            await self._failed(pending.t0, exc)
            return
        self._prev = digest(data)
        self.manifest.chunks.append(ChunkEntry.of(n, data, pending.t0, now, records))
        self.manifest.duration = now
        if self._gap_from is not None:
            self.manifest.gaps.append((round(self._gap_from, 3), round(pending.t0, 3)))
            self._gap_from = None
            log.info("recording %s: writing again", self.manifest.uuid)
            await self._on_writing(True)

    async def _failed(self, t0: float, exc: StoreError) -> None:
        if self._gap_from is None:
            self._gap_from = t0
            log.warning("recording %s: writing stopped: %s", self.manifest.uuid, exc)
            await self._on_writing(False)

    async def _write_manifest(self) -> None:
        self._manifest_at = self.now()
        try:
            await self._store.put(self.manifest.key, self.manifest.encode())
        except StoreError as exc:
            log.warning("recording %s: manifest not written: %s", self.manifest.uuid, exc)
        try:
            await self._on_manifest(self.manifest)
        except Exception:  # The index is a convenience: the store holds the recording.
            log.exception("recording %s: index not updated", self.manifest.uuid)


def _encoded(pending: list[Record | tuple[float, Frame]]) -> list[Record]:
    """The records with each keyframe's picture encoded as a whole frame's message (off the
    event loop)."""
    return [
        item if isinstance(item, Record) else Record(Kind.KEYFRAME, item[0], whole_message(item[1]))
        for item in pending
    ]
