"""What the sockets talk to: a front takes a socket's first message (a customer's hello, an
agent's join) and gives back the link its later messages go through. :class:`LocalFront` hands
them to this process's hub; a cluster's front (mirror/cluster/node.py) sends them on to the node
that owns the session, which runs them through its own LocalFront."""

from __future__ import annotations

from typing import Protocol

import msgspec

from mirror.errors import ChatError, SessionError, SessionNotFound
from mirror.session import drawings, tabs
from mirror.session.hub import Hub
from mirror.session.joinguard import Guard
from mirror.session.live import LiveSession, Peer
from mirror.session.messages import (
    Control,
    Draw,
    DrawingsShown,
    Erase,
    Events,
    Exit,
    HandOver,
    Hello,
    Invite,
    Join,
    Looking,
    Ping,
    Pong,
    Redraw,
    Watching,
)
from mirror.session.state import EndReason
from mirror.wire import CLOSE_BUSY, CLOSE_UNKNOWN_SESSION
from replay.messages import Applied, Refused

UNKNOWN = "No live co-browse session has that ID. Check the nine digits with the customer."


class Socket(Peer, Protocol):
    """A page's own socket: a Peer that can also pass on a message already encoded (what a
    node relays from the node that owns the session)."""

    async def send_text(self, text: str) -> None: ...


class Link(Protocol):
    """One socket's way to its session once the first message was taken."""

    async def send(self, message: msgspec.Struct) -> None: ...
    async def left(self) -> None: ...


class Front(Protocol):
    async def customer_hello(
        self,
        peer: Socket,
        hello: Hello,
        origin: str | None,
        interaction_id: str | None,
        client: str | None,
    ) -> Link: ...

    async def agent_join(self, peer: Socket, join: Join, client: str) -> Link: ...


def refusal(exc: Exception) -> tuple[int, str, str]:
    """The close code, error name and detail a socket is refused with for ``exc``."""
    if isinstance(exc, ChatError):  # Co-browse from a chat this page does not own.
        return CLOSE_UNKNOWN_SESSION, exc.code, exc.detail
    if isinstance(exc, SessionNotFound):
        return CLOSE_UNKNOWN_SESSION, "unknown_session", "the session has ended"
    if isinstance(exc, SessionError):  # At capacity, or past this client's limits.
        return CLOSE_BUSY, "busy", str(exc)
    raise exc


class LocalFront:
    """Sessions this process owns: straight to the hub."""

    def __init__(self, hub: Hub, guard: Guard) -> None:
        self.hub, self.guard = hub, guard

    async def customer_hello(
        self,
        peer: Peer,
        hello: Hello,
        origin: str | None,
        interaction_id: str | None,
        client: str | None,
    ) -> Link:
        live = await self.hub.customer_hello(peer, hello, origin, interaction_id, client)
        return CustomerLink(self.hub, live, peer)

    async def agent_join(self, peer: Peer, join: Join, client: str) -> Link:
        """Raises SessionNotFound for any refusal, a lock-out included (the guesser learns
        nothing), and counts it against ``client``."""
        try:
            if not await self.guard.allowed(client):
                raise SessionNotFound("locked out")
            if join.rejoin:
                live = await self.hub.agent_rejoin(peer, join.id, join.rejoin)
            else:
                live = await self.hub.agent_join(peer, join.id, join.interaction)
        except SessionNotFound:
            await self.guard.failed(client)
            raise
        return AgentLink(self.hub, live, peer)


class CustomerLink:
    def __init__(self, hub: Hub, live: LiveSession, peer: Peer) -> None:
        self.hub, self.live, self.peer = hub, live, peer

    async def send(self, message: msgspec.Struct) -> None:
        if isinstance(message, Events):
            await self.hub.customer_events(self.live, message.events)
        elif isinstance(message, Exit):
            await self.hub.end(self.live, EndReason.CUSTOMER_EXIT)
        elif isinstance(message, Applied | Refused):
            await self.hub.actions.customer_answer(self.live, message)
        elif isinstance(message, Erase):
            await drawings.erase(self.live)
        elif isinstance(message, DrawingsShown):
            await drawings.customer_wants(self.live, message.on)
        elif isinstance(message, Control):
            await self.hub.control.customer_says(self.live, message.granted)
        elif isinstance(message, Looking) and self.live.customer is self.peer:
            await tabs.looking(self.live, message.on)

    async def left(self) -> None:
        await self.hub.customer_left(self.live, self.peer)


class AgentLink:
    """An agent's view, or a colleague's watching: which one is asked at each message, since a
    hand-over makes a watcher the agent."""

    def __init__(self, hub: Hub, live: LiveSession, peer: Peer) -> None:
        self.hub, self.live, self.peer = hub, live, peer

    async def send(self, message: msgspec.Struct) -> None:
        live = self.live
        if isinstance(message, Ping):
            await self.peer.send_message(Pong(t=message.t))
        elif isinstance(message, Watching):
            await self.hub.agent_watching(live, self.peer, message.visible)
        elif isinstance(message, Redraw):
            self.hub.pages.redraw(live, self.peer)
        elif live.agent is not self.peer:
            if (watcher := live.watcher_with(self.peer)) is not None:
                await self.hub.crew.says(live, watcher, message)
        elif isinstance(message, Exit):
            await self.hub.end(live, EndReason.AGENT_EXIT)
        elif isinstance(message, Draw):
            await drawings.agent_draws(live, message)
        elif isinstance(message, Erase):
            await drawings.erase(live)
        elif isinstance(message, Invite):
            await self.hub.crew.invite(live, message.name)
        elif isinstance(message, HandOver):
            await self.hub.crew.hand_to(live, message.seat)
            control, agent = self.hub.control.greet(live), live.agent
            if agent is not None and agent is not self.peer and control is not None:
                await agent.send_message(control)  # The colleague's strip says who acts.
        elif not isinstance(message, Join | Hello):
            await self.hub.actions.agent_input(live, message)  # type: ignore[arg-type]

    async def left(self) -> None:
        await self.hub.agent_left(self.live, self.peer)
