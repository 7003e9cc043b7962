"""The cluster's nodes: each renews a lease in Redis that carries its load (``cb:node:{name}``,
expiring unless renewed), reads the others', and places new sessions on the node with the most
free capacity. A node whose lease lapsed is gone: any other may take its sessions over."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import msgspec
from redis.asyncio import Redis

from mirror.cluster.store import CONFIG_KEY, NODES_KEY, node_key
from mirror.config import Config
from mirror.errors import ConfigError

log = logging.getLogger("cobrowse.cluster")

BEAT_S = 0.5  # How often a node renews its lease and reads the others'...
LEASE_S = 2.0  # ...and how long a lease outlives its last renewal.


@dataclass
class Load:
    owned: int  # Live sessions the node owns (each has, or will have, a render page).
    mirrors: int  # Of them, those with a render page now.
    capacity: int

    @property
    def free(self) -> int:
        return self.capacity - self.owned


class NodeTable:
    def __init__(self, redis: Redis, name: str, capacity: int, load: Callable[[], Load]) -> None:
        self.redis, self.name, self.capacity, self._load = redis, name, capacity, load
        self.alive: dict[str, Load] = {}
        self._suspects: dict[str, float] = {}  # Node -> until when it counts as gone.
        self._config = ""  # The shared configuration's fingerprint, once joined.

    async def join(self, config: Config) -> None:
        """Enter the cluster, unless the running nodes share another configuration (a
        ConfigError names what differs)."""
        mine = fingerprint(config)
        await self.beat()
        others = [name for name in self.alive if name != self.name]
        stored = await self.redis.get(CONFIG_KEY)
        if others and stored is not None:
            theirs = json.loads(stored)
            differs = sorted(k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k))
            if differs:
                await self.leave()
                raise ConfigError(
                    "this node's configuration differs from the running cluster's ("
                    + ", ".join(differs)
                    + "): give every node the same configuration file"
                )
        self._config = json.dumps(mine, sort_keys=True)
        await self.redis.set(CONFIG_KEY, self._config)

    async def beat(self) -> None:
        """Renew this node's lease with its load, and read every live node's."""
        load = self._load()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(node_key(self.name), msgspec.json.encode(load), px=int(LEASE_S * 1000))
            pipe.sadd(NODES_KEY, self.name)
            if self._config:  # Again after a Redis that restarted empty, for nodes joining then.
                pipe.set(CONFIG_KEY, self._config, nx=True)
            pipe.smembers(NODES_KEY)
            *_, members = await pipe.execute()
        names = sorted(member.decode() for member in members)
        leases = await self.redis.mget([node_key(name) for name in names]) if names else []
        now = time.monotonic()
        self._suspects = {name: until for name, until in self._suspects.items() if until > now}
        self.alive = {
            name: msgspec.json.decode(lease, type=Load)
            for name, lease in zip(names, leases, strict=True)
            if lease is not None and name not in self._suspects
        }
        if self.name in self.alive:  # Sessions placed here while the beat was on its way count.
            self.alive[self.name] = self._load()
        gone = [name for name, lease in zip(names, leases, strict=True) if lease is None]
        if gone:  # Forgotten once gone; a node that comes back adds itself again.
            await self.redis.srem(NODES_KEY, *gone)

    def is_alive(self, name: str) -> bool:
        return name in self.alive

    async def gone(self, name: str) -> bool:
        """Whether ``name`` is gone: asked of Redis when the table of the last beat does not
        have it, since a node that joined (or came back) after that beat is alive."""
        if name in self.alive:
            return False
        if name in self._suspects:
            return True
        return not await self.redis.exists(node_key(name))

    def suspect(self, name: str) -> None:
        """``name`` did not hear a message sent to it: gone, though its lease may not have
        lapsed yet. Counted as gone for as long as that lease could still last."""
        if name != self.name:
            self._suspects[name] = time.monotonic() + LEASE_S
            self.alive.pop(name, None)

    def heard(self, name: str) -> None:
        """A message came from ``name``: it is not gone, whatever an earlier silence said (a
        node restarted under the same name is heard before its lease is read again)."""
        self._suspects.pop(name, None)

    def choose(self) -> str | None:
        """The node a new session goes to: the most free capacity, this one on a tie; None
        when every node is full. The choice counts at once, so a burst spreads out."""
        ranked = sorted(
            ((load.free, name == self.name, name) for name, load in self.alive.items()),
            reverse=True,
        )
        if not ranked or ranked[0][0] <= 0:
            return None
        name = ranked[0][2]
        self.alive[name].owned += 1
        return name

    async def leave(self) -> None:
        await self.redis.delete(node_key(self.name))
        await self.redis.srem(NODES_KEY, self.name)
        self.alive.pop(self.name, None)


def fingerprint(config: Config) -> dict[str, object]:
    """What every node must share, by dotted key; agent keys only as a digest, and each node's
    own capacity and Redis address left out."""
    raw = msgspec.to_builtins(config)
    raw.pop("cluster", None)
    keys = raw["server"].pop("agent_keys")
    raw["server"]["agent_keys_sha256"] = hashlib.sha256(
        "\n".join(sorted(keys)).encode()
    ).hexdigest()
    return {
        f"{section}.{key}": value
        for section, values in raw.items()
        for key, value in values.items()
    }
