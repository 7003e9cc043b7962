"""The hub: live sessions wired to their sockets, render pages and history. It knows nothing of
aiohttp or Chromium: socket handlers call it with decoded messages (see :class:`Hub`).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

import msgspec

from mirror.config import Config
from mirror.errors import InvalidTransition, SessionNotFound
from mirror.history import HistoryStore
from mirror.history.writes import RetriedWrites
from mirror.metrics import Metrics
from mirror.render.screen import Display, Screen
from mirror.session import tabs
from mirror.session.actions import AgentActions
from mirror.session.colleagues import Crew
from mirror.session.control import AgentControl
from mirror.session.directory import Directory, LocalDirectory
from mirror.session.feed import PageFeed
from mirror.session.jointokens import JoinTokens, LocalJoinTokens
from mirror.session.live import (
    LiveSession,
    PageFactory,
    Peer,
    SessionObserver,
    Tracks,
    tell,
)
from mirror.session.messages import (
    Control,
    FrameRules,
    Hello,
    SessionInfo,
    Snapshot,
    Status,
)
from mirror.session.pages import RenderPages
from mirror.session.starts import SessionStarts
from mirror.session.state import EndReason, Session, SessionRegistry, SessionState, Transition
from mirror.wire import CLOSE_ENDED, budget_for, policy_for

log = logging.getLogger("cobrowse.session")


class Hub:
    """Owns the live sessions of this server: each one's sockets, render page and timers.

    It turns what the sockets report (hello, events, join, exit, a socket gone) into state changes
    of :mod:`mirror.session.state`, records each in history and tells both sides. Its render pages
    come from the factory it is given.
    """

    def __init__(
        self,
        config: Config,
        history: HistoryStore,
        pages: PageFactory,
        metrics: Metrics,
        directory: Directory | None = None,
        tracks: Tracks | None = None,
        tokens: JoinTokens | None = None,
    ) -> None:
        self.config, self.history, self.metrics = config, history, metrics
        self._tracks = tracks  # Recordings, when the configuration asks for them.
        self.writes = RetriedWrites(history.record, metrics.history_failures)
        self.pages = RenderPages(pages, metrics, self.end)
        self.feed = PageFeed(config.limits, metrics, self.pages, self.end)
        self.control = AgentControl(config.session.agent_control, history)
        self.actions = AgentActions(config, metrics, self.control)
        self.registry = SessionRegistry()  # The sessions this server owns.
        self.directory: Directory = directory or LocalDirectory()
        self.tokens: JoinTokens = tokens or LocalJoinTokens()  # Join tokens and invitations.
        self.crew = Crew(config, self.tokens, self.directory, self.pages, self.agent_away)
        self._observers: list[SessionObserver] = []
        self._policy = policy_for(config.masking)
        self._budget = budget_for(config.capture)
        self._live: dict[str, LiveSession] = {}  # by session uuid
        self._closing: set[asyncio.Task[None]] = set()  # Ends under way (see end).
        self.starts = SessionStarts(config, metrics, self.registry, self.directory)

    def observe(self, observer: SessionObserver) -> None:
        """Tell ``observer`` of each session's creation and end from now on."""
        self._observers.append(observer)

    @property
    def recorded(self) -> bool:
        """Sessions here are recorded once their agent joins."""
        return self._tracks is not None

    def frame_rules(self) -> FrameRules:
        """What a frame of another origin shares under, once its parent's origin is allowed."""
        return FrameRules(share=True, policy=self._policy, capture=self._budget)

    # -- the customer's page -----------------------------------------------------------------

    async def customer_hello(
        self,
        peer: Peer,
        hello: Hello,
        origin: str | None,
        interaction_id: str | None = None,
        client: str | None = None,
    ) -> LiveSession:
        """Create a session (Co-browse -> Yes), tied to ``interaction_id`` when it starts from a
        chat, or resume one on a new page of the site. A new session counts against the limits
        of ``client`` (its address); past them, or at capacity, raises SessionError."""
        if hello.resume_id and hello.resume_token:
            session = self.registry.resume(hello.resume_id, hello.resume_token)
            live = self._live[session.uuid]
            live.tasks.cancel("customer_grace")
            await tabs.resumed(live, peer, hello.tab)
            log.info("session %s: customer page reconnected", session.uuid)
        else:
            live = await self._create(peer, hello, origin, interaction_id, client)
            live.customer_tab, session = hello.tab, live.session
        live.screen.viewport = hello.viewport
        live.screen.display = Display(hello.color_scheme, hello.pixel_ratio)
        await self.directory.saved(live)
        if live.page is not None:
            await live.page.emulate()
        await peer.send_message(
            SessionInfo(
                id=session.access_id,
                token=session.resume_token,
                uuid=session.uuid,
                state=session.state.value,
                policy=self._policy,
                capture=self._budget,
                recorded=self.recorded,
                control=self.control.mode,
            )
        )
        if session.state is SessionState.ACTIVE:
            await peer.send_message(Snapshot())
            if live.control == "granted":  # A new page of the site: "Stop agent control".
                await peer.send_message(Control(granted=True, mode="ask"))
            if live.company is not None:  # Who is watching, on this page too.
                await self.crew.tell(live, customer_anew=True)
        return live

    async def _create(
        self,
        peer: Peer,
        hello: Hello,
        origin: str | None,
        interaction_id: str | None,
        client: str | None,
    ) -> LiveSession:
        live = await self.starts.start(origin, interaction_id, Screen(hello.viewport), client)
        live.customer = peer
        session = live.session
        self._live[session.uuid] = live
        self.metrics.live_sessions.inc()
        await self._record(session)
        log.info("session %s: created", session.uuid)
        for observer in self._observers:
            await observer.session_created(session)
        return live

    async def customer_events(self, live: LiveSession, events: list[msgspec.Raw]) -> None:
        await self.feed.events(live, events)

    async def customer_left(self, live: LiveSession, peer: Peer) -> None:
        """The customer's socket closed without Exit: a reload or another page of the site."""
        if live.customer is not peer or not live.session.live:
            return
        live.customer = None
        self.customer_away(live)

    def customer_away(self, live: LiveSession) -> None:
        """No customer's page is connected: the session ends unless one comes back in time."""
        grace = self.config.session.customer_reconnect_grace_s
        live.tasks.start("customer_grace", self._end_after(live, grace, EndReason.CUSTOMER_TIMEOUT))

    # -- the agent's page --------------------------------------------------------------------

    async def agent_join(self, peer: Peer, access_id: str, interaction: str | None) -> LiveSession:
        """The agent joins with the nine digits; raises SessionNotFound for any refusal."""
        try:
            session = self.registry.get(access_id)
            transition = session.join(interaction)
        except (SessionNotFound, InvalidTransition) as exc:
            self.metrics.join_refused.inc()
            raise SessionNotFound("no live session has that identifier") from exc
        live = self._live[session.uuid]
        live.agent = peer
        live.touch()
        log.info("session %s: agent joined", session.uuid)
        self.record_track(live, "joined")
        await self.directory.saved(live)
        await self._tell_state(live, transition)
        await peer.send_message(live.joined(live.agent_token))
        await self._attach_agent(live, peer)
        for observer in self._observers:
            await observer.session_started(session)
        # The history write runs beside the render page's start, off the join's path.
        await asyncio.gather(self._record(session), self.pages.open(live))
        return live

    async def agent_rejoin(self, peer: Peer, access_id: str, token: str) -> LiveSession:
        """The agent's page came back (a reload, or back from another site) within the grace
        period, proving with its token that it is this session's agent; or a colleague's page
        came with its invitation, or back, with its seat's token."""
        try:
            live = self._live[self.registry.get(access_id).uuid]
        except SessionNotFound:
            self.metrics.join_refused.inc()
            raise
        active = live.session.state is SessionState.ACTIVE
        if active and (watcher := self.crew.seat_of(live, token)) is not None:
            live.touch()
            await self.crew.attach(live, watcher, peer)
            return live
        if not active or not secrets.compare_digest(live.agent_token.encode(), token.encode()):
            self.metrics.join_refused.inc()
            raise SessionNotFound("no live session has that identifier")
        old, live.agent = live.agent, peer
        live.tasks.cancel("agent_grace")
        if old is not None:
            await old.close(CLOSE_ENDED, "the session continued in another page")
        live.touch()
        log.info("session %s: agent page returned", live.uuid)
        live.track.event("agent_returned")
        await peer.send_message(Status(state=live.session.state.value))
        await peer.send_message(live.joined(live.agent_token))
        await self._attach_agent(live, peer)
        if live.customer is not None:  # A fresh full snapshot for the returning view.
            await live.customer.send_message(Snapshot())
        return live

    async def _attach_agent(self, live: LiveSession, peer: Peer) -> None:
        await self.agent_watching(live, peer, True)  # A page that is not looking says so next.
        await self.pages.show(live, peer)
        if (control := self.control.greet(live)) is not None:
            await peer.send_message(control)
        live.tasks.start("frames", self.pages.pump_frames(live, peer, True))
        if live.watchers:
            await self.crew.tell(live)  # Its invitations, after a reload.

    async def agent_watching(self, live: LiveSession, peer: Peer, seen: bool) -> None:
        """A view came into sight (a fresh frame follows) or left it: with no view in sight,
        capture stops (the customer's changes are still applied)."""
        if peer is live.agent:
            live.agent_seen = seen
        elif (watcher := live.watcher_with(peer)) is not None:
            watcher.seen = seen
        if live.page is not None:
            await live.page.watch(live.in_sight())

    async def agent_left(self, live: LiveSession, peer: Peer) -> None:
        if not live.session.live:
            return
        if (watcher := live.watcher_with(peer)) is not None:
            await self.crew.left(live, watcher)
            return
        if live.agent is not peer:
            return
        live.agent = None
        live.track.event("agent_left")
        live.tasks.cancel("frames")
        if live.page is not None:  # Until the agent's page comes back.
            await live.page.watch(live.in_sight())
        self.agent_away(live)

    def agent_away(self, live: LiveSession) -> None:
        """No agent's page is connected: the session ends unless one comes back in time."""
        grace = self.config.session.agent_reconnect_grace_s
        live.tasks.start("agent_grace", self._end_after(live, grace, EndReason.AGENT_TIMEOUT))

    # -- both --------------------------------------------------------------------------------

    async def end(self, live: LiveSession, reason: EndReason) -> None:
        """End the session for both sides, record why, and free its mirror."""
        transition = live.session.end(reason)
        if transition is None:
            return
        # Run to its end even when the socket that asked goes away meanwhile and its handler is
        # cancelled: the render page, the recording and the observers must hear of every end.
        closing = asyncio.ensure_future(self._close(live, reason, transition))
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)
        await asyncio.shield(closing)

    async def _close(self, live: LiveSession, reason: EndReason, transition: Transition) -> None:
        self.forget(live)
        await self.directory.released(live.session)
        self.metrics.sessions_ended.labels(reason.value).inc()
        log.info("session %s: ended (%s)", live.uuid, reason.value)
        live.track.event("ended", reason=reason.value)
        await self._announce(live, transition)
        peers = live.sockets()
        live.watchers.clear()
        await self.let_go(live, peers, CLOSE_ENDED, f"session ended: {reason.value}")
        for observer in self._observers:
            await observer.session_ended(live.session)
        await live.track.finish(reason.value)

    async def end_interaction(self, interaction_id: str) -> list[str]:
        """The primary interaction (call or chat) ended: so does every session tied to it."""
        tied = [
            live for live in self._live.values() if live.session.interaction_id == interaction_id
        ]
        for live in tied:
            await self.end(live, EndReason.INTERACTION_ENDED)
        return [live.uuid for live in tied]

    def chat_line(self, interaction_id: str, sender: str, text: str) -> None:
        """A line of the chat that is the primary interaction of some sessions here."""
        for live in self._live.values():
            if live.session.interaction_id == interaction_id:
                live.track.event("chat", sender=sender, text=text)

    async def watch_inactivity(self) -> None:
        """End sessions with no input and no page change from either side for too long."""
        timeout = self.config.session.inactivity_timeout_s
        while True:
            await asyncio.sleep(min(1.0, timeout / 4))
            now = time.monotonic()
            for live in [v for v in self._live.values() if now - v.last_activity > timeout]:
                await self.end(live, EndReason.INACTIVITY)

    async def shutdown(self) -> None:
        """Server stopping: every live session ends with ``server_shutdown``."""
        for live in list(self._live.values()):
            await self.end(live, EndReason.SERVER_SHUTDOWN)
        await asyncio.gather(*self._closing)  # Ends whose sockets went away meanwhile.
        await self.pages.close_spare()
        await self.writes.close()

    def own(self, live: LiveSession) -> None:
        """The session is this server's from now on."""
        self.registry.add(live.session)
        self._live[live.uuid] = live
        self.metrics.live_sessions.inc()

    def lookup(self, session_uuid: str) -> LiveSession | None:
        return self._live.get(session_uuid)

    def sessions(self) -> list[LiveSession]:
        """The live sessions this server owns."""
        return list(self._live.values())

    # -- internals ---------------------------------------------------------------------------

    def forget(self, live: LiveSession) -> None:
        """The session is no longer this server's: its timers stop."""
        self.registry.discard(live.session)
        self._live.pop(live.uuid, None)
        self.starts.ended(live.uuid)
        self.metrics.live_sessions.dec()
        live.tasks.cancel_all()

    async def let_go(self, live: LiveSession, peers: list[Peer], code: int, reason: str) -> None:
        """Close its sockets and free its render page."""
        # Together: one side slow to answer the close handshake must not delay the other.
        await asyncio.gather(*(p.close(code, reason) for p in peers))
        if live.page is not None:
            await live.page.close()

    def record_track(self, live: LiveSession, first: str) -> None:
        """Start the session's recording (when recordings are on) with event ``first``."""
        if self._tracks is not None:
            live.track = self._tracks(
                live.uuid, lambda writing: self.pages.recording(live, writing)
            )
        viewport = live.screen.view_size
        live.track.event(first)
        live.track.event("view", width=viewport.width, height=viewport.height)

    async def _end_after(self, live: LiveSession, seconds: float, reason: EndReason) -> None:
        await asyncio.sleep(seconds)
        await self.end(live, reason)

    async def _announce(self, live: LiveSession, transition: Transition) -> None:
        await self._record(transition.session)
        await self._tell_state(live, transition)

    async def _tell_state(self, live: LiveSession, transition: Transition) -> None:
        session = transition.session
        reason = session.end_reason.value if session.end_reason else None
        await tell(live.sockets(), Status(state=session.state.value, reason=reason))

    async def _record(self, session: Session) -> None:
        await self.writes.write(session)
