"""The server's own memory: Python's collector kept off its start-up objects, and memory given
back to the system once sessions end.

A session's decoded frames (4 MB each at 1280x800) are freed by reference counting or, when the
session's objects hold one another in cycles (the mirror page and its Playwright handlers, the
session and its callbacks), at Python's next full collection. Either way glibc's allocator keeps
the freed memory for reuse, so the server process stayed near its peak after the sessions ended
(ten busy sessions: 120-230 MB, against 62 before them). A collection and ``malloc_trim`` after
the ends bring it back to 66-76 MB.

A full collection walks every object, and most of them are the libraries and the browser
connection made at start-up: about 65 ms with the event loop stopped, every live session's
frames held up meanwhile. Frozen after start-up (``gc.freeze``), it takes about 5 ms.
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
    started (its libraries, configuration and browser connection live as long as it does)."""
    gc.collect()
    gc.freeze()


async def release_free_memory() -> None:
    """Collect unreachable cycles, then return the allocator's free pages to the system (in a
    thread: ctypes lets go of the GIL, and glibc's walk of its arenas takes about 10 ms)."""
    gc.collect()
    if _TRIM is not None:
        await asyncio.to_thread(_TRIM, 0)


class MemoryReleaser:
    """Runs ``release`` once nothing has called :meth:`soon` for ``delay_s``."""

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

    async def session_ended(self, session: object) -> None:
        self.soon()
