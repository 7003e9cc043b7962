"""A cluster node's upkeep, every beat: its lease and load renewed (and every other node's
read), the chats' holder elected, and its sockets checked against Redis (a relay whose session
moved finds the new owner, an inbox whose page's node is gone leaves, a session Redis gives to
another node goes to it); and, one node at a time, the sweep for sessions that no socket will
bring back and for history rows left open."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from mirror.clock import utcnow
from mirror.cluster.bus import Envelope
from mirror.cluster.chats import CHAT_ROLES, ClusterChats
from mirror.cluster.nodes import BEAT_S, LEASE_S, NodeTable
from mirror.cluster.peers import Inbox, Relay
from mirror.cluster.registry import SharedDirectory
from mirror.cluster.store import PREFIX
from mirror.errors import SessionNotFound
from mirror.session.handover import hand_over
from mirror.session.hub import Hub
from mirror.session.state import EndReason
from mirror.wire import CLOSE_MOVED

log = logging.getLogger("cobrowse.cluster")

SWEEP_S = 3 * LEASE_S  # How often one node looks for sessions no socket will bring back.
SWEEP_LOCK = f"{PREFIX}sweep"
HISTORY_EVERY = 10  # Sweeps between two looks for history rows left open.
MOVED = "the session moved to another server"


class Kept(Protocol):
    """What the upkeep needs of its node (mirror/cluster/node.py ClusterNode)."""

    name: str
    redis: Redis
    nodes: NodeTable
    directory: SharedDirectory
    chats: ClusterChats
    hub: Hub
    relays: dict[str, Relay]
    inboxes: dict[str, Inbox]
    healthy: bool

    def rehome_later(self, relay: Relay) -> None: ...
    async def take_over(self, access_id: str, dead: str) -> str: ...
    async def adopt(self, access_id: str) -> None: ...


class Upkeep:
    def __init__(self, node: Kept) -> None:
        self.node = node
        self._sweeps = 0

    async def run(self) -> None:
        swept_at = 0.0
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(BEAT_S)
            try:
                await self._tick()
                if not self.node.healthy:
                    log.info("node %s: Redis is back", self.node.name)
                    # Every lease was lost with Redis: no sweep before the nodes renewed theirs.
                    swept_at = loop.time()
                self.node.healthy = True
                if loop.time() - swept_at >= SWEEP_S:
                    swept_at = loop.time()
                    await self._sweep()
            except (RedisError, OSError) as exc:
                if self.node.healthy:
                    log.warning("node %s: Redis unavailable (%s)", self.node.name, exc)
                self.node.healthy = False

    async def _tick(self) -> None:
        await self.node.nodes.beat()
        await self.node.directory.retry()
        await self.node.chats.beat()
        await self._check_relays()
        await self._check_inboxes()
        await self._check_owned()

    async def _check_relays(self) -> None:
        """A relay whose owner changed or is gone finds the new one; one whose session ended
        while its owner could not say so closes. An owner ending a session says so itself (a
        status, then a close) and that may still be on its way when its record is gone: a relay
        closes itself only when its session still has no owner at the next look."""
        live = [r for r in self.node.relays.values() if r.confirmed and not r.closed]
        sessions = [r for r in live if r.key and r.first.role not in CHAT_ROLES]
        owners = await self.node.directory.owners([r.key for r in sessions])
        for relay, owner in zip(sessions, owners, strict=True):
            if owner is None and relay.orphaned:
                relay.ended()
            relay.orphaned = owner is None
            if owner is not None and (owner != relay.owner or await self.node.nodes.gone(owner)):
                self.node.rehome_later(relay)
        holder = self.node.chats.current
        for relay in live:
            if relay.first.role in CHAT_ROLES and holder and relay.owner != holder:
                self.node.rehome_later(relay)

    async def _check_inboxes(self) -> None:
        """Sockets held by nodes that are gone have left (a page comes back through another)."""
        for peer, inbox in list(self.node.inboxes.items()):
            if await self.node.nodes.gone(inbox.peer.node):
                del self.node.inboxes[peer]
                inbox.put(Envelope("left", peer=peer))

    async def _check_owned(self) -> None:
        """A session Redis gives to another node (it thought this one gone) is that node's
        now; one gone from Redis (it lost its data) ends rather than be lost."""
        owned = self.node.hub.sessions()
        owners = await self.node.directory.owners([live.session.access_id for live in owned])
        for live, owner in zip(owned, owners, strict=True):
            if owner is None:  # Gone from Redis (it lost its data): ended, not lost.
                await self.node.hub.end(live, EndReason.SERVER_SHUTDOWN)
                continue
            if owner != self.node.name:
                await hand_over(self.node.hub, live, CLOSE_MOVED, MOVED)

    async def _sweep(self) -> None:
        """One node at a time: sessions whose owner is gone and that no socket brought back are
        taken over, so their grace timers run and they end with their usual reason."""
        if not await self.node.redis.set(
            SWEEP_LOCK, self.node.name, nx=True, px=int(SWEEP_S * 1000)
        ):
            return
        self._sweeps += 1
        if self._sweeps % HISTORY_EVERY == 1:
            await self._close_stale_history()
        ids = await self.node.directory.live_ids()
        owners = await self.node.directory.owners(ids)
        for access_id, owner in zip(ids, owners, strict=True):
            if owner is not None and await self.node.nodes.gone(owner):
                with contextlib.suppress(SessionNotFound):
                    target = await self.node.take_over(access_id, owner)
                    if target == self.node.name:
                        await self.node.adopt(access_id)

    async def _close_stale_history(self) -> None:
        """History rows that are open but belong to no live session were left by a cluster
        that stopped all at once (or a Redis that lost its data): closed as server_shutdown."""
        live = await self.node.directory.live_uuids()
        before = utcnow() - timedelta(seconds=SWEEP_S)
        closed = await self.node.hub.history.end_open_sessions(
            live, before, EndReason.SERVER_SHUTDOWN
        )
        if closed:
            log.warning("closed %d session record(s) that no node holds", closed)
