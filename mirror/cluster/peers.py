"""The two ends of a socket whose session another node owns. On the node holding the socket a
:class:`Relay` passes the page's messages on to the owner and the owner's back to the page; on
the owner a :class:`RemotePeer` stands for that socket in the hub, and an :class:`Inbox` runs
what arrives from it, in order, through the owner's own front."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from msgspec.json import Decoder
from redis.exceptions import RedisError

from mirror.cluster.bus import Bus, Envelope
from mirror.session.front import Link, Socket
from mirror.session.messages import Hello, Join
from mirror.wire import CLOSE_ENDED, CLOSE_MOVED, Error, encode

log = logging.getLogger("cobrowse.cluster")
MAX_HELD = 256  # Messages a relay keeps for the next owner; past it the page's newest are lost.


class Serial:
    """Runs the jobs it is given one after another, in the order given. Its runner lives only
    while there are jobs: an idle one would wait forever once its owner is dropped."""

    def __init__(self) -> None:
        self._jobs: deque[Callable[[], Awaitable[None]]] = deque()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def put(self, job: Callable[[], Awaitable[None]]) -> None:
        if self._closed:
            return
        self._jobs.append(job)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    def close(self) -> None:
        """No job after the one running."""
        self._closed = True
        self._jobs.clear()
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()

    async def _run(self) -> None:
        while self._jobs:
            job = self._jobs.popleft()
            try:
                await job()
            except Exception:
                log.exception("a message between nodes failed")


class RemotePeer:
    """A socket held by another node, as the owner's hub sees it (mirror/session/live.py Peer)."""

    def __init__(self, bus: Bus, node: str, peer: str) -> None:
        self.bus, self.node, self.peer = bus, node, peer

    async def send_message(self, message: msgspec.Struct) -> None:
        await self._send(Envelope("text", peer=self.peer, data=encode(message).encode()))

    async def send_text(self, text: str) -> None:
        await self._send(Envelope("text", peer=self.peer, data=text.encode()))

    async def send_frame(self, frame: bytes) -> None:
        await self._send(Envelope("frame", peer=self.peer, data=frame))

    async def close(self, code: int, reason: str) -> None:
        await self._send(Envelope("close", peer=self.peer, code=code, data=reason.encode()))

    async def _send(self, envelope: Envelope) -> None:
        # Like a closed socket: what cannot be sent is dropped; the node's lease tells the rest.
        with contextlib.suppress(RedisError, OSError):
            await self.bus.send(self.node, envelope)


# Opens a remote socket's link on the owner from its first message, or refuses the socket itself
# (an error and a close to it) and gives None.
Opener = Callable[[RemotePeer, Envelope], Awaitable["Link | None"]]
# From what the owner said to a socket: the first message to say to another owner instead (with
# the identifier and token the owner just gave) and the session's identifier, or None.
Learner = Callable[[bytes, bytes], "tuple[bytes, str] | None"]


class Inbox:
    """On the owner: what one remote socket sends, run in order through the owner's front."""

    def __init__(self, bus: Bus, first: Envelope, opener: Opener, decoder: Decoder[Any]) -> None:
        self.peer = RemotePeer(bus, first.node, first.peer)
        self._opener, self._decoder = opener, decoder
        self._link: Link | None = None
        self.serial = Serial()

    def put(self, envelope: Envelope) -> None:
        self.serial.put(lambda: self._handle(envelope))

    async def _handle(self, envelope: Envelope) -> None:
        if envelope.op == "open":
            self._link = await self._opener(self.peer, envelope)
        elif envelope.op == "msg" and self._link is not None:
            await self._link.send(self._decoder.decode(envelope.data))
        elif envelope.op == "left" and self._link is not None:
            await self._link.left()


async def refuse(peer: RemotePeer, code: int, error: str, detail: str) -> None:
    """Tell a remote socket why it is refused, then close it (as SocketPeer.refuse does)."""
    await peer.send_message(Error(error=error, detail=detail[:300]))
    await peer.close(code, detail)


class Relay:
    """On the node holding a page's socket: the Link its messages go through to the owner.
    ``key`` is the session's identifier (learnt from the owner for a new session), or empty for
    a chat socket, whose owner is the node holding the chats."""

    def __init__(
        self,
        bus: Bus,
        socket: Socket,
        first: Envelope,
        owner: str,
        learn: Learner,
        on_gone: Callable[[Relay], None],
        on_left: Callable[[Relay], None],
    ) -> None:
        self.bus, self.peer, self.socket, self.owner = bus, first.peer, socket, owner
        self.first, self._learn = first, learn
        self._on_gone, self._on_left = on_gone, on_left
        self.key = ""
        self.confirmed = False  # The owner answered: the session's record exists.
        self.unheard = False  # The owner's node did not hear the last message: it is gone.
        self.closed = False
        self.orphaned = False  # The session had no owner at the last look (upkeep.py).
        self.serial = Serial()
        self._held: list[Envelope] = []  # Said while no owner heard: for the next one.

    async def open(self) -> None:
        await self._to_owner(self.first)

    async def send(self, message: msgspec.Struct) -> None:
        await self._to_owner(Envelope("msg", peer=self.peer, data=msgspec.json.encode(message)))

    async def left(self) -> None:
        self.closed = True
        self.serial.close()
        self._on_left(self)
        with contextlib.suppress(RedisError, OSError):
            await self.bus.send(self.owner, Envelope("left", peer=self.peer))

    async def rehome(self, owner: str) -> None:
        """The session has a new owner: say hello to it as a returning page would, then pass
        on what the page said while no owner heard it."""
        log.info("socket %s: now served by %s", self.peer, owner)
        self.owner = owner
        held, self._held = self._held, []
        for envelope in [self.first, *held]:
            await self._to_owner(envelope)

    def deliver(self, envelope: Envelope) -> None:
        self.serial.put(lambda: self._from_owner(envelope))

    async def _from_owner(self, envelope: Envelope) -> None:
        if envelope.op == "frame":
            await self.socket.send_frame(envelope.data)
        elif envelope.op == "text":
            self.confirmed = True
            learned = self._learn(self.first.data, envelope.data)
            if learned is not None:
                self.first = msgspec.structs.replace(self.first, data=learned[0])
                self.key = learned[1] or self.key
            await self.socket.send_text(envelope.data.decode())
        elif envelope.op == "close":
            if envelope.code == CLOSE_MOVED:  # Handed over: the next owner is in Redis.
                self._on_gone(self)
                return
            self.closed = True
            await self.socket.close(envelope.code, envelope.data.decode())

    async def _to_owner(self, envelope: Envelope) -> None:
        try:
            heard = await self.bus.send(self.owner, envelope)
        except (RedisError, OSError):
            heard = False
        if not heard and not self.closed:
            if envelope.op == "msg" and len(self._held) < MAX_HELD:
                self._held.append(envelope)  # A chat line typed meanwhile is not lost.
            self.unheard = True
            self._on_gone(self)

    async def refuse(self, code: int, error: str, detail: str) -> None:
        """No owner heard the page's first message: it is told why, and closed (its socket's
        end then leaves, as any socket's does)."""
        await self.socket.send_text(encode(Error(error=error, detail=detail)))
        await self.socket.close(code, detail)

    def ended(self) -> None:
        """The session ended while its owner could not say so (it was gone): closed after what
        the owner did say, in order."""
        self.serial.put(self._close_ended)

    async def _close_ended(self) -> None:
        if self.closed:
            return
        self.closed = True
        await self.socket.close(CLOSE_ENDED, "session ended")


def learn_session(first: bytes, text: bytes) -> tuple[bytes, str] | None:
    """A customer's page told its session: later hellos resume it."""
    if b'"type":"session"' not in text[:40]:
        return None
    info = msgspec.json.decode(text, type=_SessionInfo)
    hello = msgspec.json.decode(first, type=Hello)
    resumed = msgspec.structs.replace(hello, resume_id=info.id, resume_token=info.token, chat=None)
    return msgspec.json.encode(resumed), info.id


def learn_joined(first: bytes, text: bytes) -> tuple[bytes, str] | None:
    """An agent's page got its token: later joins are rejoins."""
    if b'"type":"joined"' not in text[:40]:
        return None
    join = msgspec.json.decode(first, type=Join)
    token = msgspec.json.decode(text, type=_Joined).token
    return msgspec.json.encode(msgspec.structs.replace(join, rejoin=token)), join.id


class _SessionInfo(msgspec.Struct):
    id: str
    token: str


class _Joined(msgspec.Struct):
    token: str
