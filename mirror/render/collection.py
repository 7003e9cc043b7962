"""A render page's garbage collected in full a while after each rebuild: see :class:`Collection`."""

from __future__ import annotations

import asyncio
import contextlib

from playwright.async_api import CDPSession
from playwright.async_api import Error as PlaywrightError

COLLECT_AFTER_S = 2.0  # From a rebuild to the full collection of what it replaced.


class Collection:
    """The documents a rebuild replaced (the player's warm-up page, the customer's pages before)
    are held until V8 collects in full, and a page that changes little may not for a long time:
    :meth:`soon` asks for that collection. Not at once: it holds the page's main thread, which
    the first frame's masks need."""

    def __init__(self) -> None:
        self._timer: asyncio.TimerHandle | None = None
        self._running: asyncio.Future[None] | None = None  # Held: a task is weakly referenced.

    def soon(self, cdp: CDPSession) -> None:
        """A full collection COLLECT_AFTER_S from now (instead of one due before)."""
        self.cancel()
        self._timer = asyncio.get_running_loop().call_later(COLLECT_AFTER_S, self._start, cdp)

    def cancel(self) -> None:
        """None to come (the page closes); one under way ends with the page."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _start(self, cdp: CDPSession) -> None:
        self._timer = None
        self._running = asyncio.ensure_future(_collect(cdp))


async def _collect(cdp: CDPSession) -> None:
    with contextlib.suppress(PlaywrightError):  # The page may be closing.
        await cdp.send("HeapProfiler.collectGarbage")
