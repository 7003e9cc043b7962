"""What changed in the render pages' windows (``[frames] capture = "windows"``), read as the X
server reports it: the X Damage extension names each rectangle Chromium drew into a window, and
only that part is read (GetImage). Runs on the event loop: a read is one round trip to a
local X server, under a millisecond for a changed line of a page (docs/benchmark.md). The events
waiting are taken together, each window's rectangles merged and read once, and the loop gets a
turn between two such batches: a page that draws every frame (an animation, the agent's
highlighter fading) cannot hold the loop, and the busier the machine the fewer, larger reads.
A window is told of its damage a turn before the read, so that what it starts then (the masks'
measurement, mirror/render/window_frames.py) is on its way while the loop waits for the read."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from Xlib import X
from Xlib.error import ConnectionClosedError, XError
from Xlib.ext import damage

from mirror.errors import BrowserUnavailable
from mirror.frames.frame import Rect
from mirror.render.xserver import XServer

log = logging.getLogger("cobrowse.render")

# A window's rectangle, its pixels (height x width x 4, BGRX as the X server keeps them), when
# it was drawn (the epoch's seconds) and whether the window was drawn in again before the read:
# then the pixels may be newer than the damage the window was told of.
OnPixels = Callable[[Rect, np.ndarray, float, bool], None]
OnDamage = Callable[[], None]
ALL_PLANES = 0xFFFFFFFF
WRAP_MS = 2**31
BATCH_EVENTS = 1024  # At most this many events a turn of the loop (each is a few bytes).
MERGED_RECTS = 4  # More rectangles than this in a window's batch: read their bounding box.


@dataclass
class Watched:
    window: Any  # python-xlib's window
    damage: Any  # the Damage extension's object watching it
    on_pixels: OnPixels
    on_damage: OnDamage
    within: Rect


def overlap(a: Rect, b: Rect) -> Rect | None:
    """The part of rectangle ``a`` inside ``b``, None when there is none."""
    left, top = max(a[0], b[0]), max(a[1], b[1])
    right, bottom = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    return (left, top, right - left, bottom - top) if right > left and bottom > top else None


def bounding(rects: list[Rect]) -> Rect:
    left, top = min(r[0] for r in rects), min(r[1] for r in rects)
    right, bottom = max(r[0] + r[2] for r in rects), max(r[1] + r[3] for r in rects)
    return left, top, right - left, bottom - top


def merged(rects: list[Rect]) -> list[Rect]:
    """The rectangles to read for ``rects`` drawn in one window: each once, none inside
    another, and their bounding box when there are many (one round trip instead of many)."""
    kept: list[Rect] = []
    for rect in dict.fromkeys(rects):  # In order, each once.
        if any(overlap(rect, other) == rect for other in kept):
            continue
        kept = [other for other in kept if overlap(other, rect) != other] + [rect]
    return [bounding(kept)] if len(kept) > MERGED_RECTS else kept


@dataclass
class Damaged:
    """A window's rectangles drawn since the last read, and when the first was drawn."""

    drawn_at: float
    rects: list[Rect]


class WindowReader:
    """One connection to the X server, watching the windows it is given."""

    def __init__(self, server: XServer) -> None:
        self._x = server.connect()
        self._x.set_error_handler(self._async_error)
        self._x.damage_query_version()  # The extension answers no other request before it.
        extension = self._x.query_extension("DAMAGE")
        if extension is None:
            raise BrowserUnavailable("the X server has no Damage extension")
        # python-xlib gives each connection its own copy of the event's class: told by its code.
        self._notify = extension.first_event + damage.DamageNotifyCode
        self._watched: dict[int, Watched] = {}
        self._fd = self._x.fileno()
        self._closed = False  # Its X server went with its browser (render/supervisor.py).
        # The least (arrival - the X server's time of the event) seen, in ms: the events that
        # came at once. An event that waited longer was read that much later than drawn.
        self._quickest = float("inf")
        self._again: asyncio.Handle | None = None  # The next batch, when events wait queued.
        self._batch: dict[int, Damaged] = {}  # Damage told of, to be read at the next turn.
        self._reading: asyncio.Handle | None = None
        asyncio.get_running_loop().add_reader(self._fd, self._events)

    def watch(self, window: int, on_pixels: OnPixels, on_damage: OnDamage, within: Rect) -> None:
        """``on_pixels`` gets each rectangle drawn in ``window``'s part ``within`` from now on
        (the part of it drawn there), until unwatch; ``on_damage`` is called when a drawing is
        reported, before its pixels are read."""
        resource = self._x.create_resource_object("window", window)
        # Added to windows by the extension, unknown to the type stubs.
        watch = resource.damage_create(damage.DamageReportRawRectangles)  # type: ignore[attr-defined]
        self._x.flush()
        self._watched[window] = Watched(resource, watch, on_pixels, on_damage, within)

    def within(self, window: int, within: Rect) -> None:
        """The part of ``window`` read from now on."""
        if window in self._watched:
            self._watched[window].within = within

    def unwatch(self, window: int) -> None:
        watched = self._watched.pop(window, None)
        if watched is not None and not self._closed:
            self._x.damage_destroy(watched.damage)  # An error if the window went first: ignored.
            self._x.flush()

    def read(self, window: int, rect: Rect) -> np.ndarray | None:
        """``rect`` of ``window`` now; None when the window is gone or the rectangle is not in
        it (a read races the window's close or resize)."""
        watched = self._watched.get(window)
        if watched is None:
            return None
        try:
            image = watched.window.get_image(*rect, X.ZPixmap, ALL_PLANES)
        except XError:
            return None
        pixels = np.frombuffer(image.data, dtype=np.uint8)
        if pixels.size != rect[2] * rect[3] * 4:
            return None
        return pixels.reshape(rect[3], rect[2], 4)

    def _events(self) -> None:
        # Called when the socket has data or for events left queued: one batch either way.
        if self._again is not None:
            self._again.cancel()
            self._again = None
        self._guarded(self._take_events)

    def _take_events(self) -> None:
        self._told(self._damaged())
        self._again_if_queued()

    def _told(self, damaged: dict[int, Damaged]) -> None:
        """Each window of ``damaged`` told of it; its rectangles read at the next turn."""
        for window, drawn in damaged.items():
            if window in self._batch:
                self._batch[window].rects += drawn.rects
            else:
                self._batch[window] = drawn
            watched = self._watched.get(window)
            if watched is not None:
                watched.on_damage()
        if self._batch and self._reading is None:
            self._reading = asyncio.get_running_loop().call_soon(self._guarded, self._read)

    def _read(self) -> None:
        self._reading = None
        batch, self._batch = self._batch, {}
        for window, damaged in batch.items():
            read = [(rect, self.read(window, rect)) for rect in merged(damaged.rects)]
            # Events that came during the reads were drawn before the last read's reply (the X
            # server sends each event before the replies that follow it): the window may show
            # more than it was told of. They are told after its pixels.
            later = self._damaged()
            watched = self._watched.get(window)
            for rect, pixels in read:
                if watched is not None and pixels is not None:
                    watched.on_pixels(rect, pixels, damaged.drawn_at, window not in later)
            self._told(later)
        self._again_if_queued()

    def _again_if_queued(self) -> None:
        # Events read from the socket during the round trips wait in python-xlib's queue, which
        # the socket's readiness no longer tells of: they are the next turn's batch.
        if self._again is None and not self._closed and self._x.pending_events():
            self._again = asyncio.get_running_loop().call_soon(self._events)

    def _guarded(self, work: Callable[[], None]) -> None:
        if self._closed:
            return
        try:
            work()
        except ConnectionClosedError as exc:
            # The X server is gone, and Chromium with it: its supervisor starts both again.
            log.error("the render windows' X server closed the connection: %s", exc)
            self.close()

    def _damaged(self) -> dict[int, Damaged]:
        """The rectangles of the events waiting now, by window, within the part watched."""
        damaged: dict[int, Damaged] = {}
        for _ in range(BATCH_EVENTS):
            if not self._x.pending_events():
                break
            event = self._x.next_event()
            if event.type & 0x7F != self._notify:  # The top bit marks a sent event.
                continue
            drawn = self._drawn_at(event.timestamp)
            window = event.drawable.id
            watched = self._watched.get(window)
            area = event.area
            rect = watched and overlap((area.x, area.y, area.width, area.height), watched.within)
            if not rect:
                continue
            if window in damaged:
                damaged[window].rects.append(rect)
            else:
                damaged[window] = Damaged(drawn, [rect])
        return damaged

    def _drawn_at(self, server_ms: int) -> float:
        """When an event's drawing was done, on the epoch's clock, from the X server's time of
        the event (milliseconds on a clock of its own)."""
        now = time.monotonic() * 1000
        since = now - server_ms
        if since < self._quickest - WRAP_MS:  # The X server's clock wrapped (every 49 days).
            self._quickest = float("inf")
        self._quickest = min(self._quickest, since)
        return time.time() - (since - self._quickest) / 1000

    def _async_error(self, error: XError, request: Any) -> None:
        # A request on a window closed meanwhile (its page's context closed): nothing to do.
        log.debug("X error on a render window: %s", error)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for handle in (self._again, self._reading):
            if handle is not None:
                handle.cancel()
        asyncio.get_running_loop().remove_reader(self._fd)
        self._watched.clear()
        with contextlib.suppress(ConnectionClosedError, OSError):
            self._x.close()
