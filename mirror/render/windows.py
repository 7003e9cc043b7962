"""The render pages' windows on the server's own X server (``[frames] capture = "windows"``):
the X server, the reader of what changed in them, and where each new window is put, since a
window is found on the X server by its corner (Chromium does not say which X window is a
page's). The windows overlap freely: they are redirected off-screen (mirror/render/xserver.py).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil

from mirror.render.window_reader import WindowReader
from mirror.render.xserver import XServer

ROWS = 512  # Corners cycle through ROWS x ROWS places before one is used again.
FIND_TRIES = 50  # A window moved is found on the X server within this many looks...
FIND_WAIT_S = 0.01  # ...this far apart (the move reaches X after Chromium answers).


def windowed(capture: str, scale: float, chromium: str | None = None) -> bool:
    """Whether the render pages go in windows (``[frames] capture``): asked for, or "auto" on a
    machine with Xvfb when frames are at the customer's full size (a window is read at that
    size only; the screencast scales its frames) and ``chromium`` (``CHROMIUM``) is not a
    headless shell, which has no windows."""
    if capture == "auto":
        shell = chromium is not None and "headless-shell" in os.path.basename(chromium)
        return scale == 1 and not shell and shutil.which("Xvfb") is not None
    return capture == "windows"


class Windows:
    """One Chromium's X server and the reader of its windows."""

    def __init__(self, server: XServer, reader: WindowReader) -> None:
        self.server, self.reader = server, reader
        self._places = itertools.count()

    @classmethod
    async def start(cls) -> Windows:
        server = await XServer.start()
        return cls(server, WindowReader(server))

    @property
    def env(self) -> dict[str, str]:
        """What Chromium needs to draw on this X server."""
        return self.server.env

    def corner(self) -> tuple[int, int]:
        """A place no other live window has (windows live far shorter than the cycle); none
        at the screen's edges, where Chromium keeps small windows of its own."""
        place = next(self._places) % (ROWS * ROWS)
        return 1 + place % ROWS, 1 + place // ROWS

    async def find(self, corner: tuple[int, int], width: int) -> int | None:
        """The X window ``width`` wide at ``corner``, once the move that put it there has
        reached X."""
        for _ in range(FIND_TRIES):
            window = self.server.window_at(*corner, width)
            if window is not None:
                return window
            await asyncio.sleep(FIND_WAIT_S)
        return None

    async def close(self) -> None:
        self.reader.close()
        await self.server.close()
