"""A render page's frames read from its window (``[frames] capture = "windows"``): the page's
window is sized so that the page's viewport fills the part below the browser's own bar, each
rectangle X Damage reports is copied into the page's picture, and the picture is handed on as a
frame once the rectangles of a draw are in (mirror/render/screencast.py redacts and posts it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from playwright.async_api import CDPSession, Page

from mirror.frames.frame import Frame, Rect
from mirror.render.load import CaptureLoad
from mirror.render.screencast import Measuring
from mirror.render.windows import Windows
from mirror.wire import Viewport

BGR = (2, 1, 0)  # Where red, green and blue are in an X window's pixels (BGRX).
OPEN_MS = 10_000  # How long a new window has to take its size.


# A frame handed on, when its first rectangle was drawn (the epoch's seconds), and the masks'
# measurement started for it, if any (see WindowFrames).
Take = Callable[[Frame, float, Measuring | None], None]
# A measurement of the masks started now, or None when the frame would wait anyway.
MeasureEarly = Callable[[], Measuring | None]


class WindowFrames:
    """Frames of one page's window while :attr:`reading`, handed to ``take`` with the time
    their first rectangle was drawn; at the machine's capture scale (mirror/render/load.py),
    every other pixel of each other row at half scale, while it is behind.

    A frame's masks are measured after its pixels were drawn (mirror/render/screencast.py): a
    measurement started when a drawing is reported, before the read, goes with the frame only
    when nothing was drawn in the window between that report and the read, and no read of the
    whole window came after it. It is then on its way while the window is read.
    """

    def __init__(
        self, windows: Windows, take: Take, load: CaptureLoad, measure_early: MeasureEarly
    ) -> None:
        self._windows, self._take, self._load = windows, take, load
        self._measure_early = measure_early
        self._measuring: Measuring | None = None
        self._window: int | None = None  # The X window's id, once found.
        self._cdp: CDPSession | None = None
        self._target: Any = None  # Chromium's id of the window (Browser.setWindowBounds).
        self._bar = 0  # The height of the browser's own bar above the page.
        self._width = 0  # The window's width (at least the page's).
        self._size = (0, 0)  # The page part's height and width, in the window's pixels.
        # The page's part, RGBX, at the capture scale: every step-th pixel of every step-th row
        # (a picture held at the full size while frames go small cost 3 MB more a session).
        self._step = 1
        # The picture's pixels, and the picture as a frame (_hold). Once handed on, a frame's
        # pixels never change (the agent's patches are cut from them): the next draw goes into
        # a copy. Until then the last frame and the picture are one, 4 MB a 1280x800 session.
        self._hold(np.zeros((0, 0, 4), dtype=np.uint8))
        self._flush: asyncio.Handle | None = None
        self._drawn_at = 0.0  # When the first rectangle of the frame being made was drawn.
        self._reading = True
        # The picture holds all that was drawn since the last whole read: a repaint need not
        # read the window again (a whole read takes a 1280x800 window's 4 MB over the socket).
        self._current = False

    @property
    def reading(self) -> bool:
        """Whether what is drawn is read (the agent sees the view); what is drawn meanwhile is
        not, until the next whole read."""
        return self._reading

    @reading.setter
    def reading(self, reading: bool) -> None:
        self._reading = reading
        self._current = self._current and reading

    async def open(self, page: Page, cdp: CDPSession, viewport: Viewport) -> None:
        """Put the page's window at a place of its own, learn the height of the browser's bar
        above the page, make the window hold ``viewport`` and read what is drawn in it from now
        on. Called before any viewport is emulated, so the page's inner size is the window's."""
        self._cdp = cdp
        self._target = (await cdp.send("Browser.getWindowForTarget"))["windowId"]
        corner = self._windows.corner()
        width, height = viewport.width, viewport.height
        taken = await self._bound(
            {"left": corner[0], "top": corner[1], "width": width, "height": height}
        )
        # The page learns its window's size after Chromium answers: the bar once it has.
        sized = "([w, h]) => outerWidth === w && outerHeight === h && innerWidth === w"
        await page.wait_for_function(sized, arg=[taken["width"], taken["height"]], timeout=OPEN_MS)
        self._bar = int(await page.evaluate("outerHeight - innerHeight"))
        # From now on the page is exactly the viewport, in the window's top left corner.
        await page.set_viewport_size({"width": width, "height": height})
        await self.resize(viewport)
        window = await self._windows.find(corner, self._width)
        if window is None:
            raise RuntimeError(f"the render page's window is not on the X server at {corner}")
        self._window = window
        self._windows.reader.watch(window, self._drawn, self._reported, self._page_part())

    async def resize(self, viewport: Viewport) -> None:
        """The window holds ``viewport`` (the page's emulated size) below its bar; only that
        part is read. The picture follows at the next read."""
        taken = await self._bound({"width": viewport.width, "height": viewport.height + self._bar})
        self._width = taken["width"]
        self._size = (viewport.height, viewport.width)
        self._step = self._load_step()
        self._hold(self._blank())
        self._current = False
        if self._window is not None:
            self._windows.reader.within(self._window, self._page_part())
        self.read_all()

    async def _bound(self, bounds: dict[str, int]) -> dict[str, int]:
        """The window given ``bounds``; the bounds it took (Chromium keeps a window above a
        least size: a phone's screen is narrower)."""
        assert self._cdp is not None  # Opened.
        window = {"windowId": self._target}
        await self._cdp.send("Browser.setWindowBounds", {**window, "bounds": bounds})
        taken: dict[str, int] = (await self._cdp.send("Browser.getWindowBounds", window))["bounds"]
        return taken

    def _page_part(self) -> Rect:
        """The page's part of the window: all but the browser's bar."""
        height, width = self._size
        return 0, self._bar, width, height

    def _load_step(self) -> int:
        return max(1, round(1 / self._load.scale))

    def _blank(self) -> np.ndarray:
        height, width = (-(-side // self._step) for side in self._size)
        return np.zeros((height, width, 4), dtype=np.uint8)

    def _follow_scale(self) -> None:
        """The picture at the capture scale now: cut from the one held when it is smaller, read
        anew from the window when it is larger."""
        step = self._load_step()
        if step == self._step:
            return
        smaller, cut = step % self._step == 0, step // self._step
        self._step = step
        if smaller:
            kept = self._pixels.view(np.uint32)[::cut, ::cut]
            self._hold(np.ascontiguousarray(kept).view(np.uint8))
            return
        self._hold(self._blank())
        self._current = False
        self._read_whole()

    def read_all(self) -> None:
        """A frame of the whole page part now (the agent looks again, the window was resized,
        the masks moved): read from the window unless the picture already holds it."""
        if self._window is None or not self.reading:
            return
        self._follow_scale()
        if self._current or self._read_whole():
            self._hand_on_soon(time.time())

    def _read_whole(self) -> bool:
        """The whole page part read into the picture; False when it could not be."""
        if self._window is None or not self.reading:
            return False
        part = self._page_part()
        self._measuring = None  # The window read now may be newer than it.
        pixels = self._windows.reader.read(self._window, part)
        self._current = pixels is not None and self._copy(part, pixels)
        return self._current

    def _reported(self) -> None:
        """Something was drawn in the window: its pixels are read at the next turn."""
        if self.reading:
            self._measuring = self._measure_early()

    def _drawn(self, rect: Rect, pixels: np.ndarray, drawn_at: float, settled: bool) -> None:
        """A rectangle of the window's page part (BGRX): copied into the picture, the frame
        handed on once this turn of the event loop has read every rectangle of the draw."""
        if not self.reading:
            return
        if not settled:
            self._measuring = None
        self._follow_scale()
        if self._copy(rect, pixels):
            self._hand_on_soon(drawn_at)
        else:  # Read before a resize reached the picture: the next whole read has it.
            self._current = False

    def _copy(self, rect: Rect, pixels: np.ndarray) -> bool:
        """The pixels of ``rect`` (BGRX) that the picture keeps, copied in; False when the
        rectangle is not within the page's part."""
        x, y, width, height = rect
        top, step = y - self._bar, self._step
        if top < 0 or top + height > self._size[0] or x + width > self._size[1]:
            return False
        skip_rows, skip_columns = -top % step, -x % step  # To the first row and column kept.
        kept = pixels[skip_rows::step, skip_columns::step]
        into = self._writable()[(top + skip_rows) // step :, (x + skip_columns) // step :]
        into = into[: kept.shape[0], : kept.shape[1]]
        # Channel by channel: seven times faster than one copy through an index array.
        for channel, source in enumerate(BGR):
            into[..., channel] = kept[..., source]
        return True

    def _hold(self, pixels: np.ndarray) -> None:
        self._pixels, self._picture, self._handed_on = pixels, Frame(pixels, jpeg=None), False

    def _writable(self) -> np.ndarray:
        """The picture's pixels to draw into: a copy once the picture was handed on (in a
        lent buffer, mirror/frames/buffers.py)."""
        if self._handed_on:
            # From the pixels kept here: the frame's own go once its page rests (Frame.shed).
            copied = Frame(self._pixels, jpeg=None).copy()
            self._pixels, self._picture, self._handed_on = copied.pixels, copied, False
        return self._pixels

    def _hand_on_soon(self, drawn_at: float) -> None:
        if self._flush is None:
            self._drawn_at = drawn_at
            self._flush = asyncio.get_running_loop().call_soon(self._hand_on)

    def _hand_on(self) -> None:
        self._flush = None
        self._follow_scale()
        if not self._picture.decoded:  # Its pixels let go of while its page rested.
            self._hold(self._pixels)
        self._handed_on = True
        measuring, self._measuring = self._measuring, None
        self._take(self._picture, self._drawn_at, measuring)

    def close(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
        if self._window is not None:
            self._windows.reader.unwatch(self._window)
            self._window = None
