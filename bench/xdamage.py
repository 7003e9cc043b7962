"""Pixels read from windows on an X display as they change: the X Damage extension reports the
rectangles a window's contents changed in, and only those are read (GetImage). The display's
windows are redirected off-screen (the Composite extension), so each keeps all its pixels
whatever overlaps it and wherever it sits."""

from __future__ import annotations

import contextlib
import select
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from Xlib import X, display
from Xlib.ext import composite, damage

Rect = tuple[int, int, int, int]  # x, y, width, height, in the window's pixels
# A window's id, the rectangle read and its pixels (BGRX, 4 bytes a pixel, row by row).
OnPixels = Callable[[int, Rect, bytes], None]
POLL_S = 0.05  # How long the reader waits for events before looking whether it should stop.


@dataclass
class ReadStats:
    reads: int = 0
    bytes: int = 0
    seconds: float = 0.0


@contextlib.contextmanager
def redirected(name: str) -> Iterator[None]:
    """Every top-level window of ``name``'s screen kept off-screen, whole, while inside: the
    redirection lasts as long as the connection that asked for it."""
    x = display.Display(name)
    try:
        x.screen().root.composite_redirect_subwindows(composite.RedirectAutomatic)
        x.sync()
        yield
    finally:
        x.close()


def windows_at(name: str, corners: list[tuple[int, int]]) -> list[int]:
    """The top-level windows whose top-left corners are ``corners``, in that order."""
    x = display.Display(name)
    try:
        found = {}
        for child in x.screen().root.query_tree().children:
            geometry = child.get_geometry()
            found[(geometry.x, geometry.y)] = child.id
        missing = [c for c in corners if c not in found]
        if missing:
            raise RuntimeError(f"no window at {missing} on {name}")
        return [found[corner] for corner in corners]
    finally:
        x.close()


class DamageReader:
    """Reads what changed in ``windows`` on display ``name`` in a thread of its own, handing
    each read to ``on_pixels`` (in that thread) until ``stop``."""

    def __init__(self, name: str, windows: list[int], on_pixels: OnPixels) -> None:
        self._name, self._windows, self._on_pixels = name, windows, on_pixels
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="damage reader", daemon=True)
        self.stats = ReadStats()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> ReadStats:
        self._stopping.set()
        self._thread.join(timeout=5)
        return self.stats

    def _run(self) -> None:
        x = display.Display(self._name)
        x.damage_query_version()  # The extension answers no other request before this one.
        # python-xlib gives each connection its own copy of the event's class: told by its code.
        notify = x.query_extension("DAMAGE").first_event + damage.DamageNotifyCode
        windows = {wid: x.create_resource_object("window", wid) for wid in self._windows}
        for window in windows.values():
            window.damage_create(damage.DamageReportRawRectangles)
        x.flush()
        try:
            while not self._stopping.is_set():
                if not x.pending_events():
                    select.select([x], [], [], POLL_S)
                while x.pending_events():
                    event = x.next_event()
                    if event.type & 0x7F == notify:  # The top bit marks a sent event.
                        self._read(windows[event.drawable.id], event.area)
        finally:
            x.close()

    def _read(self, window: object, area: object) -> None:
        box = (area.x, area.y, area.width, area.height)  # type: ignore[attr-defined]
        started = time.perf_counter()
        image = window.get_image(*box, X.ZPixmap, 0xFFFFFFFF)  # type: ignore[attr-defined]
        self.stats.seconds += time.perf_counter() - started
        self.stats.reads += 1
        self.stats.bytes += len(image.data)
        self._on_pixels(window.id, box, image.data)  # type: ignore[attr-defined]
