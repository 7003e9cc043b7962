"""What the chat sockets talk to, as mirror/session/front.py is for co-browse: the first message
(a panel's hello, a desk's hello) gives the link the later ones go through. :class:`ChatFront`
hands them to this process's chat hub; in a cluster, the node that holds the chats runs them
through its own ChatFront, and the other nodes relay their sockets to it."""

from __future__ import annotations

from typing import Protocol

import msgspec

from mirror.chat.hub import ChatHub
from mirror.chat.messages import (
    Accept,
    AgentEndChat,
    AgentSay,
    ChatHello,
    CustomerSay,
    DeskHello,
    EndChat,
)
from mirror.chat.peers import ChatPeer, DeskConnection
from mirror.chat.state import Chat, ChatEndReason
from mirror.errors import ChatError
from mirror.wire import CLOSE_BUSY, CLOSE_UNKNOWN_SESSION


def chat_refusal(exc: ChatError) -> tuple[int, str, str]:
    """The close code, error name and detail a chat socket is refused with."""
    code = CLOSE_BUSY if exc.code == "busy" else CLOSE_UNKNOWN_SESSION
    return code, exc.code, exc.detail


class Link(Protocol):
    """One chat socket's way to the chats once its first message was taken."""

    async def send(self, message: msgspec.Struct) -> None: ...
    async def left(self) -> None: ...


class ChatFront(Protocol):
    async def customer_hello(
        self, peer: ChatSocket, hello: ChatHello, origin: str | None, client: str | None
    ) -> Link: ...
    async def desk_hello(self, peer: ChatSocket, hello: DeskHello) -> Link: ...
    async def tie(self, chat_id: str, token: str) -> str: ...


class ChatSocket(ChatPeer, Protocol):
    """A chat page's own socket, which can also pass on a message already encoded."""

    async def send_text(self, text: str) -> None: ...


class LocalChatFront:
    """The chats this process holds: straight to the chat hub."""

    def __init__(self, chats: ChatHub) -> None:
        self.chats = chats

    async def customer_hello(
        self, peer: ChatSocket, hello: ChatHello, origin: str | None, client: str | None
    ) -> Link:
        """Raises ChatError (``busy``, ``unknown_chat``) when the chat cannot start or resume."""
        chat = await self.chats.customer_hello(peer, hello, origin, client)
        return PanelLink(self.chats, chat, peer)

    async def desk_hello(self, peer: ChatSocket, hello: DeskHello) -> Link:
        return DeskLink(self.chats, await self.chats.desk_hello(peer, hello.resume))

    async def tie(self, chat_id: str, token: str) -> str:
        """The interaction ID a co-browse session started from this live chat is tied to;
        ChatNotFound unless the page owns the chat."""
        return self.chats.tie(chat_id, token)


class PanelLink:
    """The customer's chat panel, once its chat started."""

    def __init__(self, chats: ChatHub, chat: Chat, peer: ChatPeer) -> None:
        self.chats, self.chat, self.peer = chats, chat, peer

    async def send(self, message: msgspec.Struct) -> None:
        if isinstance(message, CustomerSay):
            await self.chats.customer_say(self.chat, self.peer, message.text)
        elif isinstance(message, EndChat):
            await self.chats.end(self.chat, ChatEndReason.CUSTOMER_ENDED)

    async def left(self) -> None:
        await self.chats.customer_left(self.chat, self.peer)


class DeskLink:
    """An agent's chat desk, once open."""

    def __init__(self, chats: ChatHub, desk: DeskConnection) -> None:
        self.chats, self.desk = chats, desk

    async def send(self, message: msgspec.Struct) -> None:
        if isinstance(message, Accept):
            await self.chats.desk_accept(self.desk, message.chat)
        elif isinstance(message, AgentSay):
            await self.chats.desk_say(self.desk, message.chat, message.text)
        elif isinstance(message, AgentEndChat):
            await self.chats.desk_end(self.desk, message.chat)

    async def left(self) -> None:
        await self.chats.desk_left(self.desk)
