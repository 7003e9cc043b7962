"""Where live chats are kept beyond this process: nowhere for a cluster of one
(:class:`LocalChatDirectory`), Redis for a cluster (mirror/cluster/chats.py), so the node that
takes the chats over from one that died can carry them on."""

from __future__ import annotations

from typing import Protocol

from mirror.chat.state import Chat


class ChatDirectory(Protocol):
    async def saved(self, chat: Chat) -> None:
        """The chat changed: a new line, accepted, released, a co-browse session tied."""
        ...

    async def released(self, chat: Chat) -> None:
        """The chat ended."""
        ...


class LocalChatDirectory:
    async def saved(self, chat: Chat) -> None:
        return None

    async def released(self, chat: Chat) -> None:
        return None
