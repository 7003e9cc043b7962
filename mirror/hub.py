"""The hub: live sessions wired to their sockets, mirror pages and history.

It turns what the sockets report (hello, events, join, exit, a socket gone) into state changes of
:mod:`mirror.sessions`, records each in history and tells both sides. The web handlers only decode
messages and call it; it knows nothing of aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time

import msgspec

from mirror.browser import ChromiumHost
from mirror.config import Config
from mirror.errors import CobrowseError, InvalidTransition, SessionNotFound
from mirror.history import HistoryStore
from mirror.live import ChatTies, LiveSession, Peer
from mirror.memory import MemoryReleaser
from mirror.messages import (
    CLOSE_ENDED,
    CaptureBudget,
    FrameRules,
    Hello,
    Joined,
    Notice,
    Policy,
    SessionInfo,
    Snapshot,
    Status,
    Viewport,
    ViewSize,
)
from mirror.metrics import Metrics
from mirror.mirror_page import Display, MirrorPage
from mirror.netguard import AssetGate
from mirror.patches import frame_messages
from mirror.sessions import EndReason, Session, SessionRegistry, SessionState, Transition
from replay.messages import (
    AgentInput,
    Applied,
    ClickInput,
    KeyInput,
    Refused,
    Script,
    WheelInput,
)
from replay.policy import Rules
from replay.translate import Refusal, is_tab, new_focus, translate

log = logging.getLogger("cobrowse.session")


class Hub:
    def __init__(
        self,
        config: Config,
        history: HistoryStore,
        host: ChromiumHost,
        gate: AssetGate,
        metrics: Metrics,
    ) -> None:
        self.config, self.history, self.host, self.gate = config, history, host, gate
        self.metrics = metrics
        self.registry = SessionRegistry()
        self._releaser = MemoryReleaser()
        self._spare: MirrorPage | None = None  # Prepared for the next join (see _open_mirror).
        masking = config.masking
        self._policy = Policy(
            hidden=masking.hidden,
            readonly=masking.readonly,
            blocked=masking.blocked,
            agent_can_submit=masking.agent_can_submit,
        )
        capture = config.capture
        self._budget = CaptureBudget(
            canvas_fps=capture.canvas_fps,
            canvas_quality=capture.canvas_quality,
            canvas_bytes_per_s=capture.canvas_bytes_per_s,
            max_nodes=capture.max_nodes,
            iframe_load_timeout_s=capture.iframe_load_timeout_s,
        )
        self._live: dict[str, LiveSession] = {}  # by session uuid
        self.chats: ChatTies | None = None

    def frame_rules(self) -> FrameRules:
        """What a frame of another origin shares under, once its parent's origin is allowed."""
        return FrameRules(share=True, policy=self._policy, capture=self._budget)

    # -- the customer's page -----------------------------------------------------------------

    async def customer_hello(self, peer: Peer, hello: Hello, origin: str | None) -> LiveSession:
        """Create a session (Co-browse -> Yes) or resume one on a new page of the site."""
        if hello.resume_id and hello.resume_token:
            session = self.registry.resume(hello.resume_id, hello.resume_token)
            live = self._live[session.uuid]
            old, live.customer = live.customer, peer
            live.tasks.cancel("customer_grace")
            if old is not None:
                await old.close(CLOSE_ENDED, "session continued on another page")
            log.info("session %s: customer page reconnected", session.uuid)
        else:
            live = await self._create(peer, hello, origin)
            session = live.session
        live.viewport = hello.viewport
        live.display = Display(hello.color_scheme, hello.pixel_ratio)
        if live.mirror is not None:
            await live.mirror.emulate(live.display)
        await peer.send_message(
            SessionInfo(
                id=session.access_id,
                token=session.resume_token,
                uuid=session.uuid,
                state=session.state.value,
                policy=self._policy,
                capture=self._budget,
            )
        )
        if session.state is SessionState.ACTIVE:
            await peer.send_message(Snapshot())
        return live

    async def _create(self, peer: Peer, hello: Hello, origin: str | None) -> LiveSession:
        """A new session; one started from the customer's chat is tied to it (ChatNotFound
        if the page does not own that live chat)."""
        tied = (
            self.chats.tie(hello.chat.id, hello.chat.token) if hello.chat and self.chats else None
        )
        session = self.registry.create(origin=origin, interaction_id=tied)
        live = self._live[session.uuid] = LiveSession(session, hello.viewport, customer=peer)
        self.metrics.sessions_created.inc()
        self.metrics.live_sessions.inc()
        await self._record(session)
        log.info("session %s: created", session.uuid)
        if tied and self.chats:
            await self.chats.cobrowse_started(tied, session.access_id)
        return live

    async def customer_events(self, live: LiveSession, events: list[msgspec.Raw]) -> None:
        if live.mirror is None or not events:
            return  # Nothing is captured before the agent joins; stray batches are dropped.
        live.touch()
        await live.mirror.add_events([bytes(event) for event in events])

    async def customer_left(self, live: LiveSession, peer: Peer) -> None:
        """The customer's socket closed without Exit: a reload or another page of the site."""
        if live.customer is not peer or not live.session.live:
            return
        live.customer = None
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
        await self._tell_state(live, transition)
        await peer.send_message(Joined(token=live.agent_token))
        await self._attach_agent(live, peer)
        # The history write runs beside the mirror's start, off the join's path.
        await asyncio.gather(self._record(session), self._open_mirror(live))
        return live

    async def agent_rejoin(self, peer: Peer, access_id: str, token: str) -> LiveSession:
        """The agent's page came back (a reload, or back from another site) within the grace
        period, proving with its token that it is this session's agent."""
        try:
            live = self._live[self.registry.get(access_id).uuid]
        except SessionNotFound:
            self.metrics.join_refused.inc()
            raise
        if live.session.state is not SessionState.ACTIVE or not secrets.compare_digest(
            live.agent_token, token
        ):
            self.metrics.join_refused.inc()
            raise SessionNotFound("no live session has that identifier")
        old, live.agent = live.agent, peer
        live.tasks.cancel("agent_grace")
        if old is not None:
            await old.close(CLOSE_ENDED, "the session continued in another page")
        live.touch()
        log.info("session %s: agent page returned", live.uuid)
        await peer.send_message(Status(state=live.session.state.value))
        await peer.send_message(Joined(token=live.agent_token))
        await self._attach_agent(live, peer)
        if live.customer is not None:  # A fresh full snapshot for the returning view.
            await live.customer.send_message(Snapshot())
        return live

    async def _attach_agent(self, live: LiveSession, peer: Peer) -> None:
        await peer.send_message(ViewSize(width=live.viewport.width, height=live.viewport.height))
        live.tasks.start("frames", self._pump_frames(live, peer))

    async def agent_input(self, live: LiveSession, item: AgentInput) -> None:
        """The agent's pointer or keys: hit-test in the mirror, check, send the event script."""
        if live.mirror is None or not live.session.live:
            return
        live.touch()
        hit, tab_to = None, None
        if isinstance(item, ClickInput | WheelInput):
            hit = await live.mirror.hit_test(item.x, item.y)
        elif isinstance(item, KeyInput) and is_tab(item):
            tab_to = await live.mirror.next_focus(live.agent_focus, item.shift)
        result = translate(item, hit, live.agent_focus, self._rules(live), tab_to)
        if isinstance(result, Refusal):
            await self._refuse(live, result.reason)
            return
        live.agent_focus = new_focus(result, hit, live.agent_focus)
        live.script_seq += 1
        if live.customer is not None:
            await live.customer.send_message(Script(seq=live.script_seq, action=result))

    async def customer_answer(self, live: LiveSession, answer: Applied | Refused) -> None:
        """The customer's page dispatched a script, or refused it (the agent is told why)."""
        if isinstance(answer, Refused):
            await self._refuse(live, answer.reason)

    async def _refuse(self, live: LiveSession, reason: str) -> None:
        self.metrics.actions_refused.labels(reason).inc()
        if live.agent is not None:
            await live.agent.send_message(Refused(reason=reason))

    def _rules(self, live: LiveSession) -> Rules:
        masking = self.config.masking
        return Rules(agent_can_submit=masking.agent_can_submit, page_origin=live.session.origin)

    async def agent_left(self, live: LiveSession, peer: Peer) -> None:
        if live.agent is not peer or not live.session.live:
            return
        live.agent = None
        live.tasks.cancel("frames")
        grace = self.config.session.agent_reconnect_grace_s
        live.tasks.start("agent_grace", self._end_after(live, grace, EndReason.AGENT_TIMEOUT))

    # -- both --------------------------------------------------------------------------------

    async def end(self, live: LiveSession, reason: EndReason) -> None:
        """End the session for both sides, record why, and free its mirror."""
        transition = live.session.end(reason)
        if transition is None:
            return
        self.registry.discard(live.session)
        self._live.pop(live.uuid, None)
        self.metrics.live_sessions.dec()
        self.metrics.sessions_ended.labels(reason.value).inc()
        log.info("session %s: ended (%s)", live.uuid, reason.value)
        live.tasks.cancel_all()
        await self._announce(live, transition)
        peers = [p for p in (live.customer, live.agent) if p is not None]
        # Together: one side slow to answer the close handshake must not delay the other.
        await asyncio.gather(
            *(p.close(CLOSE_ENDED, f"session ended: {reason.value}") for p in peers)
        )
        if live.mirror is not None:
            await live.mirror.close()
        self._releaser.soon()
        session = live.session
        if session.interaction_id and self.chats:
            await self.chats.cobrowse_ended(session.interaction_id, session.access_id)

    async def end_interaction(self, interaction_id: str) -> list[str]:
        """The primary interaction (call or chat) ended: so does every session tied to it."""
        tied = [
            live for live in self._live.values() if live.session.interaction_id == interaction_id
        ]
        for live in tied:
            await self.end(live, EndReason.INTERACTION_ENDED)
        return [live.uuid for live in tied]

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
        spare, self._spare = self._spare, None
        if spare is not None:
            await spare.close()
        self._releaser.cancel()

    def lookup(self, session_uuid: str) -> LiveSession | None:
        return self._live.get(session_uuid)

    # -- internals ---------------------------------------------------------------------------

    def prepare_spare_mirror(self) -> None:
        """Keep a mirror page loading for the next join: its context and player page take most
        of the time from join to first frame. Called at start-up and after each frame sent, so
        the next one is prepared once a join has shown its page, not during it."""
        if self._spare is None:
            self._spare = MirrorPage(self.host, self.gate, self._policy)

    async def _open_mirror(self, live: LiveSession) -> None:
        session = live.session
        self.prepare_spare_mirror()
        assert self._spare is not None
        live.mirror, self._spare = self._spare, None
        live.mirror.on_notice = lambda reason: self._noticed(live, reason)
        live.mirror.on_lag = self.metrics.frame_lag.observe
        if live.customer is not None:  # The snapshot and the page's start run side by side.
            await live.customer.send_message(Snapshot())
        try:
            await live.mirror.start(
                session.origin,
                live.viewport,
                live.frames,
                on_resize=lambda w, h: self._resized(live, w, h),
                on_crash=lambda: live.tasks.start("crash", self.end(live, EndReason.MIRROR_ERROR)),
                log_extra={"session": session.uuid},
                display=live.display,
            )
        except Exception:
            log.exception("session %s: the mirror page could not be opened", session.uuid)
            await self.end(live, EndReason.MIRROR_ERROR)

    def _noticed(self, live: LiveSession, reason: str) -> None:
        log.info("session %s: the agent's view is partial (%s)", live.uuid, reason)
        if live.agent is not None:
            live.tasks.start("notice", live.agent.send_message(Notice(reason=reason)))

    def _resized(self, live: LiveSession, width: int, height: int) -> None:
        live.viewport = Viewport(width, height)
        if live.agent is not None:
            resized = ViewSize(width=width, height=height)
            live.tasks.start("resize", live.agent.send_message(resized))

    async def _pump_frames(self, live: LiveSession, peer: Peer) -> None:
        """Send the agent each frame message as soon as its socket can take one."""
        async for message in frame_messages(live.frames):
            await peer.send_frame(message)
            self.metrics.frames_sent.inc()
            self.metrics.frame_bytes.inc(len(message))
            # Prepared during the join, the next spare took the CPU that the customer's snapshot
            # and the rebuild needed (the snapshot arrived 209 ms after the join, now 40 ms).
            self.prepare_spare_mirror()

    async def _end_after(self, live: LiveSession, seconds: float, reason: EndReason) -> None:
        await asyncio.sleep(seconds)
        await self.end(live, reason)

    async def _announce(self, live: LiveSession, transition: Transition) -> None:
        await self._record(transition.session)
        await self._tell_state(live, transition)

    async def _tell_state(self, live: LiveSession, transition: Transition) -> None:
        session = transition.session
        reason = session.end_reason.value if session.end_reason else None
        status = Status(state=session.state.value, reason=reason)
        for peer in (live.customer, live.agent):
            if peer is not None:
                with contextlib.suppress(CobrowseError, ConnectionError):
                    await peer.send_message(status)

    async def _record(self, session: Session) -> None:
        try:
            await self.history.record(session)
        except Exception:
            # History must not take a live session down; the failure is logged for operators.
            log.exception("session %s: history write failed", session.uuid)
