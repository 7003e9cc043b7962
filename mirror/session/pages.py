"""The live sessions' render pages: one kept loading for the next join, bound to a session when
its agent joins, rebuilt from a fresh snapshot when it is lost, and its frames pumped to the
agent's socket."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from mirror.frames.patches import PatchEncoder, frame_messages
from mirror.metrics import Metrics
from mirror.render.events import PageEvents
from mirror.session.live import LiveSession, PageFactory, Peer, ServerPage, tell
from mirror.session.messages import Away, Notice, Snapshot, ViewSize
from mirror.session.state import EndReason

log = logging.getLogger("cobrowse.session")

MAX_LOSSES = 3  # Render pages lost within LOSS_WINDOW_S (not with their browser) end the
LOSS_WINDOW_S = 60.0  # session: a page that crashes again and again would crash the next too.
START_S = 45.0  # How long a render page may take to start (it may wait for a new browser).
CLOSE_S = 5.0  # How long a lost page may take to close (a stopped renderer never answers).

# How a page ends its session (the hub's end).
Ender = Callable[[LiveSession, EndReason], Coroutine[Any, Any, None]]


class RenderPages:
    def __init__(self, new_page: PageFactory, metrics: Metrics, end: Ender) -> None:
        self._new_page, self._metrics, self._end = new_page, metrics, end
        self._spare: ServerPage | None = None  # Prepared for the next join.
        self._encoders: dict[Peer, PatchEncoder] = {}  # Each view's, while its frames are pumped.

    def prepare_spare(self) -> None:
        """Keep a render page loading for the next join: its context and player page take most
        of the time from join to first frame. Called at start-up and after each frame sent, so
        the next one is prepared once a join has shown its page, not during it."""
        if self._spare is None:
            self._spare = self._new_page()

    async def open(self, live: LiveSession) -> None:
        """Bind the spare page to ``live`` (its agent joined) and ask its customer for a full
        snapshot; a page that cannot start is rebuilt, as one that crashes."""
        if not await self._bind(live):
            self.lost(live, "failed")

    async def _bind(self, live: LiveSession) -> bool:
        """Bind the spare page to ``live``; False when it could not start."""
        if self._spare is not None and self._spare.broken:  # Its renderer went meanwhile.
            await self.close_spare()
        self.prepare_spare()
        assert self._spare is not None
        page = live.page = self._spare
        self._spare = None
        events = PageEvents(
            on_resize=lambda: self._resized(live),
            on_crash=lambda: self.lost(live, "crashed"),
            on_hang=lambda: self.lost(live, "stopped answering"),
            on_notice=lambda reason: self.notice(live, reason),
            on_lag=self._metrics.frame_lag.observe,
            on_repeat=self._metrics.frames_repeated.inc,
            on_unreported=self._metrics.rebuilds_unreported.inc,
        )
        if live.customer is not None:  # The snapshot and the page's start run side by side.
            await live.customer.send_message(Snapshot())
        try:
            async with asyncio.timeout(START_S):  # A page in a stopped renderer never starts.
                await page.start(
                    live.session.origin, live.screen, live.frames, events, {"session": live.uuid}
                )
        except Exception:
            log.exception("session %s: the render page could not be opened", live.uuid)
            return False
        return True

    def lost(self, live: LiveSession, how: str) -> None:
        """``live``'s render page crashed, stopped answering, or went with its browser
        (``how``): a new one is built from a fresh snapshot, unless one is being built."""
        rebuilding = live.tasks.get("rebuild")
        if live.session.live and (rebuilding is None or rebuilding.done()):
            live.tasks.start("rebuild", self._rebuild(live, how))

    async def _rebuild(self, live: LiveSession, how: str) -> None:
        started = time.monotonic()
        self.notice(live, "view-restarting")
        while live.session.live:
            if how != "browser" and self._lost_too_often(live):
                log.error("session %s: render pages lost too often", live.uuid)
                await self._end(live, EndReason.MIRROR_ERROR)
                return
            log.warning("session %s: the render page %s; building a new one", live.uuid, how)
            self._metrics.mirror_rebuilds.labels(how).inc()
            await self._discard(live)
            if await self._bind(live):
                break
            how = "failed"
        if live.page is not None and live.session.live:
            await live.page.rebuilt()  # The customer's snapshot is in the new page.
            self._metrics.mirror_rebuild_seconds.observe(time.monotonic() - started)
            self.notice(live, "view-restored")

    def _lost_too_often(self, live: LiveSession) -> bool:
        now = time.monotonic()
        live.losses = [t for t in live.losses if now - t < LOSS_WINDOW_S] + [now]
        return len(live.losses) >= MAX_LOSSES

    async def _discard(self, live: LiveSession) -> None:
        page, live.page = live.page, None
        if page is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CLOSE_S):
                    await page.close()

    async def browser_restarted(self, sessions: list[LiveSession]) -> None:
        """A new browser replaced a lost one: every render page is rebuilt in it, and the
        spare, prepared in the old one, is prepared again."""
        await self.close_spare()
        for live in sessions:
            if live.page is not None:
                self.lost(live, "browser")
        self.prepare_spare()

    async def show(self, live: LiveSession, peer: Peer) -> None:
        """Tell a view that joins the size of the customer's screen and the page it is on."""
        viewport = live.screen.view_size
        zoom = live.screen.zoom
        await peer.send_message(ViewSize(width=viewport.width, height=viewport.height, zoom=zoom))
        if live.shown is not None:
            await peer.send_message(live.shown)
        if live.customer_away:
            await peer.send_message(Away(away=True))

    async def pump_frames(self, live: LiveSession, peer: Peer, recorded: bool) -> None:
        """Send a view each frame message as soon as its socket can take one; ``recorded``:
        the agent's view, whose frames are what the recording keeps."""
        encoder = self._encoders[peer] = PatchEncoder()
        try:
            async for message, picture in frame_messages(live.frames, encoder):
                await peer.send_frame(message)
                if recorded:
                    live.track.frame(message, picture)
                self._metrics.frames_sent.inc()
                self._metrics.frame_bytes.inc(len(message))
                if picture.shown is not None:
                    self._metrics.frames_scaled.inc()
                # Prepared during the join, the next spare would take the CPU that the
                # customer's snapshot and the rebuild need.
                self.prepare_spare()
        finally:
            if self._encoders.get(peer) is encoder:
                del self._encoders[peer]

    def redraw(self, live: LiveSession, peer: Peer) -> None:
        """The view could not draw a message: its next is the last frame, whole."""
        encoder, last = self._encoders.get(peer), live.frames.last
        if encoder is not None and last is not None:
            encoder.forget()
            live.frames.put(last)  # Each reader takes it again; only this one sends it.

    def notice(self, live: LiveSession, reason: str) -> None:
        """The views are partial, and why (``large-page``)."""
        log.info("session %s: the agent's view is partial (%s)", live.uuid, reason)
        live.tasks.start("notice", tell(live.viewers(), Notice(reason=reason)))

    async def recording(self, live: LiveSession, writing: bool) -> None:
        """The session's recording stopped being written (its store fails) or resumed."""
        self.notice(live, "recording-resumed" if writing else "recording-stopped")

    async def close_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            await spare.close()

    def _resized(self, live: LiveSession) -> None:
        viewport = live.screen.view_size
        resized = ViewSize(width=viewport.width, height=viewport.height, zoom=live.screen.zoom)
        live.track.event("view", width=viewport.width, height=viewport.height)
        live.tasks.start("resize", tell(live.viewers(), resized))
