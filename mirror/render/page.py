"""A render page: one browser context per session, rebuilding the customer's page from the
captured stream; its screencast (mirror/render/screencast.py) fills the session's frame mailbox
and its emulation (mirror/render/emulation.py) shows it on the customer's screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import msgspec
from playwright.async_api import BrowserContext, CDPSession, Page, Route
from playwright.async_api import Error as PlaywrightError

from mirror.frames.frame import LatestFrame
from mirror.render.browser import render_context
from mirror.render.collection import Collection
from mirror.render.emulation import Emulation
from mirror.render.events import PageEvents, notice_reason
from mirror.render.heartbeat import until_unanswered
from mirror.render.masks import Masks
from mirror.render.network import AssetGate
from mirror.render.pacing import Pacer
from mirror.render.page_fonts import PageFonts
from mirror.render.player_feed import PACK_FROM, PlayerFeed, packed
from mirror.render.render_call import RENDER_ORIGIN, render_call, served_from_package
from mirror.render.rest import Rest
from mirror.render.screen import Screen, display_from, visual_from
from mirror.render.screencast import Screencast
from mirror.render.supervisor import SupervisedChromium
from mirror.render.window_frames import WindowFrames
from mirror.wire import Policy, Viewport
from replay.hit import Anchor, Hit, anchor_decoder, hit_decoder

log = logging.getLogger("cobrowse.render")


class RenderPage:
    """The customer's page rebuilt in the server's Chromium, streamed as JPEG frames.

    Its browser context and player page are prepared as soon as it is created, so the server can
    keep one ready for the next join; :meth:`start` then binds it to a session.
    """

    def __init__(self, host: SupervisedChromium, gate: AssetGate, policy: Policy) -> None:
        self._host, self._gate, self._policy = host, gate, policy
        self._origin: str | None = None
        self._screen = Screen()  # The session's once started, shared with it.
        self._events = PageEvents()
        self._log = logging.LoggerAdapter(log, {})
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._cdp: CDPSession | None = None
        self._ready = asyncio.Event()
        self._shown = asyncio.Event()  # The customer's page has been rebuilt in it.
        self._heartbeat: asyncio.Task[None] | None = None
        self._collection = Collection()  # Of what each rebuild replaced.
        self._closed = False
        self._broken = False
        self._feed = PlayerFeed(self._play)
        # Holds the next batch while Chromium is behind (mirror/render/pacing.py).
        self._pacer = Pacer()
        self._emulation = Emulation(host.load)
        self._unlisten = host.load.on_change(self._rescale)
        self._rescaling: asyncio.Future[None] | None = None  # Held: a task is weakly referenced.
        self._watching = asyncio.Lock()
        self._seen = True  # The agent sees the view (watch).
        self._building = False  # A snapshot is coming in slices: nothing to show yet.
        self._fonts = PageFonts()
        self._rest = Rest(self._quiet, self._rested)
        if host.windows is not None:
            # A window costs nothing while nothing is drawn in it, and one not read while its
            # page rested would be read whole at the next change, which would show later than
            # any other (docs/benchmark.md): a page in a window never rests.
            self._rest.stop()
        self._masks = Masks(host.load)
        self._screencast = Screencast(
            self._masks.measure, self._repaint, self._pacer, self._rest, host.load
        )
        self._screencast.settles = host.windows is None  # A window's paints are all read.
        self._preparing = asyncio.ensure_future(self._prepare())

    async def start(
        self,
        page_origin: str | None,
        screen: Screen,
        frames: LatestFrame,
        events: PageEvents,
        log_extra: dict[str, str],
    ) -> None:
        """Bind the prepared page (screencasting already, its frames dropped until the
        customer's page is rebuilt) to a session, whose ``screen`` it shows the page on."""
        await self._preparing
        assert self._context is not None and self._page is not None and self._cdp is not None
        self._origin, self._screen = page_origin, screen
        self._events = events
        self._log = logging.LoggerAdapter(log, log_extra)
        self._screencast.bind(screen, frames, events, self._log)
        await self._emulation.apply(self._page, self._cdp, screen)
        self._ready.set()
        self._feed.start()
        self._heartbeat = asyncio.create_task(self._keep_answering())

    async def rebuilt(self) -> None:
        await self._shown.wait()

    async def _keep_answering(self) -> None:
        """Report a page that stops answering (render/heartbeat.py)."""
        assert self._cdp is not None
        if await until_unanswered(self._cdp, lambda: self._closed, self._host.answers):
            self._log.error("render page stopped answering")
            self._host.renderer_hung()
            self._events.on_hang()

    async def emulate(self) -> None:
        """The customer's screen changed how it shows the page (or a later page said so)."""
        if self._emulation.shows_display_of(self._screen):
            return
        if self._ready.is_set() and not self._closed and self._cdp is not None:
            assert self._page is not None
            with contextlib.suppress(PlaywrightError):  # The page may be closing.
                await self._emulation.apply_display(self._page, self._cdp, self._screen)
                await self._emulation.start_screencast(self._cdp, self._screen, restart=True)

    async def _prepare(self) -> None:
        """Create the context and page and load the player."""
        viewport, windows = self._emulation.applied.viewport, self._host.windows
        browser = await self._host.browser()
        self._context = await render_context(browser, viewport, windowed=windows is not None)
        await self._context.route("**/*", self._route)
        page = self._page = await self._context.new_page()
        self._cdp = await self._context.new_cdp_session(page)
        if windows is not None:  # Frames read from the page's window, not screencast.
            self._emulation.window = WindowFrames(
                windows,
                self._screencast.take,
                self._host.load,
                lambda: self._screencast.measure_early(self._masks.take()),
            )
            await self._emulation.window.open(page, self._cdp, viewport)
        page.on("crash", lambda _: self._crashed())
        await page.expose_binding("cobrowseResize", self._resized)
        await page.expose_binding("cobrowseRebuilt", self._on_rebuilt)
        await page.expose_binding("cobrowseBuilding", self._on_building)
        await page.expose_binding("cobrowseNotice", self._noticed)
        await page.expose_binding("cobrowseDisplay", self._displayed)
        await page.expose_binding("cobrowseVisual", self._visual_changed)
        await page.expose_binding("cobrowseFonts", self._fonts_told)
        await page.goto(RENDER_ORIGIN + "/", wait_until="load")
        await self._masks.attach(self._cdp, self._emulation.window)
        policy = msgspec.to_builtins(self._policy)
        await page.evaluate("p => window.cobrowseRender.setPolicy(p)", policy)
        await self._fonts.measure(page)
        # A page without the window's focus draws selections in the inactive grey; the
        # customer's page has it, so the customer's selection shows in its active colour.
        await self._cdp.send("Emulation.setFocusEmulationEnabled", {"enabled": True})
        # The screencast starts here, off the join's path: a join only rebuilds the page.
        self._screencast.attach(self._cdp)
        await self._emulation.start_screencast(self._cdp, self._screen)

    async def watch(self, seen: bool) -> None:
        """Capture while the agent sees the view; the customer's changes are applied either
        way, so the first frame when it looks again is the page as it is now."""
        self._seen = seen
        self._rest.wake()
        await self._capture()

    async def _capture(self, repaint: bool = True) -> None:
        """Capture while the agent sees the view and the page is not being built: each frame
        of a page half built would be encoded only to be dropped (screencast.py). A capture
        started asks for a frame (``repaint``) unless the caller asks for one itself."""
        async with self._watching:  # A stop and the start after it reach Chromium in order.
            try:
                await self._preparing
            except Exception:  # noqa: BLE001 - reported by whoever started the session.
                return
            if self._closed or self._cdp is None:
                return
            seen = self._seen and not self._building and not self._rest.resting
            with contextlib.suppress(PlaywrightError):  # The page may be closing.
                await self._emulation.capture(self._cdp, self._screen, seen)
                if seen and repaint:
                    await self._repaint()

    def _rescale(self) -> None:
        """The machine's load changed the capture scale (render/load.py): restart at it."""
        self._rescaling = asyncio.ensure_future(self._restart_screencast())

    async def _restart_screencast(self) -> None:
        async with self._watching:  # Not between a capture's stop and its start.
            if self._emulation.rescaled and not self._closed and self._cdp is not None:
                with contextlib.suppress(PlaywrightError):  # The page may be closing.
                    await self._emulation.start_screencast(self._cdp, self._screen, restart=True)
                if self._host.load.scale == self._host.load.full_scale:
                    await self._repaint()  # A still page is shown sharp again now.

    async def _wake(self) -> None:
        """Something painted the page or will: capture again if it rests (render/rest.py)."""
        if self._rest.wake():
            await self._capture()

    async def _rested(self) -> None:
        self._screencast.rested()
        await self._capture()

    async def _quiet(self) -> bool:
        """Nothing on the page paints by itself (render.js quiet); False when it cannot say."""
        if self._closed or self._cdp is None:
            return False
        with contextlib.suppress(PlaywrightError, ValueError):
            return await self._call("quiet") is True
        return False

    async def draw(self, tool: str, points: list[list[float]]) -> None:
        """A piece of the agent's drawing, over the rebuilt page (mirror/session/drawings.py)."""
        if self._cdp is not None and not self._closed:
            with contextlib.suppress(PlaywrightError, ValueError):  # The page may be closing.
                await self._call("draw", tool, points)
            await self._wake()

    async def erase(self) -> None:
        if self._cdp is not None and not self._closed:
            with contextlib.suppress(PlaywrightError, ValueError):
                await self._call("erase")
            await self._wake()

    @property
    def capturing(self) -> bool:
        """Whether Chromium takes frames of the page (not while nobody sees the view)."""
        return self._emulation.capturing

    @property
    def capture_scale(self) -> float:
        """The scale of the screencast's frames, as last started (render/load.py)."""
        return self._emulation.scale

    @property
    def page(self) -> Page | None:
        """The Playwright page (for diagnostics and tests); None until opened."""
        return self._page

    async def add_events(self, events: list[bytes]) -> None:
        """Queue a batch of rrweb events (each a JSON object) for the player, which gets them
        once the page is ready (mirror/render/player_feed.py)."""
        await self._feed.put(events)

    async def _play(self, batch_json: str) -> None:
        if self._closed or self._cdp is None:
            return
        # Frames taken from here on may show the batch: taken after the call returns would miss
        # one taken while its answer was on its way back, and wait for a frame that never comes.
        sent = time.time()
        # A page closing or crashed is handled by close() and the crash handler.
        batch = self._masks.expect()  # Its masks pushed, for a frame read from a window.
        try:
            if len(batch_json) < PACK_FROM:
                await self._call("add", batch_json, batch)
            else:
                await self._call("addPacked", packed(batch_json), batch, awaited=True)
        except ValueError as exc:
            self._log.warning("a batch failed in the player: %s", exc)
        except PlaywrightError:
            return
        await self._wake()
        await self._pacer.shown(sent)

    async def hit_test(self, x: float, y: float) -> Hit:
        """What lies under the view point (x, y), in the customer's CSS pixels."""
        answer = await self._ask("hitTest", x, y)
        return Hit(inside=False) if answer is None else hit_decoder.decode(answer)

    async def anchor(self, x: float, y: float) -> Anchor | None:
        """The element under the view point (x, y) and the point's place in its box."""
        answer = await self._ask("anchor", x, y)
        return None if answer is None else anchor_decoder.decode(answer)

    async def next_focus(self, from_node: int | None, backwards: bool) -> int | None:
        """The node Tab moves focus to from ``from_node``, in the rebuilt page's tab order."""
        node = await self._ask("nextFocus", from_node, backwards)
        return int(node) if isinstance(node, int) and node > 0 else None

    async def describe(self, node: int) -> Hit | None:
        """What the agent's keys would press at ``node`` (its focus); None when not there."""
        answer = await self._ask("describeNode", node)
        return None if answer is None else hit_decoder.decode(answer)

    async def _ask(self, method: str, *args: object) -> Any:
        """A question an agent's action waits on, once the page is ready: None when the page
        is closing or is caught mid-rebuild (nothing is hit, focus stays)."""
        await self._ready.wait()
        if self._closed or self._cdp is None:
            return None
        try:
            return await self._call(method, *args)
        except (PlaywrightError, ValueError) as exc:
            self._log.info("%s failed in the render page: %s", method, exc)
            return None

    async def close(self) -> None:
        self._closed = True
        self._unlisten()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        self._collection.cancel()
        self._rest.stop()
        self._screencast.close()
        self._masks.close()
        self._ready.set()
        await self._feed.close()
        await self._screencast.stop()
        if self._emulation.window is not None:
            self._emulation.window.close()
        if not self._preparing.done():
            self._preparing.cancel()
        # Cancelled, or failed (then already reported by whoever started the session).
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await self._preparing
        if self._context is not None:
            # The browser may already be gone (shutdown, crash).
            with contextlib.suppress(PlaywrightError):
                await self._context.close()
        self._screencast.clear()

    async def _route(self, route: Route) -> None:
        if await served_from_package(route):
            return
        await self._gate.handle(route, self._origin)
        if not self._closed:
            await self._wake()
            self._screencast.settle_soon()

    async def _repaint(self) -> None:
        """Ask Chromium for a new frame (a still page sends none by itself); a window's is read
        as it is, no paint needed."""
        if self._emulation.window is not None and not self._closed:
            self._emulation.window.read_all()
        elif self._cdp is not None and not self._closed and self._emulation.capturing:
            with contextlib.suppress(PlaywrightError, ValueError):  # The page may be closing.
                await self._call("repaint")

    async def _call(self, method: str, *args: object, awaited: bool = False) -> Any:
        assert self._cdp is not None
        return await render_call(self._cdp, method, *args, awaited=awaited)

    async def _noticed(self, _source: Any, reason: Any) -> None:
        self._events.on_notice(notice_reason(reason))  # From the customer's page.

    async def _displayed(self, _source: Any, color_scheme: Any, pixel_ratio: Any) -> None:
        self._screen.display = display_from(color_scheme, pixel_ratio, self._screen.display)
        await self.emulate()

    async def _fonts_told(self, _source: Any, reported: Any) -> None:
        if self._page is not None:
            await self._fonts.told(self._page, self._cdp, reported, self._log)

    async def _visual_changed(self, _source: Any, visual: Any) -> None:
        # From the customer's page: numbers within bounds, or the whole layout viewport.
        shown = visual_from(visual)
        if shown == self._screen.visual or self._page is None:
            return
        self._screen.visual = shown
        await self._emulation.apply_visual(self._cdp, self._screen)
        self._events.on_resize()  # The agent's view has the customer's screen's size.

    async def _on_building(self, _source: Any) -> None:
        self._screencast.page_building()
        self._building = True
        await self._capture()

    async def _on_rebuilt(self, _source: Any, reported: Any = True) -> None:
        if reported is False:
            self._events.on_unreported()
        if self._building:
            self._building = False
            await self._capture(repaint=False)  # page_rebuilt asks for the frame.
        self._shown.set()
        await self._screencast.page_rebuilt()
        if self._cdp is not None and not self._closed:
            self._collection.soon(self._cdp)

    async def _resized(self, _source: Any, width: Any, height: Any) -> None:
        viewport = Viewport.clamped(width, height)  # The hello's bounds (mirror/wire.py).
        if self._emulation.shows(viewport) or self._page is None:
            return
        self._screen.viewport = viewport
        await self._emulation.apply_resize(self._page, self._cdp, self._screen)
        self._events.on_resize()

    @property
    def broken(self) -> bool:
        return self._broken

    def _crashed(self) -> None:
        self._broken = True
        self._log.error("render page crashed")
        self._events.on_crash()
