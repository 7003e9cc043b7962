"""The server's one Chromium: found, launched with the server and closed on shutdown.

``CHROMIUM`` when set, then Playwright's own Chromium where it is installed; otherwise the
system's: Debian's headless shell (``chromium-headless-shell``) first, then ``chromium``. All are
started with flags for a closed network.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from dataclasses import dataclass

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright

from mirror.errors import BrowserUnavailable
from mirror.render.windows import Windows
from mirror.wire import Viewport

log = logging.getLogger("cobrowse.render")

# Root in a container needs --no-sandbox; the rest keep Chromium off the network on its own.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# Chromium keeps one --disable-features switch (the last), so this list repeats the features
# Playwright disables (its own switch comes first) and adds two of its own, for a headless Chromium
# that opens many contexts (the render pages', the benchmark's): in chromium --headless every
# context is a window with its own omnibox pop-up page (a renderer of its own) and a spare
# renderer, memory a page never uses, and the pop-up page's start took most of a core after each
# new context.
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,HttpsUpgrades,"
    "HttpsFirstBalancedModeAutoEnable,LensOverlay,MediaRouter,PaintHolding,"
    "ThirdPartyStoragePartitioning,AvoidCorsURLLoaderRestartOnRedirect,OptimizationHints,"
    "NetworkTimeServiceQuerying,AimEnabled,PreconnectToSearch"
)
LEAN_ARGS = [
    *LAUNCH_ARGS,
    f"--disable-features={PLAYWRIGHT_DISABLED_FEATURES},"
    "WebUIOmniboxPopup,WebUIOmniboxAimPopup,SpareRendererForSitePerProcess",
]
# The server's own Chromium runs no page's scripts, only the render page's player: V8 without its
# optimising compilers holds less memory a page, and the player is no slower for it
# (docs/benchmark.md). The headless shell hints web fonts fully by default: their advances are
# whole pixels and a line of a page's web font is wider than in the customer's Chromium; hinted
# slightly, as a desktop Linux's fontconfig hints, they agree.
SERVER_ARGS = [*LEAN_ARGS, "--js-flags=--lite-mode", "--font-render-hinting=slight"]
SYSTEM_CHROMIUMS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "chromium",
    "chromium-browser",
)


# The first choice among the system's: the headless shell is the browser without its windowing
# layer (what Playwright itself runs for headless pages), lighter per session than chromium
# --headless (docs/deployment.md).
# Debian's /usr/bin one is a shell script that runs the binary without exec, leaving a shell
# between Playwright and the browser: the binary itself comes first.
HEADLESS_SHELLS = (
    "/usr/lib/chromium/chromium-headless-shell",
    "/usr/bin/chromium-headless-shell",
    "chromium-headless-shell",
)


async def render_context(browser: Browser, viewport: Viewport, windowed: bool) -> BrowserContext:
    """A render page's own context: of ``viewport``'s size, or of its window's when
    ``windowed`` (render/window_frames.py sizes the window); no service workers, no downloads."""
    return await browser.new_context(
        viewport=None if windowed else {"width": viewport.width, "height": viewport.height},
        no_viewport=windowed,
        device_scale_factor=None if windowed else 1,
        service_workers="block",
        accept_downloads=False,
    )


def system_chromium(
    explicit: str | None = None, candidates: tuple[str, ...] = SYSTEM_CHROMIUMS
) -> str | None:
    """An explicitly named Chromium, else the first of ``candidates`` found, else None."""
    for candidate in ((explicit,) if explicit else ()) + candidates:
        found = shutil.which(candidate) if not os.path.isabs(candidate) else candidate
        if found and os.access(found, os.X_OK):
            return found
    return None


def bundled_chromium(playwright: Playwright) -> str | None:
    """Playwright's own Chromium, if it has been installed on this machine."""
    try:
        path = playwright.chromium.executable_path
    except Exception:  # noqa: BLE001 - Playwright raises a bare Error when no build is known.
        return None
    return path if path and os.path.exists(path) else None


# A browser with windows (``[frames] capture = "windows"``): not the headless shell, which has
# none. Debian's binary first, for the reason given above HEADLESS_SHELLS.
WINDOWED_CHROMIUMS = ("/usr/lib/chromium/chromium", *SYSTEM_CHROMIUMS)


def server_chromium(
    playwright: Playwright, explicit: str | None = None, windowed: bool = False
) -> str | None:
    """The server's browser: ``explicit`` (``CHROMIUM``), then Playwright's own, then the
    system's headless shell (unless ``windowed``), then the system's Chromium; None when there
    is none."""
    candidates = WINDOWED_CHROMIUMS if windowed else HEADLESS_SHELLS + SYSTEM_CHROMIUMS
    return (
        (system_chromium(explicit) if explicit else None)
        or bundled_chromium(playwright)
        or system_chromium(candidates=candidates)
    )


@dataclass
class ChromiumHost:
    """A running Chromium and the Playwright driver that owns it. ``mark`` is an argument on
    the browser's command line that names its process (:mod:`mirror.render.processes`).
    ``windows``: the X server its pages' windows are drawn on, when frames are read from them
    (mirror/render/windows.py); None for the screencast."""

    playwright: Playwright
    browser: Browser
    mark: str
    windows: Windows | None = None

    @classmethod
    async def launch(
        cls,
        explicit: str | None = None,
        playwright: Playwright | None = None,
        windowed: bool = False,
    ) -> ChromiumHost:
        """A new Chromium, with a new Playwright driver unless ``playwright`` is given, and
        with an X server of its own when ``windowed``."""
        own = playwright is None
        driver = playwright or await async_playwright().start()
        windows = await Windows.start() if windowed else None
        try:
            return await cls._launch(driver, explicit, windows)
        except BaseException:
            if windows is not None:
                await windows.close()
            if own:
                await driver.stop()
            raise

    @classmethod
    async def _launch(
        cls, playwright: Playwright, explicit: str | None, windows: Windows | None
    ) -> ChromiumHost:
        executable = server_chromium(playwright, explicit, windowed=windows is not None)
        if executable is None:
            raise BrowserUnavailable(
                "no Chromium found: run 'make setup', or set CHROMIUM to a Chromium binary"
            )
        # Chromium ignores a switch it does not know; /proc shows it.
        mark = f"--cobrowse-browser={secrets.token_hex(8)}"
        env: dict[str, str | float | bool] | None = None
        if windows is not None:
            env = {**os.environ, **windows.env}
        try:
            browser = await playwright.chromium.launch(
                executable_path=executable,
                args=[*SERVER_ARGS, mark],
                headless=windows is None,
                env=env,
            )
        except Exception as exc:
            raise BrowserUnavailable(f"Chromium at {executable} did not start: {exc}") from exc
        where = f", its pages in windows on X display {windows.server.name}" if windows else ""
        log.info("render browser started: %s (%s)%s", executable, browser.version, where)
        return cls(playwright, browser, mark, windows)

    async def close(self) -> None:
        try:
            await self.browser.close()
        finally:
            try:
                if self.windows is not None:
                    await self.windows.close()
            finally:
                await self.playwright.stop()
