"""The two ends of a socket whose session another node owns. On the node holding the socket a
:class:`Relay` passes the page's messages on to the owner and the owner's back to the page; on
the owner a :class:`RemotePeer` stands for that socket in the hub, and an :class:`Inbox` runs
what arrives from it, in order, through the owner's own front."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Literal

import msgspec
from redis.exceptions import RedisError

from mirror.cluster.bus import Bus, Envelope
from mirror.errors import ChatError, SessionError, SessionNotFound
from mirror.session.front import UNKNOWN, Link, LocalFront, Socket, refusal
from mirror.session.messages import Hello, Join, agent_decoder, customer_decoder
from mirror.wire import CLOSE_ENDED, CLOSE_MOVED, CLOSE_UNKNOWN_SESSION, Error, encode

log = logging.getLogger("cobrowse.cluster")
Role = Literal["customer", "agent"]


class Serial:
    """Runs the jobs it is given one after another, in the order given."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Callable[[], Awaitable[None]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def put(self, job: Callable[[], Awaitable[None]]) -> None:
        self._queue.put_nowait(job)
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    def close(self) -> None:
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()

    async def _run(self) -> None:
        while True:
            job = await self._queue.get()
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


class Inbox:
    """On the owner: what one remote socket sends, run in order through the owner's front."""

    def __init__(
        self, bus: Bus, front: LocalFront, first: Envelope, adopt: Callable[[str], Awaitable[None]]
    ) -> None:
        self.peer = RemotePeer(bus, first.node, first.peer)
        self.role: Role = "customer" if first.op == "customer" else "agent"
        self._front, self._adopt = front, adopt
        self._decoder = customer_decoder if self.role == "customer" else agent_decoder
        self._link: Link | None = None
        self.serial = Serial()
        self.done = False

    def put(self, envelope: Envelope) -> None:
        self.serial.put(lambda: self._handle(envelope))

    async def _handle(self, envelope: Envelope) -> None:
        if envelope.op in ("customer", "agent"):
            await self._open(envelope)
        elif envelope.op == "msg" and self._link is not None:
            await self._link.send(self._decoder.decode(envelope.data))
        elif envelope.op == "left":
            self.done = True
            if self._link is not None:
                await self._link.left()

    async def _open(self, envelope: Envelope) -> None:
        first = self._decoder.decode(envelope.data)
        try:
            if isinstance(first, Hello):
                if first.resume_id:
                    await self._adopt(first.resume_id)
                self._link = await self._front.customer_hello(
                    self.peer,
                    first,
                    envelope.origin or None,
                    envelope.interaction or None,
                    envelope.client or None,
                )
            elif isinstance(first, Join):
                await self._adopt(first.id)
                self._link = await self._front.agent_join(self.peer, first, envelope.client)
        except SessionNotFound as exc:
            detail = UNKNOWN if self.role == "agent" else str(exc)
            await self._refuse(CLOSE_UNKNOWN_SESSION, "unknown_session", detail)
        except (SessionError, ChatError) as exc:
            await self._refuse(*refusal(exc))

    async def _refuse(self, code: int, error: str, detail: str) -> None:
        await self.peer.send_message(Error(error=error, detail=detail[:300]))
        await self.peer.close(code, detail)


class Relay:
    """On the node holding a page's socket: the Link its messages go through to the owner."""

    def __init__(
        self,
        bus: Bus,
        peer: str,
        socket: Socket,
        first: Envelope,
        owner: str,
        on_gone: Callable[[Relay], None],
        on_left: Callable[[Relay], None],
    ) -> None:
        self.bus, self.peer, self.socket, self.owner = bus, peer, socket, owner
        self.first, self._on_gone, self._on_left = first, on_gone, on_left
        self.role: Role = "customer" if first.op == "customer" else "agent"
        opened = (customer_decoder if self.role == "customer" else agent_decoder).decode(first.data)
        # A returning page names its session; a new one learns it from the owner's answer.
        if isinstance(opened, Join):
            self.access_id = opened.id
        else:
            self.access_id = opened.resume_id or "" if isinstance(opened, Hello) else ""
        self.confirmed = False  # The owner answered: the session's record exists.
        self.unheard = False  # The owner's node did not hear the last message: it is gone.
        self.closed = False
        self.serial = Serial()

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
        """The session has a new owner: say hello to it as a returning page would."""
        log.info("socket %s: session %s now on %s", self.peer, self.access_id, owner)
        self.owner = owner
        await self._to_owner(self.first)

    def deliver(self, envelope: Envelope) -> None:
        self.serial.put(lambda: self._from_owner(envelope))

    async def _from_owner(self, envelope: Envelope) -> None:
        if envelope.op == "frame":
            await self.socket.send_frame(envelope.data)
        elif envelope.op == "text":
            self._learn(envelope.data)
            await self.socket.send_text(envelope.data.decode())
        elif envelope.op == "close":
            if envelope.code == CLOSE_MOVED:  # Handed over: the next owner is in Redis.
                self._on_gone(self)
                return
            self.closed = True
            await self.socket.close(envelope.code, envelope.data.decode())

    def _learn(self, text: bytes) -> None:
        """Keep what a later hello to another owner needs: the customer's identifier and resume
        token, the agent's rejoin token."""
        self.confirmed = True
        if b'"type":"session"' in text[:40]:
            info = msgspec.json.decode(text, type=_SessionInfo)
            self.access_id = info.id
            hello = customer_decoder.decode(self.first.data)
            assert isinstance(hello, Hello)
            resumed = msgspec.structs.replace(
                hello, resume_id=info.id, resume_token=info.token, chat=None
            )
            self.first = msgspec.structs.replace(self.first, data=msgspec.json.encode(resumed))
        elif b'"type":"joined"' in text[:40]:
            token = msgspec.json.decode(text, type=_Joined).token
            join = agent_decoder.decode(self.first.data)
            assert isinstance(join, Join)
            rejoin = msgspec.structs.replace(join, rejoin=token)
            self.first = msgspec.structs.replace(self.first, data=msgspec.json.encode(rejoin))

    async def _to_owner(self, envelope: Envelope) -> None:
        try:
            heard = await self.bus.send(self.owner, envelope)
        except (RedisError, OSError):
            heard = False
        if not heard and not self.closed:
            self.unheard = envelope.op in ("customer", "agent", "msg", "left")
            self._on_gone(self)

    async def ended(self) -> None:
        """The session ended while its owner could not say so (it was gone)."""
        self.closed = True
        await self.socket.close(CLOSE_ENDED, "session ended")


class _SessionInfo(msgspec.Struct):
    id: str
    token: str


class _Joined(msgspec.Struct):
    token: str
