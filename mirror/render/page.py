"""A mirror page: one browser context per session, rebuilding the customer's page from the captured
stream and screencasting it (CDP ``Page.startScreencast``) into the session's frame mailbox.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from typing import Any, Literal

import msgspec
from playwright.async_api import BrowserContext, CDPSession, Page, Route
from playwright.async_api import Error as PlaywrightError

from mirror.assets import package_file
from mirror.frames.frame import JPEG_QUALITY, Frame, LatestFrame, decode_frame
from mirror.frames.redact import Rect, all_uniform, paint
from mirror.render.browser import ChromiumHost
from mirror.render.events import PageEvents
from mirror.render.network import AssetGate
from mirror.render.pacing import Pacer
from mirror.render.player_feed import PlayerFeed
from mirror.render.screen import Display, Screen
from mirror.wire import Policy, Viewport
from replay.hit import Hit, hit_decoder

log = logging.getLogger("cobrowse.render")

# The mirror page's own origin: never resolved, every request to it is answered from the package.
RENDER_ORIGIN = "http://render.cobrowse.invalid"
MAX_REPAINTS = 20
SETTLE_S = 0.25  # See RenderPage._settle_soon.
RENDER_FILES = {
    "/": ("web/render/render.html", "text/html; charset=utf-8"),
    "/render.js": ("static/render.js", "text/javascript"),
    "/render.css": ("static/render.css", "text/css"),
}


def _scaled(rect: list[float], scale: float) -> Rect:
    x, y, width, height = (round(v * scale) for v in rect)
    return x, y, width, height


class RenderPage:
    """The customer's page rebuilt in the server's Chromium, streamed as JPEG frames.

    Its browser context and player page are prepared as soon as it is created, so the server can
    keep one ready for the next join; :meth:`start` then binds it to a session.
    """

    def __init__(self, host: ChromiumHost, gate: AssetGate, policy: Policy) -> None:
        self._host, self._gate, self._policy = host, gate, policy
        self._origin: str | None = None
        # The session's screen once started; what was last applied to Chromium, to apply
        # only what changed.
        self._screen = Screen()
        self._applied = Screen()
        self._metrics_overridden = False  # The device pixel ratio is emulated through CDP.
        self._emulated_scheme = False
        self._frames = LatestFrame()
        self._events = PageEvents()
        self._last_rects: list[Rect] = []
        self._log = logging.LoggerAdapter(log, {})
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._cdp: CDPSession | None = None
        self._ready = asyncio.Event()
        self._closed = False
        self._rebuilt = False  # The customer's page has been rebuilt at least once.
        self._unmeasured = 0  # Frames dropped in a row because masks could not be measured.
        self._pending: dict[str, Any] | None = None  # The newest frame not redacted yet.
        self._frame_waiting = asyncio.Event()
        self._frame_worker: asyncio.Task[None] | None = None
        self._settle_timer: asyncio.TimerHandle | None = None  # See _settle_soon.
        self._settling: asyncio.Future[None] | None = None
        self._feed = PlayerFeed(self._play)
        self._pacer = (
            Pacer()
        )  # Holds the next batch while Chromium is behind (mirror/render/pacing.py).
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
        assert self._context is not None and self._page is not None
        self._origin, self._frames, self._screen = page_origin, frames, screen
        self._events = events
        self._log = logging.LoggerAdapter(log, log_extra)
        await self._apply_viewport()
        await self._emulate()
        if self._metrics_overridden:  # Frames at the viewport's size (see _start_screencast).
            await self._start_screencast(restart=True)
        self._ready.set()
        self._feed.start()

    async def emulate(self) -> None:
        """The customer's screen changed how it shows the page (or a later page said so)."""
        if self._screen.display == self._applied.display:
            return
        if self._ready.is_set() and not self._closed and self._cdp is not None:
            with contextlib.suppress(PlaywrightError):  # The page may be closing.
                await self._emulate()
                await self._start_screencast(restart=True)

    async def _apply_viewport(self) -> None:
        viewport = self._screen.viewport
        if viewport != self._applied.viewport and self._page is not None:
            self._applied.viewport = viewport
            await self._page.set_viewport_size({"width": viewport.width, "height": viewport.height})

    async def _emulate(self) -> None:
        assert self._page is not None
        self._applied.display = self._screen.display
        if (
            self._screen.display.color_scheme != "light" or self._emulated_scheme
        ):  # Light by default.
            self._emulated_scheme = True
            await self._page.emulate_media(color_scheme=self._screen.display.color_scheme)
        await self._emulate_pixel_ratio()

    async def _emulate_pixel_ratio(self) -> None:
        """The customer's device pixel ratio, for `resolution` media queries and srcset. The
        frames stay one pixel per CSS pixel (see _start_screencast). Playwright sets its own
        metrics on each viewport change, so this runs again after each."""
        viewport, ratio = self._screen.viewport, self._screen.display.pixel_ratio
        if self._cdp is None or (ratio == 1 and not self._metrics_overridden):
            return
        self._metrics_overridden = ratio != 1
        await self._cdp.send(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": viewport.width,
                "height": viewport.height,
                "deviceScaleFactor": ratio,
                "mobile": False,
            },
        )

    async def _start_screencast(self, restart: bool = False) -> None:
        """Frames at the viewport's size in CSS pixels whatever the emulated pixel ratio: the
        view is one pixel per CSS pixel of the customer's viewport (CDP Page.startScreencast's
        maxWidth/maxHeight scale a high-density frame down)."""
        assert self._cdp is not None
        if restart:
            await self._cdp.send("Page.stopScreencast")
        params: dict[str, Any] = {"format": "jpeg", "quality": JPEG_QUALITY, "everyNthFrame": 1}
        if self._metrics_overridden:
            viewport = self._screen.viewport
            params.update(maxWidth=viewport.width, maxHeight=viewport.height)
        await self._cdp.send("Page.startScreencast", params)

    async def _prepare(self) -> None:
        """Create the context and page and load the player."""
        self._context = await self._host.browser.new_context(
            viewport={
                "width": self._applied.viewport.width,
                "height": self._applied.viewport.height,
            },
            device_scale_factor=1,
            service_workers="block",
            accept_downloads=False,
        )
        await self._context.route("**/*", self._route)
        page = self._page = await self._context.new_page()
        page.on("crash", lambda _: self._crashed())
        await page.expose_binding("cobrowseResize", self._resized)
        await page.expose_binding("cobrowseRebuilt", self._on_rebuilt)
        await page.expose_binding("cobrowseNotice", self._noticed)
        await page.expose_binding("cobrowseDisplay", self._displayed)
        await page.goto(RENDER_ORIGIN + "/", wait_until="load")
        policy = msgspec.to_builtins(self._policy)
        await page.evaluate("p => window.cobrowseRender.setPolicy(p)", policy)
        # The screencast starts here, off the join's path: a join only rebuilds the page.
        self._cdp = await self._context.new_cdp_session(page)
        self._cdp.on("Page.screencastFrame", self._frame)
        self._frame_worker = asyncio.create_task(self._send_frames())
        await self._start_screencast()

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
        try:
            await self._call("add", batch_json)
        except ValueError as exc:
            self._log.warning("a batch failed in the player: %s", exc)
        except PlaywrightError:
            return
        await self._pacer.shown(sent)

    async def hit_test(self, x: float, y: float) -> Hit:
        """What lies under the view point (x, y), in the customer's CSS pixels."""
        answer = await self._ask("hitTest", x, y)
        return Hit(inside=False) if answer is None else hit_decoder.decode(answer)

    async def next_focus(self, from_node: int | None, backwards: bool) -> int | None:
        """The node Tab moves focus to from ``from_node``, in the rebuilt page's tab order."""
        node = await self._ask("nextFocus", from_node, backwards)
        return int(node) if isinstance(node, int) and node > 0 else None

    async def _ask(self, method: str, *args: object) -> Any:
        """A question an agent's action waits on, once the page is ready: None when the page
        is closing or is caught mid-rebuild (nothing is hit, focus stays)."""
        await self._ready.wait()
        if self._closed or self._cdp is None:
            return None
        try:
            return await self._call(method, *args)
        except (PlaywrightError, ValueError) as exc:
            self._log.info("%s failed in the mirror page: %s", method, exc)
            return None

    async def close(self) -> None:
        self._closed = True
        self._ready.set()
        await self._feed.close()
        if self._settle_timer is not None:
            self._settle_timer.cancel()
        for task in (self._frame_worker, self._settling):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if not self._preparing.done():
            self._preparing.cancel()
        # Cancelled, or failed (then already reported by whoever started the session).
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await self._preparing
        if self._context is not None:
            # The browser may already be gone (shutdown, crash).
            with contextlib.suppress(PlaywrightError):
                await self._context.close()
        self._pending = None
        self._frames.clear()

    async def _route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(RENDER_ORIGIN + "/"):
            path = url[len(RENDER_ORIGIN) :].split("?", 1)[0]
            if path in RENDER_FILES:
                name, content_type = RENDER_FILES[path]
                await route.fulfill(body=package_file(name), content_type=content_type)
                return
            await route.abort("blockedbyclient")
            return
        await self._gate.handle(route, self._origin)
        if not self._closed:
            self._settle_soon()

    async def _frame(self, params: dict[str, Any]) -> None:
        # A frame waits in a one-frame slot for the worker and is acknowledged when the worker
        # takes it, or when a newer one replaces it: Chromium encodes no new frame while its few
        # in-flight ones are unacknowledged, which holds its encoding to what the worker sends.
        # A paint it skips meanwhile is recovered by the settle frame (_settle_soon).
        taken = params.get("metadata", {}).get("timestamp")
        self._pacer.frame(taken, time.time())
        if not self._rebuilt:  # Before that, a frame would show the agent a blank page.
            await self._ack(params)
            return
        if taken is not None:
            self._events.on_lag(self._pacer.lag)
        replaced, self._pending = self._pending, params
        self._frame_waiting.set()
        if replaced is not None:
            await self._ack(replaced)

    async def _ack(self, params: dict[str, Any]) -> None:
        if self._cdp is not None and not self._closed:
            with contextlib.suppress(PlaywrightError):  # The page may close meanwhile.
                await self._cdp.send("Page.screencastFrameAck", {"sessionId": params["sessionId"]})

    async def _send_frames(self) -> None:
        """The frame worker: redacts the newest pending frame and posts it to the mailbox."""
        while not self._closed:
            await self._frame_waiting.wait()
            self._frame_waiting.clear()
            params, self._pending = self._pending, None
            if params is None:
                continue
            jpeg = base64.b64decode(params["data"])
            if self._same_as_last(jpeg):
                await self._ack(params)
                continue
            # Acknowledged while it is redacted: Chromium may encode the next frame meanwhile.
            acked = asyncio.ensure_future(self._ack(params))
            try:
                frame = await self._redacted(jpeg)
            except ValueError as exc:  # A frame that is not a readable JPEG: wait for the next.
                self._log.warning("frame dropped, unreadable: %s", exc)
                continue
            finally:
                await acked
            if frame is not None and not frame.same_as(self._frames.last):
                self._frames.put(frame)
                self._settle_soon()

    def _same_as_last(self, jpeg: bytes) -> bool:
        """The screencast's bytes of the last frame again (a settle frame or a repaint that
        changed nothing: 14-22 % of frames with 10-25 busy sessions). Chromium's encoder is
        deterministic, so the last frame, already sent, shows the same pixels: this one is
        neither decoded nor measured."""
        last = self._frames.last
        return last is not None and last.jpeg == jpeg

    async def _redacted(self, jpeg: bytes) -> Frame | None:
        """The frame with hidden and blocked areas uniform, or None (not sent) when they cannot
        be measured. The previous measurement is painted too: the page may have moved between
        the frame and this measurement."""
        if self._page is None or self._closed:
            return None
        decoding = asyncio.ensure_future(asyncio.to_thread(decode_frame, jpeg))  # Meanwhile:
        try:
            measured = await self._mask_rects()
        except (PlaywrightError, ValueError) as exc:
            self._log.info("frame dropped, masked areas not measurable: %s", exc)
            with contextlib.suppress(ValueError):
                await decoding
            # Ask for another frame: the page may be static, and the agent must not be left
            # looking at the previous one (a few times: a page that never measures stays dark).
            self._unmeasured += 1
            if self._unmeasured <= MAX_REPAINTS:
                await self._repaint()
            return None
        self._unmeasured = 0
        frame = await decoding
        # From the frame itself: masks measured in CSS pixels must cover the frame's pixels
        # whatever the emulated pixel ratio did to its size.
        scale = frame.width / self._screen.viewport.width
        rects = [_scaled(r, scale) for r in measured]
        stale = [r for r in self._last_rects if r not in rects]
        self._last_rects = rects
        if stale:
            # This frame also gets the previous boxes painted (the page may have moved after it
            # was taken); the next frame, asked for now, has only the current ones.
            await self._repaint()
        if all_uniform(frame, rects + stale):  # No rectangle, or all flat already.
            return frame
        return await asyncio.to_thread(paint, frame, rects + stale)

    async def _mask_rects(self) -> list[list[float]]:
        """The hidden and blocked areas, measured now in the page's CSS pixels."""
        measured = json.loads(await self._call("maskRects") or "null")
        if not isinstance(measured, list):
            raise ValueError(measured.get("error") if isinstance(measured, dict) else "no answer")
        return measured

    async def _call(self, method: str, *args: object) -> Any:
        """``cobrowseRender.<method>(*args)`` in the page, through a plain CDP evaluate: under
        load, Playwright's evaluate took five times as long (the mask measurement: p50 25 ms
        against 5 with ten busy sessions). The arguments go in as JSON literals: data, never
        code. Raises PlaywrightError when the page is gone, ValueError when the call threw."""
        assert self._cdp is not None
        expression = f"cobrowseRender.{method}({', '.join(json.dumps(a) for a in args)})"
        answer = await self._cdp.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}
        )
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            raise ValueError(details.get("exception", {}).get("description") or details["text"])
        return answer.get("result", {}).get("value")

    async def _noticed(self, _source: Any, reason: str) -> None:
        # The reason comes from the customer's page: only a short known word is passed on.
        reason = str(reason)[:40]
        self._events.on_notice(reason if reason.replace("-", "").isalpha() else "partial")

    async def _displayed(self, _source: Any, color_scheme: Any, pixel_ratio: Any) -> None:
        # From the customer's page: only the two known schemes and a sane ratio are emulated.
        scheme: Literal["light", "dark"] = "dark" if color_scheme == "dark" else "light"
        try:
            ratio = min(8.0, max(0.25, float(pixel_ratio)))
        except (TypeError, ValueError):
            ratio = self._screen.display.pixel_ratio
        self._screen.display = Display(scheme, ratio)
        await self.emulate()

    async def _repaint(self) -> None:
        """Ask Chromium for a new frame (a still page sends none by itself)."""
        if self._cdp is not None and not self._closed:
            with contextlib.suppress(PlaywrightError, ValueError):  # The page may be closing.
                await self._call("repaint")

    def _settle_soon(self) -> None:
        """One more frame once the page has been still for SETTLE_S (longer while Chromium is
        behind: mirror/render/pacing.py) after a frame was sent or an asset arrived: Chromium may
        never screencast a paint that lands just after a frame (seen under CPU load: decoded images,
        rebuilt frames, the repaint that clears stale masks), which would leave a page that then
        goes still without it in the agent's view. That frame is not sent when it is identical
        to the last, which ends the round."""
        if self._settle_timer is not None:
            self._settle_timer.cancel()
        delay = self._pacer.settle_delay(SETTLE_S)
        self._settle_timer = asyncio.get_running_loop().call_later(delay, self._settle)

    def _settle(self) -> None:
        self._settle_timer = None
        self._settling = asyncio.ensure_future(self._repaint())

    async def _on_rebuilt(self, _source: Any) -> None:
        self._rebuilt = True
        # The first frames of the rebuilt page may have come before this call and been
        # dropped: ask for one more, or a still page would leave the agent's view empty.
        await self._repaint()

    async def _resized(self, _source: Any, width: int, height: int) -> None:
        width, height = max(1, min(int(width), 8192)), max(1, min(int(height), 8192))
        if Viewport(width, height) == self._applied.viewport or self._page is None:
            return
        self._screen.viewport = Viewport(width, height)
        await self._apply_viewport()
        if self._metrics_overridden:
            await self._emulate_pixel_ratio()
            await self._start_screencast(restart=True)
        self._events.on_resize()

    def _crashed(self) -> None:
        self._log.error("mirror page crashed")
        self._events.on_crash()
