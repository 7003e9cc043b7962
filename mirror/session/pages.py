"""The live sessions' render pages: one kept loading for the next join, bound to a session when
its agent joins, and its frames pumped to the agent's socket."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from mirror.frames.patches import frame_messages
from mirror.metrics import Metrics
from mirror.render.events import PageEvents
from mirror.session.live import LiveSession, PageFactory, Peer, ServerPage
from mirror.session.messages import Notice, Snapshot, ViewSize
from mirror.session.state import EndReason

log = logging.getLogger("cobrowse.session")

# How a page ends its session (the hub's end).
Ender = Callable[[LiveSession, EndReason], Coroutine[Any, Any, None]]


class RenderPages:
    def __init__(self, new_page: PageFactory, metrics: Metrics, end: Ender) -> None:
        self._new_page, self._metrics, self._end = new_page, metrics, end
        self._spare: ServerPage | None = None  # Prepared for the next join.

    def prepare_spare(self) -> None:
        """Keep a render page loading for the next join: its context and player page take most
        of the time from join to first frame. Called at start-up and after each frame sent, so
        the next one is prepared once a join has shown its page, not during it."""
        if self._spare is None:
            self._spare = self._new_page()

    async def open(self, live: LiveSession) -> None:
        """Bind the spare page to ``live`` and ask its customer for a full snapshot; a page that
        cannot start ends the session (``mirror_error``)."""
        self.prepare_spare()
        assert self._spare is not None
        page = live.page = self._spare
        self._spare = None
        events = PageEvents(
            on_resize=lambda: self._resized(live),
            on_crash=lambda: self._crashed(live),
            on_notice=lambda reason: self.notice(live, reason),
            on_lag=self._metrics.frame_lag.observe,
            on_repeat=self._metrics.frames_repeated.inc,
        )
        if live.customer is not None:  # The snapshot and the page's start run side by side.
            await live.customer.send_message(Snapshot())
        try:
            await page.start(
                live.session.origin, live.screen, live.frames, events, {"session": live.uuid}
            )
        except Exception:
            log.exception("session %s: the render page could not be opened", live.uuid)
            await self._end(live, EndReason.MIRROR_ERROR)

    async def pump_frames(self, live: LiveSession, peer: Peer) -> None:
        """Send the agent each frame message as soon as its socket can take one."""
        async for message, picture in frame_messages(live.frames):
            await peer.send_frame(message)
            live.track.frame(message, picture)
            self._metrics.frames_sent.inc()
            self._metrics.frame_bytes.inc(len(message))
            # Prepared during the join, the next spare would take the CPU that the customer's
            # snapshot and the rebuild need.
            self.prepare_spare()

    def notice(self, live: LiveSession, reason: str) -> None:
        """The agent's view is partial, and why (``large-page``)."""
        log.info("session %s: the agent's view is partial (%s)", live.uuid, reason)
        if live.agent is not None:
            live.tasks.start("notice", live.agent.send_message(Notice(reason=reason)))

    async def recording(self, live: LiveSession, writing: bool) -> None:
        """The session's recording stopped being written (its store fails) or resumed."""
        self.notice(live, "recording-resumed" if writing else "recording-stopped")

    async def close_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            await spare.close()

    def _crashed(self, live: LiveSession) -> None:
        live.tasks.start("crash", self._end(live, EndReason.MIRROR_ERROR))

    def _resized(self, live: LiveSession) -> None:
        if live.agent is not None:
            viewport = live.screen.viewport
            resized = ViewSize(width=viewport.width, height=viewport.height)
            live.track.event("view", width=viewport.width, height=viewport.height)
            live.tasks.start("resize", live.agent.send_message(resized))
