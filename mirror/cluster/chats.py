"""Live chat in a cluster: one node holds every live chat (its chat hub runs them, as on a single
server), elected through a Redis key it renews with its lease; every other node relays its chat
panels' and desks' sockets to it. Chats are small and few beside co-browse sessions, and one
holder keeps the waiting list, the desks and the transcripts in one place. Each live chat is
kept in Redis after every change (``cb:chat:{uuid}``), so the node that is elected after a
holder dies carries the chats on; their sockets come back as returning pages do."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Protocol, cast

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from mirror.chat.front import ChatSocket, Link, LocalChatFront, chat_refusal
from mirror.chat.hub import ChatHub
from mirror.chat.messages import ChatHello, DeskHello
from mirror.chat.peers import TiedSession
from mirror.chat.state import Chat
from mirror.cluster.bus import Bus, Envelope
from mirror.cluster.nodes import LEASE_S, NodeTable
from mirror.cluster.peers import Learner, Relay, RemotePeer, refuse
from mirror.cluster.registry import SharedDirectory
from mirror.cluster.store import PREFIX
from mirror.errors import ChatError, ChatNotFound
from mirror.session.front import Socket

log = logging.getLogger("cobrowse.cluster")

HOLDER_KEY = f"{PREFIX}chats:holder"
CHATS_KEY = f"{PREFIX}chats"  # The set of live chats' UUIDs.
CHAT_ROLES = ("chat", "desk")
# KEYS: the holder key. ARGV: this node, the lease in ms. The holder renews; a free key is taken.
_HOLD = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return ARGV[1] end
if not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return ARGV[1] end
return holder
"""
# KEYS: the holder key. ARGV: a node that is gone: its hold ends now, not when it lapses.
_DROP = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
"""
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(Chat).decode


def chat_key(uuid: str) -> str:
    return f"{PREFIX}chat:{uuid}"


class SharedChatDirectory:
    """The chat hub's ChatDirectory in a cluster: each live chat, whole, in Redis."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def saved(self, chat: Chat) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(chat_key(chat.uuid), _encode(chat))
            pipe.sadd(CHATS_KEY, chat.uuid)
            await pipe.execute()

    async def released(self, chat: Chat) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(chat_key(chat.uuid))
            pipe.srem(CHATS_KEY, chat.uuid)
            await pipe.execute()

    async def load(self) -> list[Chat]:
        uuids = sorted(u.decode() for u in await self.redis.smembers(CHATS_KEY))  # type: ignore[union-attr]
        blobs = await self.redis.mget([chat_key(u) for u in uuids]) if uuids else []
        return [_decode(cast(bytes, blob)) for blob in blobs if blob is not None]


class Node(Protocol):
    """What the chats need of their node (mirror/cluster/node.py ClusterNode)."""

    name: str
    redis: Redis
    nodes: NodeTable
    bus: Bus
    directory: SharedDirectory

    async def relay(
        self, socket: Socket, first: Envelope, owner: str, learn: Learner, key: str
    ) -> Relay: ...


class ClusterChats:
    """The chats' side of a node: its front for the chat sockets, the election of the node
    that holds the chats, and the co-browse sessions' starts and ends told to that node."""

    def __init__(self, node: Node, chats: ChatHub, directory: SharedChatDirectory) -> None:
        self.node, self.hub, self.directory = node, chats, directory
        self.local = LocalChatFront(chats)
        self.current = ""  # The node holding the chats, as last seen.
        self._hold = node.redis.register_script(_HOLD)
        self._drop = node.redis.register_script(_DROP)

    async def beat(self) -> None:
        """Renew this node's hold on the chats, or take them if no node holds them."""
        holder = await self._hold(keys=[HOLDER_KEY], args=[self.node.name, int(LEASE_S * 1000)])
        holder = holder.decode() if isinstance(holder, bytes) else str(holder)
        if holder == self.node.name and self.current != holder:
            taken = await self._adopt_stored()
            log.info("node %s holds the chats (%d taken over)", self.node.name, taken)
        elif self.current == self.node.name and holder != self.node.name:
            # Another node took the chats (this one was thought gone): its copies are stale.
            log.warning("node %s lost the chats to %s", self.node.name, holder)
            await self.hub.hand_over()
        self.current = holder

    async def holder(self) -> str:
        """The node holding the chats; one that is gone loses them to this one at once."""
        # Asked of Redis when the last beat did not see it: a holder that joined since is alive.
        if not self.current or await self.node.nodes.gone(self.current):
            if self.current and self.current != self.node.name:
                await self._drop(keys=[HOLDER_KEY], args=[self.current])
            await self.beat()
        return self.current

    async def release(self) -> None:
        """Stopping: let another node hold the chats from its next beat."""
        if self.current == self.node.name:
            await self.node.redis.delete(HOLDER_KEY)

    # -- the chat sockets' front -----------------------------------------------------------

    async def customer_hello(
        self, peer: ChatSocket, hello: ChatHello, origin: str | None, client: str | None
    ) -> Link:
        holder = await self.holder()
        if holder == self.node.name:
            return await self.local.customer_hello(peer, hello, origin, client)
        first = Envelope(
            "open", role="chat", data=msgspec.json.encode(hello), origin=origin or "",
            client=client or "",
        )  # fmt: skip
        # A chat's socket is a page's socket (SocketPeer) that is never sent a frame.
        return await self.node.relay(cast(Socket, peer), first, holder, learn_chat, "")

    async def desk_hello(self, peer: ChatSocket, hello: DeskHello) -> Link:
        holder = await self.holder()
        if holder == self.node.name:
            return await self.local.desk_hello(peer, hello)
        first = Envelope("open", role="desk", data=msgspec.json.encode(hello))
        return await self.node.relay(cast(Socket, peer), first, holder, learn_desk, "")

    async def is_live(self, chat_id: str) -> bool:
        return bool(await self.node.redis.exists(chat_key(chat_id)))

    async def tie(self, chat_id: str, token: str) -> str:
        """From the chat as Redis keeps it: any node may start a session from a chat."""
        blob = await self.node.redis.get(chat_key(chat_id))
        chat = _decode(cast(bytes, blob)) if blob is not None else None
        if chat is None or not chat.live or not secrets.compare_digest(chat.token, token):
            raise ChatNotFound("unknown_chat", "no live chat has that identifier")
        return chat.interaction_id

    async def open_chat(self, peer: RemotePeer, envelope: Envelope) -> Link | None:
        hello = msgspec.json.decode(envelope.data, type=ChatHello)
        origin, client = envelope.origin or None, envelope.client or None
        try:
            try:
                return await self.local.customer_hello(peer, hello, origin, client)
            except ChatNotFound:
                # A page coming back may reach the new holder before it has taken the chats
                # over (its election is seen in Redis first): take them now, then answer.
                if not hello.resume_id or not await self._take_over_now():
                    raise
                return await self.local.customer_hello(peer, hello, origin, client)
        except ChatError as exc:
            await refuse(peer, *chat_refusal(exc))
            return None

    async def _take_over_now(self) -> bool:
        """Take the chats Redis has that this node's hub does not, if this node holds them."""
        if await self.holder() != self.node.name:
            return False
        await self._adopt_stored()
        return True

    async def _adopt_stored(self) -> int:
        """Carry on the live chats Redis keeps (those the hub has already are kept as they
        are); how many Redis had."""
        chats = await self.directory.load()
        self.hub.adopt(chats, set(await self.node.directory.live_ids()))
        return len(chats)

    async def open_desk(self, peer: RemotePeer, envelope: Envelope) -> Link | None:
        hello = msgspec.json.decode(envelope.data, type=DeskHello)
        if hello.resume:  # As a panel's (open_chat): its chats first, or it comes back as new.
            await self._take_over_now()
        return await self.local.desk_hello(peer, hello)

    # -- co-browse sessions, as the chats see them --------------------------------------------

    async def session_created(self, session: TiedSession) -> None:
        await self._tell_holder("session_created", session)

    async def session_started(self, session: TiedSession) -> None:
        pass  # The holder's desk already offered it when it was created.

    async def session_ended(self, session: TiedSession) -> None:
        await self._tell_holder("session_ended", session)

    async def _tell_holder(self, op: str, session: TiedSession) -> None:
        """The holder offers a session started from a chat on its desk, and keeps every live
        identifier out of the transcripts."""
        try:
            holder = await self.holder()
            if holder == self.node.name:
                await self.told(op, session)
                return
            tied = Envelope(op, session=session.access_id, interaction=session.interaction_id or "")
            await self.node.bus.send(holder, tied)
        except (RedisError, OSError) as exc:  # The session goes on; its chat is not told.
            log.warning("session %s: the chats were not told (%s)", session.access_id, exc)

    async def told(self, op: str, session: TiedSession) -> None:
        if op == "session_created":
            await self.hub.session_created(session)
        else:
            await self.hub.session_ended(session)


@dataclass(frozen=True)
class Tied:
    """A co-browse session as another node told of it."""

    access_id: str
    interaction_id: str | None


class _ChatInfo(msgspec.Struct):
    chat: _ChatId
    token: str


class _ChatId(msgspec.Struct):
    id: str


class _DeskToken(msgspec.Struct):
    token: str


def learn_chat(first: bytes, text: bytes) -> tuple[bytes, str] | None:
    """The panel got its chat: later hellos resume it."""
    if b'"type":"chat"' not in text[:40]:
        return None
    info = msgspec.json.decode(text, type=_ChatInfo)
    hello = msgspec.json.decode(first, type=ChatHello)
    resumed = msgspec.structs.replace(hello, resume_id=info.chat.id, resume_token=info.token)
    return msgspec.json.encode(resumed), ""


def learn_desk(first: bytes, text: bytes) -> tuple[bytes, str] | None:
    """The desk got its token: later hellos reclaim its chats."""
    if b'"type":"desk"' not in text[:40]:
        return None
    token = msgspec.json.decode(text, type=_DeskToken).token
    return msgspec.json.encode(DeskHello(resume=token)), ""
