"""This process as a node of a cluster: its front for the sockets (a session owned here goes
straight to the hub, one owned elsewhere through a relay), its lease, and the takeovers.

A session is owned by one node (its hub runs the session, and holds its render page). A node
whose lease lapses is gone: the first node to notice (one holding a socket of the session, or
the sweep over every live session) claims it in Redis for the node with the most free capacity,
which adopts it; the sockets say hello to the new owner as returning pages do, and the customer's
next snapshot rebuilds the render page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

import msgspec
from msgspec.json import Decoder
from redis.asyncio import Redis
from redis.exceptions import RedisError

from mirror.chat.directory import ChatDirectory
from mirror.chat.hub import ChatHub
from mirror.chat.messages import customer_chat_decoder, desk_decoder
from mirror.chat.peers import Interactions
from mirror.cluster.bus import Bus, Envelope
from mirror.cluster.chats import CHAT_ROLES, ClusterChats, SharedChatDirectory, Tied
from mirror.cluster.nodes import Load, NodeTable
from mirror.cluster.peers import (
    Inbox,
    Learner,
    Opener,
    Relay,
    RemotePeer,
    learn_joined,
    learn_session,
    refuse,
)
from mirror.cluster.registry import SharedDirectory
from mirror.cluster.upkeep import MOVED, Upkeep
from mirror.config import Config
from mirror.errors import ChatError, SessionError, SessionNotFound
from mirror.render.screen import Screen
from mirror.session.front import UNKNOWN, Link, LocalFront, Socket, refusal
from mirror.session.handover import adopt, hand_over
from mirror.session.hub import Hub
from mirror.session.joinguard import Guard
from mirror.session.messages import Hello, Join, agent_decoder, customer_decoder
from mirror.session.starts import BUSY
from mirror.wire import CLOSE_BUSY, CLOSE_MOVED, CLOSE_UNKNOWN_SESSION

log = logging.getLogger("cobrowse.cluster")
UNAVAILABLE = "busy: co-browse is unavailable right now, please try again in a minute"


class ClusterNode:
    def __init__(
        self,
        redis: Redis,
        name: str,
        hub: Hub,
        directory: SharedDirectory,
        guard: Guard,
        new_chats: Callable[[Interactions, ChatDirectory], ChatHub],
    ) -> None:
        self.redis, self.name, self.hub, self.directory = redis, name, hub, directory
        self.local = LocalFront(hub, guard)
        self.guard = guard
        self.nodes = NodeTable(redis, name, hub.starts.capacity, self.load)
        self.bus = Bus(redis, name, self._on_envelope)
        chat_directory = SharedChatDirectory(redis)
        self.chats = ClusterChats(self, new_chats(self, chat_directory), chat_directory)
        self._openers: dict[str, tuple[Opener, Decoder[Any]]] = {
            "customer": (self._open_customer, customer_decoder),
            "agent": (self._open_agent, agent_decoder),
            "chat": (self.chats.open_chat, customer_chat_decoder),
            "desk": (self.chats.open_desk, desk_decoder),
        }
        self.relays: dict[str, Relay] = {}  # Sockets held here, of sessions owned elsewhere.
        self.inboxes: dict[str, Inbox] = {}  # Sockets held elsewhere, of sessions owned here.
        self._adopting: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._rehoming: set[str] = set()  # Relays looking for their session's new owner.
        self._ticker: asyncio.Task[None] | None = None
        self.healthy = True

    # -- life ---------------------------------------------------------------------------------

    async def start(self, config: Config) -> None:
        await self.nodes.join(config)
        await self.bus.start()
        self._ticker = asyncio.create_task(Upkeep(self).run())
        log.info("node %s joined the cluster (%d live nodes)", self.name, len(self.nodes.alive))

    async def stop(self) -> bool:
        """Stopping (a rolling deploy): every session owned here, and the chats if this node
        holds them, go to other nodes without ending; True when no other node is left to take
        them (the hub's and the chat hub's shutdowns then end them)."""
        if self._ticker is not None:
            self._ticker.cancel()
        last = True
        with contextlib.suppress(RedisError, OSError):
            await self.nodes.leave()
            await self.nodes.beat()
            await self.nodes.leave()
            last = not self.nodes.alive
            if not last:
                await self.chats.release()
            for live in self.hub.sessions():
                target = self.nodes.choose()
                if target is None or target == self.name:
                    continue
                if await self.directory.claim(live.session.access_id, self.name, target):
                    await hand_over(self.hub, live, CLOSE_MOVED, MOVED)
                    await self.bus.send(target, Envelope("adopt", session=live.session.access_id))
        await self.bus.close()
        for serial in [r.serial for r in self.relays.values()] + [
            i.serial for i in self.inboxes.values()
        ]:
            serial.close()
        return last

    def load(self) -> Load:
        # The registry counts a session from the moment it is placed here, before it is live.
        mirrors = sum(1 for live in self.hub.sessions() if live.page is not None)
        return Load(
            owned=len(self.hub.registry), mirrors=mirrors, capacity=self.hub.starts.capacity
        )

    # -- the front the sockets use ------------------------------------------------------------

    async def customer_hello(
        self,
        peer: Socket,
        hello: Hello,
        origin: str | None,
        interaction_id: str | None,
        client: str | None,
    ) -> Link:
        try:
            if hello.resume_id and hello.resume_token:
                owner = await self._owner_of(hello.resume_id)
            else:
                owner = await self._place()
            if owner == self.name:
                if hello.resume_id:
                    await self.adopt(hello.resume_id)
                return await self.local.customer_hello(peer, hello, origin, interaction_id, client)
        except (RedisError, OSError) as exc:
            log.warning("customer refused: Redis unavailable (%s)", exc)
            raise SessionError(UNAVAILABLE) from exc
        first = Envelope(
            "open",
            role="customer",
            data=_json(hello),
            origin=origin or "",
            interaction=interaction_id or "",
            client=client or "",
        )
        return await self.relay(peer, first, owner, learn_session, hello.resume_id or "")

    async def _place(self) -> str:
        """The node a new session goes to; SessionError (busy) when every node is full, as
        the nodes' loads read now say (those of the last beat may be half a second old)."""
        owner = self.nodes.choose()
        if owner is None:
            await self.nodes.beat()
            owner = self.nodes.choose()
        if owner is None:
            self.hub.metrics.starts_refused.labels("capacity").inc()
            raise SessionError(BUSY)
        return owner

    async def agent_join(self, peer: Socket, join: Join, client: str) -> Link:
        try:
            if not await self.guard.allowed(client):
                raise SessionNotFound("locked out")
            try:
                owner = await self._owner_of(join.id)
            except SessionNotFound:
                await self.guard.failed(client)
                raise
        except (RedisError, OSError) as exc:
            log.warning("agent refused: Redis unavailable (%s)", exc)
            raise SessionNotFound("unavailable") from exc
        if owner == self.name:
            await self.adopt(join.id)
            return await self.local.agent_join(peer, join, client)
        first = Envelope("open", role="agent", data=_json(join), client=client)
        return await self.relay(peer, first, owner, learn_joined, join.id)

    async def end_interaction(self, interaction_id: str) -> list[str]:
        """Every node ends the sessions it owns that are tied to the interaction; the answer
        names them all, as Redis has them."""
        tied = await self.directory.tied_to(interaction_id)
        ended = await self.hub.end_interaction(interaction_id)
        await self.bus.broadcast(Envelope("end_interaction", session=interaction_id))
        return ended + [uuid for uuid in tied if uuid not in ended]

    def chat_line(self, interaction_id: str, sender: str, text: str) -> None:
        """A chat line reaches the recordings of the sessions tied to its chat, on every node."""
        self.hub.chat_line(interaction_id, sender, text)
        if self.hub.recorded:
            line = msgspec.json.encode(_ChatLine(sender, text))
            envelope = Envelope("chat_line", session=interaction_id, data=line)
            self._spawn(self.bus.broadcast(envelope))

    async def end_primary(self, interaction_id: str) -> tuple[list[str], bool]:
        """``POST /api/interactions/{id}/end``: a live chat with that ID ends on the node that
        holds the chats (taking its sessions with it), and every session tied to the ID ends
        wherever it is owned. The UUIDs of those ended here, and whether a chat ended."""
        chat_live = await self.chats.is_live(interaction_id)
        ended: list[str] = []
        if chat_live:
            holder = await self.chats.holder()
            if holder == self.name:
                ended = await self.chats.hub.end_interaction(interaction_id) or []
            else:
                await self.bus.send(holder, Envelope("end_chat", session=interaction_id))
        return ended + await self.end_interaction(interaction_id), chat_live

    async def live_count(self) -> int:
        return await self.directory.live_count()

    # -- owners, takeovers --------------------------------------------------------------------

    async def _owner_of(self, access_id: str) -> str:
        """The node that owns the live session, taking it over from a node that is gone."""
        record = await self.directory.find(access_id)
        if record is None:
            raise SessionNotFound("no live session has that identifier")
        if not await self.nodes.gone(record.owner):
            return record.owner
        return await self.take_over(access_id, record.owner)

    async def take_over(self, access_id: str, dead: str) -> str:
        target = self.nodes.choose() or self.name  # Full or not, a session is not dropped.
        if await self.directory.claim(access_id, dead, target):
            log.info("session %s: taken from %s for %s", access_id, dead, target)
            if target != self.name:
                await self.bus.send(target, Envelope("adopt", session=access_id))
            return target
        record = await self.directory.find(access_id)  # Another node claimed it first.
        if record is None:
            raise SessionNotFound("no live session has that identifier")
        return record.owner

    async def adopt(self, access_id: str) -> None:
        """Hold the session here if Redis says this node owns it and the hub does not yet."""
        if self.hub.registry.has(access_id):
            return
        task = self._adopting.get(access_id)
        if task is None:
            task = self._adopting[access_id] = asyncio.create_task(self._adopt(access_id))
            task.add_done_callback(lambda _: self._adopting.pop(access_id, None))
        await asyncio.shield(task)

    async def _adopt(self, access_id: str) -> None:
        record = await self.directory.find(access_id)
        if record is None or record.owner != self.name or self.hub.registry.has(access_id):
            return
        await adopt(self.hub, record.session, Screen(record.viewport), record.seats)

    # -- messages from other nodes --------------------------------------------------------------

    def _on_envelope(self, envelope: Envelope) -> None:
        self.nodes.heard(envelope.node)
        op = envelope.op
        if op in ("text", "frame", "close"):
            relay = self.relays.get(envelope.peer)
            if relay is not None:
                relay.deliver(envelope)
        elif op == "open" and envelope.role in self._openers:
            old = self.inboxes.pop(envelope.peer, None)
            if old is not None:
                old.serial.close()
            opener, decoder = self._openers[envelope.role]
            opened = Inbox(self.bus, envelope, opener, decoder)
            self.inboxes[envelope.peer] = opened
            opened.put(envelope)
        elif op in ("msg", "left"):
            inbox = self.inboxes.get(envelope.peer)
            if inbox is not None:
                inbox.put(envelope)
                if op == "left":
                    self.inboxes.pop(envelope.peer, None)
        elif op in ("session_created", "session_ended"):
            tied = Tied(envelope.session, envelope.interaction or None)
            self._spawn(self.chats.told(op, tied))
        elif op == "end_chat":
            self._spawn(self._end_chat(envelope.session))
        elif op == "adopt":
            self._spawn(self.adopt(envelope.session))
        elif op == "end_interaction" and envelope.node != self.name:
            self._spawn(self._end_interaction(envelope.session))
        elif op == "chat_line" and envelope.node != self.name:
            with contextlib.suppress(msgspec.DecodeError):
                line = msgspec.json.decode(envelope.data, type=_ChatLine)
                self.hub.chat_line(envelope.session, line.sender, line.text)

    async def _end_interaction(self, interaction_id: str) -> None:
        await self.hub.end_interaction(interaction_id)

    async def _end_chat(self, interaction_id: str) -> None:
        await self.chats.hub.end_interaction(interaction_id)

    async def relay(
        self, socket: Socket, first: Envelope, owner: str, learn: Learner, key: str
    ) -> Relay:
        """Pass a socket held here on to ``owner``, the node that owns its session (``key``,
        empty until a new session's owner names it) or holds the chats."""
        first.peer = f"{self.name}/{secrets.token_hex(8)}"
        relay = Relay(self.bus, socket, first, owner, learn, self.rehome_later, self._forget)
        relay.key = key
        self.relays[first.peer] = relay
        await relay.open()
        return relay

    async def _open_customer(self, peer: RemotePeer, envelope: Envelope) -> Link | None:
        """A customer's page on another node: its session starts here, or resumes here."""
        hello = msgspec.json.decode(envelope.data, type=Hello)
        try:
            if hello.resume_id:
                await self.adopt(hello.resume_id)
            origin, interaction = envelope.origin or None, envelope.interaction or None
            return await self.local.customer_hello(
                peer, hello, origin, interaction, envelope.client or None
            )
        except (SessionError, ChatError) as exc:
            await refuse(peer, *refusal(exc))
            return None

    async def _open_agent(self, peer: RemotePeer, envelope: Envelope) -> Link | None:
        join = msgspec.json.decode(envelope.data, type=Join)
        try:
            await self.adopt(join.id)
            return await self.local.agent_join(peer, join, envelope.client)
        except SessionNotFound:
            await refuse(peer, CLOSE_UNKNOWN_SESSION, "unknown_session", UNKNOWN)
            return None

    def _forget(self, relay: Relay) -> None:
        self.relays.pop(relay.peer, None)

    def rehome_later(self, relay: Relay) -> None:
        """The relay's owner did not hear it, or handed the session over: find the new one."""
        if relay.peer not in self._rehoming:
            self._rehoming.add(relay.peer)
            task = asyncio.ensure_future(self._rehome(relay))
            task.add_done_callback(lambda _: self._rehoming.discard(relay.peer))

    async def _rehome(self, relay: Relay) -> None:
        if relay.closed:
            return
        if relay.unheard:
            relay.unheard = False
            self.nodes.suspect(relay.owner)
        if relay.first.role in CHAT_ROLES:
            await relay.rehome(await self.chats.holder())
            return
        if not relay.key:  # A new session its owner has not named yet: nothing to find.
            if not relay.confirmed and relay.first.role == "customer":
                await relay.refuse(CLOSE_BUSY, "busy", UNAVAILABLE)  # No owner: try again.
            return
        try:
            owner = await self._owner_of(relay.key)
        except SessionNotFound:
            relay.ended()
            return
        if owner == self.name:
            await self.adopt(relay.key)
        await relay.rehome(owner)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _json(message: Hello | Join) -> bytes:
    return msgspec.json.encode(message)


class _ChatLine(msgspec.Struct, array_like=True):
    sender: str
    text: str
