"""A live session as the hub holds it: the session's state, its sockets (the customer's, the
agent's and those of colleagues watching), its render page, the newest frame, and the tasks that
run for it (grace timers, frame pumps). The protocols here are what the hub needs of a socket and
of a render page."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from mirror.clock import utcnow
from mirror.errors import CobrowseError
from mirror.frames.frame import Frame, LatestFrame
from mirror.recording.customer import Page
from mirror.render.events import PageEvents
from mirror.render.screen import Screen
from mirror.session.budget import PageBudget
from mirror.session.jointokens import new_token
from mirror.session.messages import Company, Joined, PageShown, ServerMessage
from mirror.session.state import Session
from mirror.tasks import NamedTasks
from replay.hit import Anchor, Hit


class Peer(Protocol):
    """One party's socket, as the hub sees it."""

    async def send_message(self, message: ServerMessage) -> None: ...
    async def send_frame(self, frame: bytes) -> None: ...
    async def close(self, code: int, reason: str) -> None: ...


class ServerPage(Protocol):
    """The customer's page rebuilt on the server (:class:`mirror.render.page.RenderPage`)."""

    async def start(
        self,
        page_origin: str | None,
        screen: Screen,
        frames: LatestFrame,
        events: PageEvents,
        log_extra: dict[str, str],
    ) -> None: ...
    async def emulate(self) -> None: ...
    async def add_events(self, events: list[bytes]) -> None: ...
    async def hit_test(self, x: float, y: float) -> Hit: ...
    async def anchor(self, x: float, y: float) -> Anchor | None: ...
    async def next_focus(self, from_node: int | None, backwards: bool) -> int | None: ...
    async def describe(self, node: int) -> Hit | None: ...
    async def watch(self, seen: bool) -> None: ...
    async def draw(self, tool: str, points: list[list[float]]) -> None: ...
    async def erase(self) -> None: ...
    async def rebuilt(self) -> None:
        """Wait until the customer's page has been rebuilt in it (its first snapshot played)."""
        ...

    @property
    def broken(self) -> bool:
        """Its renderer crashed (a spare page's may, before any session has it)."""
        ...

    async def close(self) -> None: ...


class Track(Protocol):
    """The session's recording (:class:`mirror.recording.recorder.Recorder`): what the agent
    was sent and what happened, never the page's content."""

    def frame(self, message: bytes, picture: Frame) -> None: ...
    def event(self, kind: str, **fields: Any) -> None: ...
    def pointer(self, side: str, x: float, y: float) -> None: ...
    def customer_marks(self, marks: list[tuple[float, float] | Page]) -> None: ...
    async def finish(self, reason: str) -> None: ...


class NoTrack:
    """A session that is not recorded."""

    def frame(self, message: bytes, picture: Frame) -> None:
        pass

    def event(self, kind: str, **fields: Any) -> None:
        pass

    def pointer(self, side: str, x: float, y: float) -> None:
        pass

    def customer_marks(self, marks: list[tuple[float, float] | Page]) -> None:
        pass

    async def finish(self, reason: str) -> None:
        pass


# Starts a session's recording (by its UUID); told whether its recording is being written.
Tracks = Callable[[str, Callable[[bool], Awaitable[None]]], Track]

# Makes a new render page, which starts loading at once (see RenderPages.prepare_spare).
PageFactory = Callable[[], ServerPage]


class SessionObserver(Protocol):
    """Told of each session's creation, its agent's first join and its end (the chat hub, the
    memory releaser, the webhooks)."""

    async def session_created(self, session: Session) -> None: ...
    async def session_started(self, session: Session) -> None: ...
    async def session_ended(self, session: Session) -> None: ...


@dataclass(eq=False)
class Watcher:
    """A colleague or supervisor the agent invited to watch: frames and status, view only."""

    name: str  # As the inviting agent typed it; the customer is told it.
    seat: str = field(default_factory=lambda: secrets.token_hex(4))  # How the agent names it.
    token: str = field(default_factory=new_token)  # Its page's rejoin (never in an address).
    joined: bool = False  # Its page came once: until then it is an invitation.
    peer: Peer | None = None
    seen: bool = True  # Its view is in sight.


@dataclass(frozen=True)
class Seats:
    """Whose views may come to a session, as a cluster's directory keeps it for the node that
    takes the session over: the agent's rejoin token and name, and the watchers' seats."""

    agent_token: str
    agent_name: str = ""
    watchers: tuple[Watcher, ...] = ()


@dataclass(eq=False)
class LiveSession:
    """One session while it lives: what the hub knows of it beyond its state machine."""

    session: Session
    screen: Screen
    frames: LatestFrame = field(default_factory=LatestFrame)
    customer: Peer | None = None
    agent: Peer | None = None
    page: ServerPage | None = None
    tasks: NamedTasks = field(default_factory=NamedTasks)
    agent_focus: int | None = None  # The node the agent's keys go to (rrweb id).
    script_seq: int = 0
    budget: PageBudget | None = None  # What it may feed its render page, once it feeds any.
    # Proves a returning agent page is the agent of this session (see Hub.agent_rejoin).
    agent_token: str = field(default_factory=new_token)
    agent_name: str = ""  # Known once a colleague took the session over.
    agent_seen: bool = True  # The agent's view is in sight.
    watchers: dict[str, Watcher] = field(default_factory=dict)  # By seat.
    company: Company | None = None  # Who is watching, as the customer was last told.
    # With agent_control = "ask" (session/control.py): "none", "asked", "granted" or "denied".
    control: str = "none"
    control_asked_at: float | None = None
    customer_tab: str | None = None  # The browser tab whose page holds the session.
    customer_away: bool = False  # Another tab or window is in front of it.
    last_activity: float = field(default_factory=time.monotonic)
    track: Track = field(default_factory=NoTrack)  # Its recording, once its agent joins.
    actions: dict[int, str] = field(default_factory=dict)  # Scripts sent, by seq: their kind.
    losses: list[float] = field(default_factory=list)  # When its render pages were lost.
    shown: PageShown | None = None  # The page the customer is on, as the agent is told.
    drawings_on: bool = True  # The customer lets the agent's pointing tools show.
    told_drawings_off: bool = False

    def touch(self) -> None:
        """Input or a page change from either side: the session is not inactive."""
        self.last_activity = time.monotonic()

    @property
    def uuid(self) -> str:
        return self.session.uuid

    def seats(self) -> Seats:
        watchers = tuple(Watcher(w.name, w.seat, w.token, w.joined) for w in self.watchers.values())
        return Seats(self.agent_token, self.agent_name, watchers)

    def joined(self, token: str, role: Literal["agent", "watcher"] = "agent") -> Joined:
        """What a view that joined is told: its rejoin ``token``, the nine digits (a view that
        joined with a token has not seen them) and how long the session has been active (the
        view's clock may differ from the server's)."""
        started = self.session.started_at
        active_s = max(0.0, (utcnow() - started).total_seconds()) if started else 0.0
        return Joined(token=token, id=self.session.access_id, active_s=active_s, role=role)

    def viewers(self) -> list[Peer]:
        """The sockets that are shown the customer's page: the agent's and its watchers'."""
        watching = [w.peer for w in self.watchers.values() if w.peer is not None]
        return ([self.agent] if self.agent is not None else []) + watching

    def sockets(self) -> list[Peer]:
        """Every socket of the session: the customer's and the views'."""
        return ([self.customer] if self.customer is not None else []) + self.viewers()

    def in_sight(self) -> bool:
        """Someone's view of the page is in sight (else nothing need be captured)."""
        if self.agent is not None and self.agent_seen:
            return True
        return any(w.peer is not None and w.seen for w in self.watchers.values())

    def watcher_with(self, peer: Peer) -> Watcher | None:
        return next((w for w in self.watchers.values() if w.peer is peer), None)


async def tell(peers: list[Peer], message: ServerMessage) -> None:
    """Send ``message`` to each of ``peers`` together; one gone does not stop the others."""

    async def send(peer: Peer) -> None:
        with contextlib.suppress(CobrowseError, ConnectionError):
            await peer.send_message(message)

    await asyncio.gather(*(send(peer) for peer in peers))
