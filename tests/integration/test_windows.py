"""Frames read from a render page's window on the server's own X server (real Xvfb, real
Chromium): what is drawn reaches the frame, colour for colour, at the page's size, and nobody
without the server's cookie can reach the X server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.async_api import Page
from Xlib import display
from Xlib.error import DisplayError

from mirror.errors import BrowserUnavailable
from mirror.frames.frame import Frame, Rect
from mirror.render.browser import ChromiumHost
from mirror.render.load import CaptureLoad
from mirror.render.screencast import Measuring
from mirror.render.supervisor import SupervisedChromium
from mirror.render.window_frames import MeasureEarly, WindowFrames
from mirror.render.window_reader import WindowReader
from mirror.render.windows import Windows
from mirror.wire import Viewport
from tests.aio import in_thread
from tests.waiting import wait_for

PAGE = """<body style="margin:0;background:#fff">
<div id="square" style="position:absolute;left:100px;top:50px;width:40px;height:40px;
background:rgb(200,20,20)"></div></body>"""
BLUE_SQUARE = "document.getElementById('square').style.background = 'rgb(0,0,255)'"
GREEN_SQUARE = "document.getElementById('square').style.background = 'rgb(0,160,0)'"
WAIT_S = 20.0
Opened = tuple[Page, WindowFrames, "asyncio.Queue[Frame]"]
RED, BLUE, GREEN = (200, 20, 20), (0, 0, 255), (0, 160, 0)


@asynccontextmanager
async def window(
    viewport: Viewport,
    scale: float = 1.0,
    load: CaptureLoad | None = None,
    measure_early: MeasureEarly = lambda: None,
    measured: dict[int, Measuring | None] | None = None,
) -> AsyncIterator[tuple[Page, WindowFrames, asyncio.Queue[Frame]]]:
    """A page's window read; each frame handed on is put in the queue, the measurement that
    went with it in ``measured`` (by the frame's id)."""
    host = await ChromiumHost.launch(windowed=True)
    assert host.windows is not None
    frames: asyncio.Queue[Frame] = asyncio.Queue()
    with_frames = {} if measured is None else measured

    def take(frame: Frame, _at: float, measuring: Measuring | None) -> None:
        with_frames[id(frame)] = measuring
        frames.put_nowait(frame)

    try:
        context = await host.browser.new_context(no_viewport=True)
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        load = load or CaptureLoad(scale, scale)
        reading = WindowFrames(host.windows, take, load, measure_early)
        await reading.open(page, cdp, viewport)
        yield page, reading, frames
        reading.close()
    finally:
        await host.close()


async def frame_where(frames: asyncio.Queue[Frame], shows: object) -> Frame:
    """The first frame for which ``shows(frame)`` holds."""
    async with asyncio.timeout(WAIT_S):
        while True:
            frame = await frames.get()
            if shows(frame):  # type: ignore[operator]
                return frame


def shows(bgrx: np.ndarray, rgb: tuple[int, int, int]) -> bool:
    """Whether any pixel of a rectangle read from a window (BGRX) is ``rgb``."""
    return bool((bgrx[..., 2::-1] == rgb).all(axis=-1).any())


def colour(frame: Frame, x: int, y: int) -> tuple[int, int, int]:
    red, green, blue, _ = (int(v) for v in frame.pixels[y, x])
    return red, green, blue


@in_thread
async def test_what_is_drawn_in_the_window_is_the_frame() -> None:
    async with window(Viewport(width=640, height=400)) as (page, _, frames):
        await page.set_content(PAGE)
        first = await frame_where(frames, lambda f: colour(f, 120, 70) == RED)
        assert (first.width, first.height) == (640, 400)
        assert colour(first, 10, 10) == (255, 255, 255)  # The page, not the browser's bar.
        await page.evaluate(BLUE_SQUARE)
        changed = await frame_where(frames, lambda f: colour(f, 120, 70) == BLUE)
        assert colour(changed, 300, 300) == (255, 255, 255)
        assert colour(first, 120, 70) == RED  # A frame handed on never changes after.


async def blue_square_measurement(
    measure_early: MeasureEarly, before: Callable[[WindowFrames], None] = lambda _: None
) -> Measuring | None:
    """The measurement that goes with the frame of the page's square turned blue; ``before``
    is given the page's window frames before the change."""
    measured: dict[int, Measuring | None] = {}
    viewport = Viewport(width=640, height=400)
    async with window(viewport, measure_early=measure_early, measured=measured) as opened:
        page, reading, frames = opened
        await page.set_content(PAGE)
        await frame_where(frames, lambda f: colour(f, 120, 70) == RED)
        before(reading)
        await page.evaluate(BLUE_SQUARE)
        blue = await frame_where(frames, lambda f: colour(f, 120, 70) == BLUE)
        return measured[id(blue)]


@in_thread
async def test_a_measurement_started_when_a_drawing_is_reported_goes_with_its_frame() -> None:
    started: list[Measuring] = []

    def measure_early() -> Measuring:
        started.append(asyncio.get_running_loop().create_future())
        return started[-1]

    # Started before the read: on its way meanwhile.
    assert await blue_square_measurement(measure_early) in started


@in_thread
async def test_a_whole_read_after_a_drawing_was_reported_goes_without_its_measurement() -> None:
    # The whole window is read between the report of the blue square's drawing and the read of
    # what it drew: that read may hold more than the measurement started at the report saw.
    changing: list[WindowFrames] = []

    def measure_early() -> Measuring:
        if changing:
            reading = changing.pop()
            reading.reading = False  # What is drawn meanwhile is not read: read all again...
            reading.reading = True
            asyncio.get_running_loop().call_soon(reading.read_all)  # ...before the report's read.
        return asyncio.get_running_loop().create_future()

    assert await blue_square_measurement(measure_early, changing.append) is None


@asynccontextmanager
async def plain_window(width: int, height: int) -> AsyncIterator[tuple[Windows, Any, Any]]:
    """A window of a client of the render windows' X server of its own, no browser: drawn in
    as a test says, with the X server done with each drawing when it returns (fill)."""
    windows = await Windows.start()
    x = windows.server.connect()
    try:
        screen = x.screen()
        drawn = screen.root.create_window(0, 0, width, height, 0, screen.root_depth)
        drawn.map()
        x.sync()
        yield windows, drawn, x
    finally:
        x.close()
        await windows.close()


def fill(x: Any, drawn: Any, rgb: tuple[int, int, int]) -> None:
    red, green, blue = rgb
    pen = drawn.create_gc(foreground=red << 16 | green << 8 | blue)
    geometry = drawn.get_geometry()
    drawn.fill_rectangle(pen, 0, 0, geometry.width, geometry.height)
    x.sync()


@in_thread
async def test_a_window_drawn_in_again_before_it_is_read_is_read_as_newer() -> None:
    # Told of a drawing, the window is drawn in again before its pixels are read: the read
    # shows the second drawing, and says so (what was started when told is older than it).
    async with plain_window(64, 48) as (windows, drawn, x):
        reads: asyncio.Queue[tuple[tuple[int, int, int], bool]] = asyncio.Queue()
        told: list[int] = []

        def on_damage() -> None:
            told.append(len(told))
            if len(told) == 1:
                fill(x, drawn, BLUE)

        def on_pixels(_rect: Rect, pixels: np.ndarray, _at: float, settled: bool) -> None:
            red, green, blue, _ = (int(v) for v in pixels[0, 0, [2, 1, 0, 3]])
            reads.put_nowait(((red, green, blue), settled))

        windows.reader.watch(drawn.id, on_pixels, on_damage, (0, 0, 64, 48))
        fill(x, drawn, RED)
        async with asyncio.timeout(WAIT_S):
            assert await reads.get() == (BLUE, False)
            assert await reads.get() == (BLUE, True)  # Told of the second: nothing since.
        assert told == [0, 1]


@in_thread
async def test_a_resized_page_gives_frames_of_its_new_size() -> None:
    async with window(Viewport(width=640, height=400)) as (page, reading, frames):
        await page.set_content(PAGE)
        await frame_where(frames, lambda f: colour(f, 120, 70) == RED)
        await page.set_viewport_size({"width": 500, "height": 300})  # As the emulation does.
        await reading.resize(Viewport(width=500, height=300))
        await frame_where(
            frames, lambda f: (f.width, f.height) == (500, 300) and colour(f, 120, 70) == RED
        )
        assert await page.evaluate("[innerWidth, innerHeight]") == [500, 300]


@in_thread
async def test_at_half_scale_every_other_pixel_is_handed_on() -> None:
    async with window(Viewport(width=640, height=400), scale=0.5) as (page, _, frames):
        await page.set_content(PAGE)
        half = await frame_where(frames, lambda f: colour(f, 60, 35) == RED)
        assert (half.width, half.height) == (320, 200)
        assert colour(half, 5, 5) == (255, 255, 255)


@in_thread
async def test_a_repaint_of_a_picture_read_in_full_reads_nothing_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[tuple[int, int, int, int]] = []
    read = WindowReader.read
    monkeypatch.setattr(WindowReader, "read", lambda *a: reads.append(a[2]) or read(*a))
    async with window(Viewport(width=640, height=400)) as (page, reading, frames):
        await page.set_content(PAGE)
        await frame_where(frames, lambda f: colour(f, 120, 70) == RED)
        reading.read_all()
        assert reads[-1][2:] == (640, 400)  # The first whole read is from the window...
        reads.clear()
        reading.read_all()
        assert reads == []  # ...the next is not...
        await frame_where(frames, lambda f: colour(f, 120, 70) == RED)  # ...yet a frame comes.


@in_thread
async def test_what_was_drawn_while_not_read_is_read_when_reading_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unread = asyncio.Event()  # The blue square was drawn while not read.
    passing = [True]  # Whether what the window reports drawn reaches the picture.
    drawn = WindowFrames._drawn

    def spy(
        reading: WindowFrames, rect: Rect, pixels: np.ndarray, at: float, settled: bool
    ) -> None:
        if not reading.reading and shows(pixels, BLUE):
            unread.set()
        if passing[0]:
            drawn(reading, rect, pixels, at, settled)

    monkeypatch.setattr(WindowFrames, "_drawn", spy)
    async with window(Viewport(width=640, height=400)) as (page, reading, frames):
        await page.set_content(PAGE)
        await frame_where(frames, lambda f: colour(f, 120, 70) == RED)
        reading.read_all()  # The picture is whole...
        reading.reading = False  # ...till what is drawn is no longer read.
        await page.evaluate(BLUE_SQUARE)
        async with asyncio.timeout(WAIT_S):
            await unread.wait()
        reading.reading = True
        reading.read_all()  # It reaches the picture through this whole read only...
        passing[0] = False  # ...not through Chromium's later draws of the same change.
        await frame_where(frames, lambda f: colour(f, 120, 70) == BLUE)


@in_thread
async def test_frames_follow_the_capture_scale_down_and_back_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    narrow = [False]  # Whether draws are reported as the square's columns only.
    drawn = WindowFrames._drawn

    def spy(
        reading: WindowFrames, rect: Rect, pixels: np.ndarray, at: float, settled: bool
    ) -> None:
        x, y, width, height = rect
        if narrow[0] and x <= 100 and x + width >= 140:
            rect, pixels = (100, y, 40, height), pixels[:, 100 - x : 140 - x]
        drawn(reading, rect, pixels, at, settled)

    monkeypatch.setattr(WindowFrames, "_drawn", spy)
    load = CaptureLoad(1.0, 0.5)
    async with window(Viewport(width=640, height=400), load=load) as (page, _, frames):
        await page.set_content(PAGE)
        await frame_where(frames, lambda f: colour(f, 120, 70) == RED)
        load.scale = 0.5  # The machine fell behind.
        await page.evaluate(BLUE_SQUARE)
        half = await frame_where(frames, lambda f: f.width == 320 and colour(f, 60, 35) == BLUE)
        assert (half.height, colour(half, 5, 5)) == (200, (255, 255, 255))
        load.scale, narrow[0] = 1.0, True  # Caught up, and a draw reported as a small part:
        await page.evaluate(GREEN_SQUARE)  # the rest of the full picture is read too.
        full = await frame_where(frames, lambda f: f.width == 640 and colour(f, 120, 70) == GREEN)
        assert (full.height, colour(full, 10, 10), colour(full, 600, 380)) == (
            400,
            (255, 255, 255),
            (255, 255, 255),
        )


# python-xlib leaves the refused connection's socket to the collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@in_thread
async def test_the_x_server_refuses_a_client_without_its_cookie(tmp_path: Path) -> None:
    host = await ChromiumHost.launch(windowed=True)
    assert host.windows is not None
    name = host.windows.server.name
    before = os.environ.get("XAUTHORITY")
    try:
        (tmp_path / "empty").write_bytes(b"")
        os.environ["XAUTHORITY"] = str(tmp_path / "empty")
        with pytest.raises(DisplayError):
            display.Display(name)
    finally:
        if before is not None:
            os.environ["XAUTHORITY"] = before
        await host.close()


def failing_xvfb(folder: Path) -> str:
    """A PATH whose Xvfb exits at once, as one that cannot open its sockets does."""
    (folder / "Xvfb").write_text("#!/bin/sh\nexit 1\n")
    (folder / "Xvfb").chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


@in_thread
async def test_auto_takes_the_screencast_when_windows_cannot_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", failing_xvfb(tmp_path))
    host = await SupervisedChromium.start_capturing("auto", 1.0)
    try:
        assert host.windows is None
        page = await (await host.browser()).new_page()
        assert await page.evaluate("1 + 1") == 2
    finally:
        await host.close()
    with pytest.raises(BrowserUnavailable, match="Xvfb did not start"):
        await SupervisedChromium.start_capturing("windows", 1.0)


# A process that starts an X server and waits, saying the X server's process id.
STARTS_AN_X_SERVER = """
import asyncio, os, pathlib
from mirror.render.xserver import XServer
async def main():
    await XServer.start()
    me = os.getpid()
    print(pathlib.Path(f"/proc/{me}/task/{me}/children").read_text().strip(), flush=True)
    await asyncio.sleep(3600)  # ok-sleep: waits to be killed.
asyncio.run(main())
"""


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie nobody reaped is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_the_x_server_goes_with_the_process_that_started_it_when_that_is_killed() -> None:
    # A server killed outright (the kernel's OOM killer, kill -9) cannot close its X server: the
    # X server must end by itself once its clients are gone, not stay with its 90 MB.
    command = [sys.executable, "-c", STARTS_AN_X_SERVER]
    with subprocess.Popen(command, stdout=subprocess.PIPE) as starter:
        assert starter.stdout is not None
        xvfb = int(starter.stdout.readline())
        assert running(xvfb)
        starter.kill()
    wait_for(lambda: not running(xvfb), "end of the X server after its starter was killed")
