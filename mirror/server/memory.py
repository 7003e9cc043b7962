"""The server's own memory: Python's collector kept off its start-up objects, and memory given
back to the system once sessions end (figures in docs/deployment.md).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
from collections.abc import Callable, Coroutine
from typing import Any

RELEASE_DELAY_S = 2.0  # After the last of several ends: a burst of ends makes one release.


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None with another C library (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


_TRIM = _malloc_trim()


def freeze_start_up() -> None:
    """Move every object alive now out of the collector's sight: call once the server has
    started (its libraries, configuration and browser connection live as long as it does).

    A full collection walks every object, most of them made at start-up, with the event loop
    stopped: frozen, they are skipped.
    """
    gc.collect()
    gc.freeze()


async def release_free_memory() -> None:
    """Collect unreachable cycles, then return the allocator's free pages to the system (in a
    thread: ctypes lets go of the GIL while glibc walks its arenas)."""
    gc.collect()
    if _TRIM is not None:
        await asyncio.to_thread(_TRIM, 0)


class MemoryReleaser:
    """Runs ``release`` once nothing has called :meth:`soon` for ``delay_s``.

    A session's decoded frames are large and are freed by reference counting or, when the session's
    objects hold one another in cycles (the render page and its Playwright handlers, the session
    and its callbacks), at the next full collection; glibc's allocator then keeps the freed memory,
    so a collection and ``malloc_trim`` after the ends give it back. The same after the capture
    scale changes: the pictures of every page change size at once.
    """

    def __init__(
        self,
        delay_s: float = RELEASE_DELAY_S,
        release: Callable[[], Coroutine[Any, Any, None]] = release_free_memory,
    ) -> None:
        self._delay_s, self._release = delay_s, release
        self._timer: asyncio.TimerHandle | None = None
        self._running: asyncio.Future[None] | None = None  # Held: the loop keeps weak refs.

    def soon(self) -> None:
        self.cancel()
        self._timer = asyncio.get_running_loop().call_later(self._delay_s, self._start)

    def _start(self) -> None:
        self._timer = None
        self._running = asyncio.ensure_future(self._release())

    def cancel(self) -> None:
        """Drop a release not yet started (one under way finishes)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # As a session observer (mirror.session.live.SessionObserver): a release after the ends.

    async def session_created(self, session: object) -> None:
        pass

    async def session_started(self, session: object) -> None:
        pass

    async def session_ended(self, session: object) -> None:
        self.soon()
