"""The hidden and blocked areas of a render page, measured for layer 3 (mirror/frames/redact.py):
asked of the page (:meth:`Masks.measure`), or measured by the page itself in the animation frame
that plays a batch and pushed to the server through a CDP binding (:meth:`Masks.expect`). The
frame that batch draws is then redacted as soon as its window is read, where masks asked for when
the drawing is reported come a round trip through the Playwright driver later (docs/benchmark.md).

The animation frame that plays a batch lays the page out as it is drawn, so its measurement is the
drawn frame's. A push goes with the first drawing reported after its batch left, which may still
be the frame before (a late draw): the frame worker paints the previous masks too whenever they
changed (mirror/render/screencast.py), as for any measurement.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgspec
from playwright.async_api import CDPSession

from mirror.render.load import BEHIND_S, CaptureLoad
from mirror.render.render_call import render_call
from mirror.render.screencast import Measured, Measuring
from mirror.render.window_frames import WindowFrames

BINDING = "cobrowseMasks"  # mirror/web/render/render.js
# A push not in by then (the page hidden, a frame it never drew): the masks are asked for. Nor
# does a push older than that go with a drawing: the page may have moved since.
WAIT_S = 0.25


class Pushed(msgspec.Struct, forbid_unknown_fields=True):
    batch: int
    rects: list[list[float]] | None = None
    error: str | None = None  # The page is mid-rebuild: not measurable.


_decoder = msgspec.json.Decoder(Pushed)


class Masks:
    """The masks' measurements of one render page; pushes are numbered by batch."""

    def __init__(self, load: CaptureLoad) -> None:
        self._load = load
        self._cdp: CDPSession | None = None
        self._window: WindowFrames | None = None
        self._batches = 0
        # The last batch's push, until a drawing takes it: its number, when it left, the push.
        self._next: tuple[int, float, asyncio.Future[Measured]] | None = None
        self._taken: dict[int, asyncio.Future[Measured]] = {}  # Pushes a drawing waits for.

    async def attach(self, cdp: CDPSession, window: WindowFrames | None) -> None:
        """Measure in the page of ``cdp``, and listen to its pushes for the frames read from its
        ``window`` (once its document is loaded: a binding added before goes with the document it
        was added to)."""
        self._cdp, self._window = cdp, window
        if window is not None:
            cdp.on("Runtime.bindingCalled", self._called)
            await cdp.send("Runtime.addBinding", {"name": BINDING})

    async def measure(self) -> Measured:
        """The hidden and blocked areas, measured now in the page's CSS pixels. Raises
        PlaywrightError when the page is gone, ValueError when it cannot measure."""
        if self._cdp is None:
            raise ValueError("the render page is not loaded")
        measured = json.loads(await render_call(self._cdp, "maskRects") or "null")
        if not isinstance(measured, list):
            raise ValueError(measured.get("error") if isinstance(measured, dict) else "no answer")
        return measured

    def expect(self) -> int | None:
        """The number of a batch about to be played, whose masks the page is to push; None when
        its frame would not take them at once (not read from a window, or Chromium behind:
        Screencast.measure_early)."""
        window = self._window
        if window is None or not window.reading or self._load.lag > BEHIND_S:
            return None
        self._batches += 1
        self._drop_next()
        loop = asyncio.get_running_loop()
        self._next = (self._batches, loop.time(), loop.create_future())
        return self._batches

    def take(self) -> Measuring | None:
        """The last batch's masks for the drawing just reported, on their way; None when no
        batch left since the last drawing, or too long ago."""
        taken, self._next = self._next, None
        if taken is None:
            return None
        batch, sent, pushed = taken
        if asyncio.get_running_loop().time() - sent > WAIT_S:
            _drop(pushed)
            return None
        self._taken[batch] = pushed
        measuring = asyncio.ensure_future(self._in_time(pushed))
        measuring.add_done_callback(lambda _: self._forget(batch))
        return measuring

    def close(self) -> None:
        self._drop_next()
        for batch in list(self._taken):
            self._forget(batch)

    def _drop_next(self) -> None:
        if self._next is not None:
            _drop(self._next[2])
            self._next = None

    async def _in_time(self, pushed: asyncio.Future[Measured]) -> Measured:
        try:
            return await asyncio.wait_for(pushed, WAIT_S)
        except TimeoutError:
            return await self.measure()

    def _forget(self, batch: int) -> None:
        pushed = self._taken.pop(batch, None)
        if pushed is not None:  # Its measurement cancelled, maybe before it began to wait.
            _drop(pushed)

    def _called(self, event: dict[str, Any]) -> None:
        if event.get("name") != BINDING:
            return
        try:
            push = _decoder.decode(event.get("payload", ""))
        except (msgspec.DecodeError, msgspec.ValidationError):
            return  # Not ours to trust: the drawing waits, then asks.
        pushed = self._taken.get(push.batch)
        if pushed is None and self._next is not None and self._next[0] == push.batch:
            pushed = self._next[2]
        if pushed is None or pushed.done():
            return
        if push.rects is None:
            pushed.set_exception(ValueError(push.error or "no masks measured"))
        else:
            pushed.set_result(push.rects)


def _drop(pushed: asyncio.Future[Measured]) -> None:
    """A push nobody waits for: cancelled, or its error read (never reported as unread)."""
    if pushed.done() and not pushed.cancelled():
        pushed.exception()
    pushed.cancel()
