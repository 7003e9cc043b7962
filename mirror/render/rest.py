"""A render page at rest stops capturing: see :class:`Rest`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

# No screencast frame for this long: the page may rest. The first frame after a rest comes later
# than a running screencast's would (docs/benchmark.md): a page changing every few seconds stays
# awake.
REST_S = 10.0


class Rest:
    """Whether a render page rests: no frame for REST_S and nothing on it that paints by itself.

    A still page sends no frames, yet Chromium keeps its screencast's buffers while it runs
    (docs/benchmark.md, Capacity). So a page at rest stops its screencast; whatever would
    paint it again (a batch of the customer's changes, an asset arriving, the agent's drawing)
    wakes it first, and the screencast's first frame after the start shows the page as it is.

    ``quiet`` asks the page whether nothing on it paints by itself (an animation, a picture or a
    font still loading); ``apply`` makes the capture follow :attr:`resting` once it rests.
    """

    def __init__(
        self,
        quiet: Callable[[], Awaitable[bool]],
        apply: Callable[[], Awaitable[None]],
        rest_s: float | None = None,
    ) -> None:
        self._quiet, self._apply = quiet, apply
        self._rest_s = rest_s  # None: REST_S as it is when the wait starts.
        self.resting = False
        self._last = 0.0  # The loop's time of the last frame or wake.
        self._timer: asyncio.TimerHandle | None = None  # One at a time, moved on when due.
        self._checking: asyncio.Future[None] | None = None
        self._stopped = False

    def frame(self) -> None:
        """A frame arrived: the page may rest once ``rest_s`` (REST_S) pass without another.
        Called for every frame, so it only notes the time; the one timer looks at it."""
        if self._stopped:
            return
        self._last = asyncio.get_running_loop().time()
        if self._checking is None:  # A check under way looks at the time itself.
            self._arm()

    def wake(self) -> bool:
        """Something will paint the page: True if it was resting (the caller applies the
        capture again). It may rest again ``rest_s`` after the last frame or wake."""
        was, self.resting = self.resting, False
        self.frame()
        return was

    def stop(self) -> None:
        """For good: the page closes, or is one that never rests (a page in a window)."""
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
        if self._checking is not None:
            self._checking.cancel()

    def _arm(self) -> None:
        """The timer, due a whole wait after the last frame or wake (unless one is set)."""
        if self._timer is None:
            loop = asyncio.get_running_loop()
            wait = REST_S if self._rest_s is None else self._rest_s
            self._timer = loop.call_later(max(0.0, self._last + wait - loop.time()), self._due)

    def _due(self) -> None:
        self._timer = None
        wait = REST_S if self._rest_s is None else self._rest_s
        if asyncio.get_running_loop().time() < self._last + wait:
            self._arm()  # A frame or wake since the timer was set.
        else:
            self._checking = asyncio.ensure_future(self._check())

    async def _check(self) -> None:
        asked = self._last
        quiet = await self._quiet()
        self._checking = None
        if self._stopped:
            return
        if not quiet:
            self.frame()  # Asked again a whole wait later; its paints bring frames meanwhile.
        elif self._last != asked:
            self._arm()  # A frame or wake came while it was asked.
        else:
            self.resting = True
            await self._apply()
