"""Wire messages of the live chat: the customer's chat panel (``/ws/chat``) and the agents' chat
desk (``/ws/desk``). JSON objects tagged by ``type``, like :mod:`mirror.session.messages`;
``mirror/web/chat_messages.js`` is the browser side's mirror image."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from mirror.chat.state import Chat, ChatLine
from mirror.wire import Error, Message

# A chat's UUID, or a resume token: bounded, so nothing unbounded reaches the hub or a log line.
# (Message text is not: a long one is refused with a reason and the chat goes on.)
Token = Annotated[str, msgspec.Meta(max_length=64)]

# -- the customer's chat panel -> server -----------------------------------------------------


class ChatHello(Message, tag="chat_hello"):
    """ "Live chat" opens the socket and starts a chat, or continues one on a later page."""

    label: str = ""  # The page's title: cut to 120 characters when the chat starts.
    resume_id: Token | None = None
    resume_token: Token | None = None


class CustomerSay(Message, tag="say"):
    text: str


class EndChat(Message, tag="end_chat"):
    pass


CustomerChatMessage = ChatHello | CustomerSay | EndChat

# -- the agent's chat desk -> server ---------------------------------------------------------


class DeskHello(Message, tag="desk_hello"):
    """The desk opens; ``resume`` is the token of this page's earlier desk (a reload)."""

    resume: Token | None = None


class Accept(Message, tag="accept"):
    chat: Token


class AgentSay(Message, tag="say"):
    chat: Token
    text: str


class AgentEndChat(Message, tag="end_chat"):
    chat: Token


DeskMessage = DeskHello | Accept | AgentSay | AgentEndChat

# -- server -> either ------------------------------------------------------------------------


class Line(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    seq: int
    sender: Literal["customer", "agent", "system"]
    text: str
    at: datetime


class ChatView(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A chat as its two parties see it: state, transcript and a co-browse session to join."""

    id: str
    state: str
    label: str
    lines: list[Line]
    # The nine digits of a co-browse session started from the chat, when the server sends it to
    # the agent ("auto"); None for the customer and in "manual" mode.
    cobrowse_id: str | None = None


class ChatInfo(Message, tag="chat"):
    """To the customer: the chat, its resume token and how a co-browse ID reaches the agent."""

    chat: ChatView
    token: str
    send_session_id: Literal["auto", "manual"]


class ChatUpdate(Message, tag="chat_update"):
    """The chat's state or co-browse offer changed (to either side)."""

    chat: ChatView


class NewLine(Message, tag="line"):
    chat: str
    line: Line


class Desk(Message, tag="desk"):
    """To the desk: its token (kept by the page to reclaim its chats after a reload)."""

    token: str


class WaitingChat(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    id: str
    label: str
    created_at: datetime
    preview: str  # The customer's first words, so an agent can pick.


class Waiting(Message, tag="waiting"):
    """To the desks: changes to the list of waiting chats. ``chats`` were added or changed (their
    first words came), ``gone`` are waiting no more (accepted or ended). A desk's first one, as it
    opens, lists every waiting chat."""

    chats: list[WaitingChat]
    gone: list[str] = []


ChatServerMessage = ChatInfo | ChatUpdate | NewLine | Desk | Waiting | Error

customer_chat_decoder = msgspec.json.Decoder(CustomerChatMessage)
desk_decoder = msgspec.json.Decoder(DeskMessage)


def line_view(line: ChatLine) -> Line:
    return Line(seq=line.seq, sender=line.sender, text=line.text, at=line.at)


def chat_view(chat: Chat, *, offer: bool = False) -> ChatView:
    return ChatView(
        id=chat.uuid,
        state=chat.state.value,
        label=chat.label,
        lines=[line_view(line) for line in chat.lines],
        cobrowse_id=chat.cobrowse_id if offer else None,
    )


def waiting_view(chat: Chat) -> WaitingChat:
    first = chat.first_words
    preview = first.text[:140] if first is not None else ""
    return WaitingChat(id=chat.uuid, label=chat.label, created_at=chat.created_at, preview=preview)
