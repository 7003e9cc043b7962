"""Sessions: the state machine ``idle -> active -> ended`` and the registry of live identifiers.

This module is the only code that changes a session's state. It does no I/O: each transition
returns a :class:`Transition` that the caller records in history and announces to both sides.
"""

from __future__ import annotations

import enum
import secrets
import uuid
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import datetime

from mirror.clock import utcnow
from mirror.errors import InvalidTransition, SessionError, SessionNotFound

ID_DIGITS = 9
ID_SPACE = 10**ID_DIGITS
# At most one live ID per 100,000 possible ones, so a guess almost never hits a live session.
MAX_LIVE = ID_SPACE // 100_000


class SessionState(enum.Enum):
    IDLE = "idle"
    ACTIVE = "active"
    ENDED = "ended"


class EndReason(enum.Enum):
    CUSTOMER_EXIT = "customer_exit"
    AGENT_EXIT = "agent_exit"
    INTERACTION_ENDED = "interaction_ended"
    INACTIVITY = "inactivity"
    AGENT_TIMEOUT = "agent_timeout"
    CUSTOMER_TIMEOUT = "customer_timeout"
    SERVER_SHUTDOWN = "server_shutdown"
    # The render page crashed or could not be built: the session cannot show anything.
    MIRROR_ERROR = "mirror_error"
    # The customer's page is larger than a render page may hold ([limits] page_nodes).
    PAGE_TOO_LARGE = "page_too_large"


@dataclass(frozen=True)
class Transition:
    """What a state change was; the caller persists it and tells both parties."""

    session: Session
    old: SessionState
    new: SessionState


@dataclass(eq=False)
class Session:
    """One co-browse session. ``access_id`` is the nine digits; ``uuid`` is its history key."""

    access_id: str
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    # Proves to the server that a later page of the same site is the same customer.
    resume_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    origin: str | None = None
    interaction_id: str | None = None
    state: SessionState = SessionState.IDLE
    created_at: datetime = field(default_factory=utcnow)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: EndReason | None = None

    @property
    def live(self) -> bool:
        return self.state is not SessionState.ENDED

    def join(self, interaction_id: str | None = None) -> Transition:
        """The agent joins: ``idle -> active``. One agent per session; ended is final."""
        if self.state is not SessionState.IDLE:
            raise InvalidTransition(f"cannot join a session that is {self.state.value}")
        # A session started from a chat stays tied to that chat.
        self.interaction_id = self.interaction_id or interaction_id
        self.started_at = utcnow()
        return self._move(SessionState.ACTIVE)

    def end(self, reason: EndReason) -> Transition | None:
        """End the session for ``reason``; ending an ended session does nothing (None)."""
        if self.state is SessionState.ENDED:
            return None
        self.ended_at = utcnow()
        self.end_reason = reason
        return self._move(SessionState.ENDED)

    def _move(self, new: SessionState) -> Transition:
        old, self.state = self.state, new
        return Transition(self, old, new)


class SessionRegistry:
    """The live sessions by nine-digit identifier. Ended sessions leave it at once."""

    def __init__(self) -> None:
        self._live: dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self._live)

    def create(self, origin: str | None = None, interaction_id: str | None = None) -> Session:
        """A new idle session with a fresh identifier, unique among live sessions."""
        if len(self._live) >= MAX_LIVE:
            raise SessionError("too many live sessions: try again in a minute")
        access_id = new_access_id(self._live.keys())
        session = Session(access_id=access_id, origin=origin, interaction_id=interaction_id)
        self._live[access_id] = session
        return session

    def add(self, session: Session) -> None:
        """Hold a session that began elsewhere (a node of the cluster taking it over)."""
        if session.access_id in self._live:
            raise SessionError("that identifier is already live here")
        self._live[session.access_id] = session

    def has(self, access_id: str) -> bool:
        return access_id in self._live

    def get(self, access_id: str) -> Session:
        """The live session with this identifier, else :class:`SessionNotFound`."""
        session = self._live.get(access_id)
        if session is None or not session.live:
            raise SessionNotFound("no live session has that identifier")
        return session

    def resume(self, access_id: str, resume_token: str) -> Session:
        """The live session a returning customer page proves it owns."""
        session = self.get(access_id)
        if not secrets.compare_digest(session.resume_token.encode(), resume_token.encode()):
            raise SessionNotFound("no live session has that identifier")
        return session

    def discard(self, session: Session) -> None:
        """Forget an ended session: its identifier can never be joined again."""
        if self._live.get(session.access_id) is session:
            del self._live[session.access_id]


def new_access_id(taken: Container[str]) -> str:
    """Nine random digits (leading zeros kept) from :mod:`secrets`, not in ``taken``."""
    while True:
        candidate = f"{secrets.randbelow(ID_SPACE):0{ID_DIGITS}d}"
        if candidate not in taken:
            return candidate
