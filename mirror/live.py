"""A live session as the hub holds it: the session's state, its two sockets, its mirror page,
the newest frame for the agent, and the tasks that run for it (grace timers, the frame pump)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Protocol

from mirror.frames import LatestFrame
from mirror.messages import ServerMessage, Viewport
from mirror.mirror_page import Display, MirrorPage
from mirror.sessions import Session
from mirror.tasks import NamedTasks


class ChatTies(Protocol):
    """The chat side, as the hub sees it (implemented by :class:`mirror.chat_hub.ChatHub`)."""

    def tie(self, chat_id: str, token: str) -> str: ...
    async def cobrowse_started(self, interaction_id: str, access_id: str) -> None: ...
    async def cobrowse_ended(self, interaction_id: str, access_id: str) -> None: ...


class Peer(Protocol):
    """One party's socket, as the hub sees it."""

    async def send_message(self, message: ServerMessage) -> None: ...
    async def send_frame(self, frame: bytes) -> None: ...
    async def close(self, code: int, reason: str) -> None: ...


@dataclass(eq=False)
class LiveSession:
    """One session while it lives: what the hub knows of it beyond its state machine."""

    session: Session
    viewport: Viewport
    display: Display = field(default_factory=Display)
    frames: LatestFrame = field(default_factory=LatestFrame)
    customer: Peer | None = None
    agent: Peer | None = None
    mirror: MirrorPage | None = None
    tasks: NamedTasks = field(default_factory=NamedTasks)
    agent_focus: int | None = None  # The node the agent's keys go to (rrweb id).
    script_seq: int = 0
    # Proves a returning agent page is the agent of this session (see Hub.agent_rejoin).
    agent_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    last_activity: float = field(default_factory=time.monotonic)

    def touch(self) -> None:
        """Input or a page change from either side: the session is not inactive."""
        self.last_activity = time.monotonic()

    @property
    def uuid(self) -> str:
        return self.session.uuid
