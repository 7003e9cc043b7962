"""What the chat hub talks to: the sockets of the customer's panel and the agents' desks, and the
co-browse side (mirror/chat/hub.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mirror.wire import Message


class ChatPeer(Protocol):
    async def send_message(self, message: Message) -> None: ...
    async def close(self, code: int, reason: str) -> None: ...


class Interactions(Protocol):
    """The co-browse side, as the chat hub sees it (:class:`mirror.session.hub.Hub`)."""

    async def end_interaction(self, interaction_id: str) -> list[str]: ...
    def chat_line(self, interaction_id: str, sender: str, text: str) -> None: ...


class TiedSession(Protocol):
    """A co-browse session as the chat hub is told of it (``mirror.session.state.Session``)."""

    @property
    def access_id(self) -> str: ...
    @property
    def interaction_id(self) -> str | None: ...


@dataclass(eq=False)
class DeskConnection:
    token: str
    peer: ChatPeer
