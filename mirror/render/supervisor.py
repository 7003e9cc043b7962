"""The server's Chromium kept running: a browser that dies (the kernel's OOM killer, a crash) or
stops answering is replaced at once, with back-off while launches fail, and whoever listens
(the hub) is told, so that every live session gets a new render page from a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from playwright.async_api import Browser
from playwright.async_api import Error as PlaywrightError

from mirror.errors import BrowserUnavailable
from mirror.render import processes
from mirror.render.browser import ChromiumHost
from mirror.render.load import CaptureLoad
from mirror.render.windows import Windows, windowed

log = logging.getLogger("cobrowse.render")

PING_S = 2.0  # How often the browser is asked whether it still answers...
ANSWER_S = 5.0  # ...and how long it has to answer before it is replaced.
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # Between failed launches; the last repeats.
WAIT_S = 30.0  # How long a new render page waits for a browser being replaced.
RENDERER_KILL_S = 15.0  # Hung pages reported within this of a kill of the renderers: the same.
LOAD_CHECK_S = 1.0  # How often the capture scale is checked while no frame comes (load.py).

Listener = Callable[[], Awaitable[None]]


class SupervisedChromium:
    """The render pages' browser (:attr:`browser`), replaced whenever it is lost."""

    def __init__(
        self,
        host: ChromiumHost,
        explicit: str | None = None,
        ping_s: float = PING_S,
        answer_s: float = ANSWER_S,
        backoff_s: tuple[float, ...] = BACKOFF_S,
        load: CaptureLoad | None = None,
    ) -> None:
        self._host, self._explicit = host, explicit
        self._windowed = host.windows is not None  # Each new browser as the first.
        # Shared by its render pages: the scale of their frames (mirror/render/load.py).
        self.load = load or CaptureLoad()
        self._ping_s, self._answer_s, self._backoff_s = ping_s, answer_s, backoff_s
        self._up = asyncio.Event()
        self._up.set()
        self._listeners: list[Listener] = []
        self._watcher: asyncio.Task[None] | None = None
        self._load_checker: asyncio.Task[None] | None = None
        self.restarts = 0  # Browsers replaced since the server started.
        self._renderers_killed_at = -RENDERER_KILL_S

    @classmethod
    async def start(
        cls, explicit: str | None = None, load: CaptureLoad | None = None, windowed: bool = False
    ) -> SupervisedChromium:
        """Launch the first browser (raising BrowserUnavailable, as the server cannot serve
        without one), its pages in windows on an X server of its own when ``windowed``, and
        watch it from now on."""
        host = await ChromiumHost.launch(explicit, windowed=windowed)
        chromium = cls(host, explicit, load=load)
        chromium.watch()
        return chromium

    @classmethod
    async def start_capturing(
        cls,
        capture: str,
        scale: float,
        explicit: str | None = None,
        load: CaptureLoad | None = None,
    ) -> SupervisedChromium:
        """:meth:`start` for ``[frames] capture``: its pages in windows when :func:`windowed`
        says so; with "auto", on the screencast when windows cannot start here (an X server
        that does not come up, no Chromium with windows)."""
        in_windows = windowed(capture, scale, explicit)
        try:
            return await cls.start(explicit, load, in_windows)
        except BrowserUnavailable as exc:
            if not in_windows or capture != "auto":
                raise
            log.warning("render pages in windows cannot start (%s): using the screencast", exc)
            return await cls.start(explicit, load, windowed=False)

    def watch(self) -> None:
        self._watcher = asyncio.create_task(self._watch())
        self._load_checker = asyncio.create_task(self._check_load())

    @property
    def healthy(self) -> bool:
        """False while the browser is being replaced."""
        return self._up.is_set()

    async def browser(self) -> Browser:
        """The running browser, waiting while it is being replaced."""
        try:
            async with asyncio.timeout(WAIT_S):
                await self._up.wait()
        except TimeoutError:
            raise BrowserUnavailable("the render browser could not be started again") from None
        return self._host.browser

    async def answers(self) -> bool:
        """Whether the browser answers a question now (False while it is being replaced)."""
        if not self.healthy:
            return False
        try:
            async with asyncio.timeout(self._answer_s):
                cdp = await self._host.browser.new_browser_cdp_session()
                await cdp.send("Browser.getVersion")
                await cdp.detach()
        except (TimeoutError, PlaywrightError):
            return False
        return True

    def renderer_hung(self) -> None:
        """A page stopped answering while the browser answers: its renderer is stopped or
        stuck. Which renderer holds which page is not known (Chromium puts many pages in one),
        so every renderer is killed: each page crashes and is rebuilt in a new one. Pages that
        hung together report together: one kill serves them all."""
        now = time.monotonic()
        if now - self._renderers_killed_at < RENDERER_KILL_S:
            return
        self._renderers_killed_at = now
        hung = processes.renderers(self.pids())
        log.error("render page stopped answering: killing %d renderer processes", len(hung))
        processes.kill(hung)

    @property
    def windows(self) -> Windows | None:
        """The running browser's windows, when frames are read from them (render/windows.py)."""
        return self._host.windows

    def on_restart(self, listener: Listener) -> None:
        """Call ``listener`` each time a new browser has replaced a lost one."""
        self._listeners.append(listener)

    def pids(self) -> list[int]:
        """The running browser's processes (itself, and a wrapper script if there is one)."""
        return processes.marked(self._host.mark)

    async def close(self) -> None:
        for task in (self._watcher, self._load_checker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._host.close()

    async def _check_load(self) -> None:
        while True:
            await asyncio.sleep(LOAD_CHECK_S)  # ok-sleep: no frame is what it waits for.
            self.load.check()

    async def _watch(self) -> None:
        while True:
            host = self._host
            why = await self._trouble(host)
            await self._replace(host, why)

    async def _trouble(self, host: ChromiumHost) -> str:
        """Wait until ``host``'s browser is lost, and say how."""
        gone = asyncio.Event()
        host.browser.on("disconnected", lambda _: gone.set())
        try:
            cdp = await host.browser.new_browser_cdp_session()
        except PlaywrightError:
            return "disconnected"
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._ping_s):
                    await gone.wait()
            if gone.is_set() or not host.browser.is_connected():
                return "disconnected"
            try:
                async with asyncio.timeout(self._answer_s):
                    await cdp.send("Browser.getVersion")
            except TimeoutError:
                return "not answering"
            except PlaywrightError:
                return "disconnected"

    async def _replace(self, old: ChromiumHost, why: str) -> None:
        self._up.clear()
        log.error("render browser %s: starting a new one", why)
        processes.kill(processes.marked(old.mark))  # One that hangs goes for good.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(self._answer_s):
                await old.browser.close()
        if old.windows is not None:
            await old.windows.close()
        self._host = await self._relaunch(old)
        self.restarts += 1
        self._up.set()
        for listener in self._listeners:
            try:
                await listener()
            except Exception:
                log.exception("a listener of the render browser's restart failed")

    async def _relaunch(self, old: ChromiumHost) -> ChromiumHost:
        """A new browser through the old driver; a new driver as well when that fails (the
        driver may have gone with the browser), retried with back-off until one starts."""
        attempt = 0
        while True:
            driver = old.playwright if attempt == 0 else None
            try:
                return await ChromiumHost.launch(self._explicit, driver, self._windowed)
            except BrowserUnavailable as exc:
                wait = self._backoff_s[min(attempt, len(self._backoff_s) - 1)]
                log.error("render browser did not start (%s); again in %.1f s", exc, wait)
            if attempt == 0:
                with contextlib.suppress(Exception):
                    await old.playwright.stop()
            await asyncio.sleep(wait)
            attempt += 1
