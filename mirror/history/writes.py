"""Writes of live records that outlast a database unavailable for a while (locked, read-only,
restarting): a write that fails is retried with the record's state at that moment until one
succeeds, so history catches up once the database is back, and a live session never waits on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

log = logging.getLogger("cobrowse.history")

RETRY_S = 2.0  # Between tries of the writes that failed.


class Record(Protocol):
    @property
    def uuid(self) -> str: ...


R = TypeVar("R", bound=Record)


class Failures(Protocol):
    def inc(self) -> None: ...


class RetriedWrites(Generic[R]):
    """``write(record)`` now; if it fails, again every ``retry_s`` until it succeeds. Each
    try writes the record's current state, so the last one written is its latest."""

    def __init__(
        self,
        write: Callable[[R], Awaitable[None]],
        failures: Failures,
        retry_s: float = RETRY_S,
    ) -> None:
        self._write, self._failures, self._retry_s = write, failures, retry_s
        # By UUID: the record, and how many writes of it were asked for while it was unwritten.
        self._unwritten: dict[str, tuple[R, int]] = {}
        self._retrying: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        """Records whose latest state is not written yet."""
        return len(self._unwritten)

    async def write(self, record: R) -> None:
        pending = self._unwritten.get(record.uuid)
        if pending is not None:  # The retry writes its state as it is by then.
            self._unwritten[record.uuid] = (record, pending[1] + 1)
            return
        if not await self._try(record):
            self._unwritten[record.uuid] = (record, 0)
            if self._retrying is None or self._retrying.done():
                self._retrying = asyncio.create_task(self._retry())

    async def close(self) -> None:
        """A last try of what is unwritten (the server is stopping), then no more."""
        if self._retrying is not None:
            self._retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retrying
        await self._try_all()
        for uuid in self._unwritten:
            log.error("record %s: its last state could not be written to history", uuid)

    async def _try(self, record: R) -> bool:
        try:
            await self._write(record)
        except Exception:
            # History must not take a live session down; the failure is logged for operators.
            self._failures.inc()
            log.exception("record %s: history write failed; it is tried again", record.uuid)
            return False
        return True

    async def _retry(self) -> None:
        while self._unwritten:
            await asyncio.sleep(self._retry_s)
            await self._try_all()

    async def _try_all(self) -> None:
        for uuid, pending in list(self._unwritten.items()):
            # A write asked for while this one runs may hold a newer state: it stays unwritten.
            if await self._try(pending[0]) and self._unwritten.get(uuid) == pending:
                del self._unwritten[uuid]
