"""Where a session's nine digits are reserved and its state is published beyond this process:
nowhere for a cluster of one (:class:`LocalDirectory`), Redis for a cluster
(:class:`mirror.cluster.registry.SharedDirectory`)."""

from __future__ import annotations

from typing import Protocol

from mirror.session.live import LiveSession
from mirror.session.state import Session


class Directory(Protocol):
    async def reserve(self, live: LiveSession) -> bool:
        """Publish a new session; False if its identifier is already live elsewhere. Raises
        SessionError when no more sessions may be live."""
        ...

    async def saved(self, live: LiveSession) -> None:
        """The session's state, tokens or viewport changed."""
        ...

    async def released(self, session: Session) -> None:
        """The session ended: its identifier is free for no one (never reused while live)."""
        ...

    async def live_elsewhere(self, access_id: str) -> bool:
        """Whether another node holds a live session with this identifier."""
        ...


class LocalDirectory:
    """A cluster of one: the hub's own registry is the whole truth."""

    async def reserve(self, live: LiveSession) -> bool:
        return True

    async def saved(self, live: LiveSession) -> None:
        return None

    async def released(self, session: Session) -> None:
        return None

    async def live_elsewhere(self, access_id: str) -> bool:
        return False
