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
        self._rest_s = rest_s  # None: REST_S as it is when a frame comes.
        self.resting = False
        self._timer: asyncio.TimerHandle | None = None
        self._checking: asyncio.Future[None] | None = None
        self._stopped = False

    def frame(self) -> None:
        """A frame arrived: the page may rest once ``rest_s`` (REST_S) pass without another."""
        if self._timer is not None:
            self._timer.cancel()
        if self._stopped:
            return
        wait = REST_S if self._rest_s is None else self._rest_s
        self._timer = asyncio.get_running_loop().call_later(wait, self._check_soon)

    def wake(self) -> bool:
        """Something will paint the page: True if it was resting (the caller applies the
        capture again). It may rest again ``rest_s`` after the last frame or wake."""
        was, self.resting = self.resting, False
        self.frame()
        return was

    def stop(self) -> None:
        """For good: the page closes."""
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
        if self._checking is not None:
            self._checking.cancel()

    def _check_soon(self) -> None:
        self._timer = None
        self._checking = asyncio.ensure_future(self._check())

    async def _check(self) -> None:
        if not await self._quiet():
            self.frame()  # Looked at again later; its paints bring frames meanwhile.
            return
        if self._timer is None:  # No frame or wake came while it was asked.
            self.resting = True
            await self._apply()
