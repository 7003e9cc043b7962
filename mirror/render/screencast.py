"""The frame pump of a render page: CDP ``Page.screencastFrame`` frames acknowledged, redacted over
the masks measured in the page, and posted to the session's one-frame mailbox; a settle frame and
repaints keep a page that goes still shown as it is.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import CDPSession
from playwright.async_api import Error as PlaywrightError

from mirror.frames.frame import Frame, LatestFrame, Rect, decode_frame
from mirror.frames.redact import all_uniform, paint
from mirror.render.events import PageEvents
from mirror.render.load import BEHIND_S, CaptureLoad
from mirror.render.pacing import Pacer
from mirror.render.rest import Rest
from mirror.render.screen import Screen
from mirror.wire import Viewport

log = logging.getLogger("cobrowse.render")

MAX_REPAINTS = 20
SETTLE_S = 0.25  # See Screencast.settle_soon.

Measured = list[list[float]]  # Masks' rectangles in the page's CSS pixels: x, y, width, height.
Measure = Callable[[], Awaitable[Measured]]
Measuring = asyncio.Future[Measured]  # A measurement under way (Screencast.measure_early).
Repaint = Callable[[], Awaitable[None]]


def scaled(rect: list[float], scale: float) -> Rect:
    """A rectangle measured in CSS pixels, in the frame's pixels."""
    x, y, width, height = (round(v * scale) for v in rect)
    return x, y, width, height


def shown_size(frame: Frame, view: Viewport) -> tuple[int, int] | None:
    """The size to show ``frame`` at when it was captured smaller than the customer's screen
    (mirror/render/load.py), None when it is the screen's size. Told by its size (the same
    shape, markedly smaller), so that a frame taken before a scale changed still shows right."""
    if frame.width * 1.1 >= view.width or frame.height * 1.1 >= view.height:
        return None
    if abs(frame.width * view.height - frame.height * view.width) > 0.02 * view.width * view.height:
        return None  # Another shape: a frame of the screen's size before a resize.
    return view.width, view.height


class Screencast:
    """The screencast's frames on their way from Chromium to the session's mailbox.

    ``measure`` measures the hidden and blocked areas in the page now (in CSS pixels; raises
    PlaywrightError or ValueError when it cannot), ``repaint`` asks the page for a new frame.
    Frames are acknowledged and dropped until the customer's page is rebuilt.
    """

    def __init__(
        self, measure: Measure, repaint: Repaint, pacer: Pacer, rest: Rest, load: CaptureLoad
    ) -> None:
        self._measure, self._repaint, self._pacer, self._rest = measure, repaint, pacer, rest
        self._load = load
        self._cdp: CDPSession | None = None
        # The session's, once bound (see bind).
        self._screen = Screen()
        self._frames = LatestFrame()
        self._events = PageEvents()
        self._log = logging.LoggerAdapter(log, {})
        self._closed = False
        self._rebuilt = False  # The customer's page has been rebuilt at least once.
        self._unmeasured = 0  # Frames dropped in a row because masks could not be measured.
        self._last_rects: list[Rect] = []
        # The newest frame not redacted yet: the screencast's, or one read from the page's window.
        self._pending: dict[str, Any] | Frame | None = None
        self._measuring: Measuring | None = None  # The pending frame's masks.
        self._working = False  # The worker is redacting and posting a frame.
        self._frame_waiting = asyncio.Event()
        self._frame_worker: asyncio.Task[None] | None = None
        self._settle_timer: asyncio.TimerHandle | None = None  # See settle_soon.
        self._settling: asyncio.Future[None] | None = None
        self.settles = True  # Asks for settle frames (see settle_soon).

    def attach(self, cdp: CDPSession) -> None:
        """Take the frames of the page's CDP session (the screencast itself is started by the
        page's emulation, at the viewport's size)."""
        self._cdp = cdp
        cdp.on("Page.screencastFrame", self._frame)
        self._frame_worker = asyncio.create_task(self._send_frames())

    def bind(
        self,
        screen: Screen,
        frames: LatestFrame,
        events: PageEvents,
        session_log: logging.LoggerAdapter[logging.Logger],
    ) -> None:
        """Post to a session's mailbox, scaling masks to its ``screen`` (read, never copied)."""
        self._screen, self._frames, self._events, self._log = screen, frames, events, session_log

    def page_building(self) -> None:
        """A snapshot arrives in slices (mirror/web/embed/slices.js): until it is whole, the
        agent keeps the last frame rather than a page half built."""
        self._rebuilt = False

    async def page_rebuilt(self) -> None:
        self._rebuilt = True
        # The first frames of the rebuilt page may have come before this call and been
        # dropped: ask for one more, or a still page would leave the agent's view empty.
        await self._repaint()

    def close(self) -> None:
        """From now on no frame is acknowledged, redacted or posted."""
        self._closed = True

    async def stop(self) -> None:
        """Cancel the settle timer, the frame worker and a settle repaint under way."""
        if self._settle_timer is not None:
            self._settle_timer.cancel()
        for task in (self._frame_worker, self._settling):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def rested(self) -> None:
        """The page rests (mirror/render/rest.py): its last frame keeps only its JPEG."""
        self._frames.shed()

    def clear(self) -> None:
        """Let go of the frame in the slot and of the mailbox's (the session's end)."""
        self._pending = None
        self._frames.clear()

    async def _frame(self, params: dict[str, Any]) -> None:
        # A frame waits in a one-frame slot for the worker and is acknowledged when the worker
        # takes it, or when a newer one replaces it: Chromium encodes no new frame while its few
        # in-flight ones are unacknowledged, which holds its encoding to what the worker sends.
        # A paint it skips meanwhile is recovered by the settle frame (settle_soon).
        taken = params.get("metadata", {}).get("timestamp")
        self._pacer.frame(taken, time.time())
        self._rest.frame()
        if not self._rebuilt:  # Before that, a frame would show the agent a blank page.
            await self._ack(params)
            return
        if taken is not None:
            self._events.on_lag(self._pacer.lag)
            self._load.frame(self._pacer.lag, self)
        replaced, self._pending = self._pending, params
        self._frame_waiting.set()
        if isinstance(replaced, dict):
            await self._ack(replaced)

    def take(self, frame: Frame, taken: float, measuring: Measuring | None = None) -> None:
        """A frame read from the page's window instead (mirror/render/window_frames.py), its
        first rectangle drawn at ``taken`` (the epoch's seconds), and its masks' measurement
        when one was started for it (measure_early)."""
        self._pacer.frame(taken, time.time())
        self._rest.frame()
        if self._rebuilt:
            self._events.on_lag(self._pacer.lag)
            self._load.frame(self._pacer.lag, self)
            self._pending, self._measuring = frame, measuring
            self._frame_waiting.set()

    def measure_early(self, pushed: Measuring | None = None) -> Measuring | None:
        """The masks' measurement for a window frame about to be read: ``pushed`` by the page
        for the batch it draws (mirror/render/masks.py), else one started now; None when
        the worker would not take that frame at once (it would wait, and be measured when
        taken: one started now would be one more), or while Chromium is behind (a page whose
        worker happens to be idle would have its frames go ahead of the others')."""
        early = self._rebuilt and not (self._closed or self._working or self._pending is not None)
        if not early or self._load.lag > BEHIND_S:
            if pushed is not None:
                pushed.cancel()
            return None
        measuring = pushed if pushed is not None else asyncio.ensure_future(self._measure())
        measuring.add_done_callback(_retrieve)  # A frame read newer than it goes without it.
        return measuring

    async def _ack(self, params: dict[str, Any]) -> None:
        if self._cdp is not None and not self._closed:
            with contextlib.suppress(PlaywrightError):  # The page may close meanwhile.
                await self._cdp.send("Page.screencastFrameAck", {"sessionId": params["sessionId"]})

    async def _send_frames(self) -> None:
        """The frame worker: redacts the newest pending frame and posts it to the mailbox."""
        while not self._closed:
            await self._frame_waiting.wait()
            self._frame_waiting.clear()
            taken, self._pending = self._pending, None
            measuring, self._measuring = self._measuring, None
            self._working = True
            try:
                await self._send(taken, measuring)
            finally:
                self._working = False

    async def _send(
        self, taken: dict[str, Any] | Frame | None, measuring: Measuring | None
    ) -> None:
        if taken is None:
            return
        if isinstance(taken, Frame):
            frame = await self._redacted(_ready(taken), measuring)
        else:
            frame = await self._screencast_frame(taken)
        if frame is None:
            return
        if frame.same_as(self._frames.last):
            self._events.on_repeat()
        else:
            self._frames.put(frame)
            self.settle_soon()

    async def _screencast_frame(self, params: dict[str, Any]) -> Frame | None:
        """The screencast's frame, redacted, and acknowledged; None when it is not to be sent."""
        jpeg = base64.b64decode(params["data"])
        if self._same_as_last(jpeg):
            self._events.on_repeat()
            await self._ack(params)
            return None
        # Acknowledged while it is redacted: Chromium may encode the next frame meanwhile.
        acked = asyncio.ensure_future(self._ack(params))
        try:
            return await self._redacted(
                asyncio.ensure_future(asyncio.to_thread(decode_frame, jpeg))
            )
        except ValueError as exc:  # A frame that is not a readable JPEG: wait for the next.
            self._log.warning("frame dropped, unreadable: %s", exc)
            return None
        finally:
            await acked

    def _same_as_last(self, jpeg: bytes) -> bool:
        """The screencast's bytes of the last frame again (a settle frame or a repaint that
        changed nothing, common with many busy sessions). Chromium's encoder is deterministic,
        so the last frame, already sent, shows the same pixels: this one is neither decoded nor
        measured."""
        last = self._frames.last
        return last is not None and last.jpeg == jpeg

    async def _redacted(
        self, decoding: asyncio.Future[Frame], measuring: Measuring | None = None
    ) -> Frame | None:
        """The frame (being decoded meanwhile) with hidden and blocked areas uniform, or None
        (not sent) when they cannot be measured. Measured now unless ``measuring`` was started
        after the frame's pixels were drawn. The previous measurement is painted too: the page
        may have moved between the frame and this measurement."""
        if self._closed:
            return None
        try:
            measured = await (self._measure() if measuring is None else measuring)
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
        # From the frame itself: masks measured in the layout viewport's CSS pixels must cover
        # the frame's pixels whatever the pixel ratio or the customer's zoom did to its size.
        left, top, width, _ = self._screen.shown()
        scale = frame.width / width
        frame.shown = shown_size(frame, self._screen.view_size)
        rects = [scaled([r[0] - left, r[1] - top, r[2], r[3]], scale) for r in measured]
        stale = [r for r in self._last_rects if r not in rects]
        self._last_rects = rects
        if stale:
            # This frame also gets the previous boxes painted (the page may have moved after it
            # was taken); the next frame, asked for now, has only the current ones.
            await self._repaint()
        if all_uniform(frame, rects + stale):  # No rectangle, or all flat already.
            return frame
        return await asyncio.to_thread(paint, frame, rects + stale)

    def settle_soon(self) -> None:
        """One more frame once the page has been still for SETTLE_S (longer while Chromium is
        behind: mirror/render/pacing.py) after a frame was sent or an asset arrived: Chromium may
        never screencast a paint that lands just after a frame (seen under CPU load: decoded
        images, rebuilt frames, the repaint that clears stale masks), which would leave a page that
        then goes still without it in the agent's view. That frame is not sent when it is
        identical to the last, which ends the round."""
        if not self.settles:
            return
        if self._settle_timer is not None:
            self._settle_timer.cancel()
        delay = self._pacer.settle_delay(SETTLE_S)
        self._settle_timer = asyncio.get_running_loop().call_later(delay, self._settle)

    def _settle(self) -> None:
        self._settle_timer = None
        self._settling = asyncio.ensure_future(self._repaint())


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _ready(frame: Frame) -> asyncio.Future[Frame]:
    done: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
    done.set_result(frame)
    return done
