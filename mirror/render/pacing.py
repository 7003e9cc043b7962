"""Pacing a render page's changes to its frames once Chromium falls behind (see :class:`Pacer`)."""

from __future__ import annotations

import asyncio
import contextlib

BEHIND_S = 0.1  # Frames older than this when they arrive: Chromium is behind.
HOLD_S = 1.0  # The longest a batch waits for the frame of the one before.


class Pacer:
    """One render page's frame lag, and the wait of its next batch.

    Chromium takes a screencast frame of every paint of every render page. With more sessions
    changing than the machine can capture and encode, those frames queue inside Chromium: they keep
    arriving, but each shows the page as it was a second or more before, and some sessions' frames
    stop arriving at all. So when frames arrive late (Chromium is behind), a session's next batch
    of changes waits until a frame taken after its last batch has arrived. Each session then keeps
    about one frame in Chromium's queue, the batches that came meanwhile are applied together in
    one call, and the frame taken next shows the page as it is now. A batch that changes nothing
    visible brings no frame, so the wait is bounded (HOLD_S); with Chromium keeping up there is no
    wait at all.

    The same lag stretches the settle frame's delay (mirror/render/screencast.py): a frame asked
    for while frames are a second late is taken after the next change anyway, and was most often
    the same as the last.
    """

    def __init__(self, hold_s: float = HOLD_S) -> None:
        self.hold_s = hold_s
        self.lag = 0.0  # Seconds from a frame's capture to its arrival, for the last frame.
        self._wanted: tuple[float, asyncio.Future[None]] | None = None

    @property
    def behind(self) -> bool:
        return self.lag > BEHIND_S

    def frame(self, taken: float | None, now: float) -> None:
        """A screencast frame arrived at ``now``; ``taken`` is when Chromium took it (its
        metadata timestamp, in seconds since the epoch), None if it did not say."""
        if taken is not None:
            self.lag = max(0.0, now - taken)
        wanted = self._wanted
        if wanted is not None and (taken is None or taken >= wanted[0]) and not wanted[1].done():
            wanted[1].set_result(None)

    def want(self, since: float) -> asyncio.Future[None]:
        """A future done once a frame taken at or after ``since`` arrives: at once when
        Chromium is not behind."""
        future = asyncio.get_running_loop().create_future()
        if self.behind:
            self._wanted = (since, future)
        else:
            future.set_result(None)
        return future

    async def shown(self, since: float) -> None:
        """When behind, wait (at most ``hold_s``) for a frame taken at or after ``since``: the
        time the last batch was sent to the page."""
        if not self.behind:  # The common case, on every batch: no future, no timer.
            return
        future = self.want(since)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(future, self.hold_s)
        finally:
            self._wanted = None

    def settle_delay(self, quiet_s: float) -> float:
        """How long the page must be still before the settle frame: ``quiet_s``, or twice the
        lag when Chromium is behind."""
        return max(quiet_s, 2 * self.lag) if self.behind else quiet_s
