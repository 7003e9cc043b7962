"""Live chats: the state machine ``waiting -> active -> ended`` and the registry of live chats.

A chat is the primary interaction a co-browse session started from it is tied to (its UUID is the
session's ``interaction_id``). Like :mod:`mirror.session.state` this module does no I/O: the chat
hub records and relays what each step returns.
"""

from __future__ import annotations

import enum
import re
import secrets
import uuid
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from mirror.clock import utcnow
from mirror.errors import ChatError, ChatNotFound

# One message: a long paragraph, not a document.
MAX_TEXT = 2000
# A transcript longer than this is not a chat any more; the customer can start a new one.
MAX_LINES = 2000
MAX_LIVE_CHATS = 10_000

Sender = Literal["customer", "agent", "system"]


class ChatState(enum.Enum):
    WAITING = "waiting"
    ACTIVE = "active"
    ENDED = "ended"


class ChatEndReason(enum.Enum):
    CUSTOMER_ENDED = "customer_ended"
    AGENT_ENDED = "agent_ended"
    CUSTOMER_LEFT = "customer_left"  # The customer's pages were gone longer than the grace period.
    INTERACTION_ENDED = "interaction_ended"  # POST /api/interactions/{id}/end
    SERVER_SHUTDOWN = "server_shutdown"


@dataclass(frozen=True)
class ChatLine:
    seq: int
    sender: Sender
    text: str
    at: datetime


@dataclass(eq=False)
class Chat:
    """One chat. ``token`` proves to the server that a later page is the same customer."""

    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    origin: str | None = None
    label: str = ""  # What the desk lists it by: the title of the page the chat started on.
    state: ChatState = ChatState.WAITING
    created_at: datetime = field(default_factory=utcnow)
    accepted_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: ChatEndReason | None = None
    lines: list[ChatLine] = field(default_factory=list)
    desk: str | None = None  # The token of the agent's desk that accepted it.
    cobrowse_id: str | None = None  # The nine digits of a live co-browse session started from it.

    @property
    def live(self) -> bool:
        return self.state is not ChatState.ENDED

    @property
    def interaction_id(self) -> str:
        return self.uuid

    @property
    def first_words(self) -> ChatLine | None:
        """The customer's first line: what the desks list a waiting chat by."""
        return next((line for line in self.lines if line.sender == "customer"), None)

    def post(self, sender: Sender, text: str) -> ChatLine:
        """Add a line; raises :class:`ChatError` for an empty, too long or late message."""
        text = text.strip()
        if not self.live:
            raise ChatError("ended", "this chat has ended")
        if not text:
            raise ChatError("empty", "a chat message needs some text")
        if len(text) > MAX_TEXT:
            raise ChatError("too_long", f"a chat message is at most {MAX_TEXT} characters")
        if len(self.lines) >= MAX_LINES:
            raise ChatError("chat_full", "this chat is too long: end it and start a new one")
        line = ChatLine(len(self.lines) + 1, sender, text, utcnow())
        self.lines.append(line)
        return line

    def accept(self, desk: str) -> None:
        """An agent's desk takes the chat: ``waiting -> active``."""
        if self.state is not ChatState.WAITING:
            raise ChatError("taken", "another agent has already accepted this chat")
        self.desk = desk
        self.accepted_at = self.accepted_at or utcnow()
        self.state = ChatState.ACTIVE

    def release(self) -> None:
        """The agent's desk is gone: ``active -> waiting``, for the next agent to accept."""
        if self.state is ChatState.ACTIVE:
            self.desk = None
            self.state = ChatState.WAITING

    def end(self, reason: ChatEndReason) -> bool:
        """End the chat; False if it had already ended."""
        if not self.live:
            return False
        self.state = ChatState.ENDED
        self.end_reason = reason
        self.ended_at = utcnow()
        self.cobrowse_id = None
        return True


class ChatRegistry:
    """The live chats by UUID. Ended chats leave it at once."""

    def __init__(self) -> None:
        self._live: dict[str, Chat] = {}

    def create(self, origin: str | None, label: str) -> Chat:
        if len(self._live) >= MAX_LIVE_CHATS:
            raise ChatError("busy", "too many live chats: try again in a minute")
        chat = Chat(origin=origin, label=label.strip()[:120])
        self._live[chat.uuid] = chat
        return chat

    def add(self, chat: Chat) -> None:
        """Hold a live chat another node started (taking it over)."""
        self._live[chat.uuid] = chat

    def get(self, chat_id: str) -> Chat:
        chat = self._live.get(chat_id)
        if chat is None or not chat.live:
            raise ChatNotFound("unknown_chat", "no live chat has that identifier")
        return chat

    def resume(self, chat_id: str, token: str) -> Chat:
        """The live chat a customer's page proves it owns."""
        chat = self.get(chat_id)
        if not secrets.compare_digest(chat.token.encode(), token.encode()):
            raise ChatNotFound("unknown_chat", "no live chat has that identifier")
        return chat

    def waiting(self) -> list[Chat]:
        """Chats no agent has, oldest first."""
        chats = [c for c in self._live.values() if c.state is ChatState.WAITING]
        return sorted(chats, key=lambda c: c.created_at)

    def owned_by(self, desk: str) -> list[Chat]:
        return [c for c in self._live.values() if c.desk == desk and c.live]

    def live(self) -> list[Chat]:
        return list(self._live.values())

    def discard(self, chat: Chat) -> None:
        if self._live.get(chat.uuid) is chat:
            del self._live[chat.uuid]


SCRUBBED = "[co-browse session ID]"
# Nine digits, each pair at most three spaces or punctuation marks apart ("123 456 789",
# "123-456-789", "123 / 456 / 789"), with no digit right before or after: the ways a customer
# types a session ID. Digits of any script count (a customer may type "１２３").
_NINE_DIGITS = re.compile(r"(?<!\d)\d(?:[\W_]{0,3}\d){8}(?!\d)")


def scrub_session_ids(text: str, access_ids: Container[str]) -> str:
    """The text with every run of nine digits that is one of ``access_ids`` blanked, however
    the customer grouped them: a transcript kept in history never holds a live session's
    identifier. Other numbers (an order number, a phone number) are kept."""
    kept: list[str] = []
    at = 0
    match = _NINE_DIGITS.search(text)
    while match is not None:
        if "".join(str(int(c)) for c in match[0] if c.isdecimal()) in access_ids:
            kept += [text[at : match.start()], SCRUBBED]
            at = match.end()
            match = _NINE_DIGITS.search(text, at)
        else:  # Runs overlap ("1 2 3 4 5 6 7 8 9 0" holds two): try from the next digit.
            match = _NINE_DIGITS.search(text, match.start() + 1)
    return "".join(kept) + text[at:]
