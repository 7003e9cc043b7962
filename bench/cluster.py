"""The cluster a ``--nodes N`` run measures: Redis, PostgreSQL, N ``cobrowse serve`` nodes on
fixed ports (a node killed comes back where it was) and the sample site, whose pages load
cobrowse.js from node-1.

Placement puts a new session on the node with the most free capacity, so each node's
``[cluster] max_mirrors`` says where sessions go: node-3 (:data:`RENDER_NODE`) takes many, every
other node one. Every session then has its render page on node-3 wherever its sockets are: a
customer through node-1 and an agent through node-2 put the three roles on three nodes, both
through node-3 put them on one. The rest of the configuration is the same on every node, as a
cluster requires.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from redis.asyncio import Redis

from bench.options import FIXTURES
from bench.servers import site_config
from mirror.cluster.services import free_port, postgres_server, redis_server
from mirror.cluster.store import node_key, session_key
from mirror.testing.processes import ChildProcess

CUSTOMER_NODE, AGENT_NODE, RENDER_NODE = "node-1", "node-2", "node-3"
# Far more sessions than a run opens: node-3 always has the most free capacity.
RENDER_CAPACITY = 64
OTHER_CAPACITY = 1
START_TIMEOUT_S = 120.0  # Each node starts its own Chromium; several on a small machine are slow.
# Nodes read each other's leases every half second (mirror/cluster/nodes.py): a node that has
# just started is placed on once the others have read its lease.
SEEN_WAIT_S, SEEN_MAX_S = 0.1, 30.0
LEASE_READ_S = 1.0


class PlacementError(RuntimeError):
    """A session's roles are not on the nodes the measurement needs: its figures would not be
    the ones it names."""


def node_names(count: int) -> list[str]:
    return [f"node-{i}" for i in range(1, count + 1)]


def node_config(base: str, name: str) -> str:
    """``base`` with this node's capacity (the only section nodes may differ in)."""
    capacity = RENDER_CAPACITY if name == RENDER_NODE else OTHER_CAPACITY
    return f"{base}\n[cluster]\nmax_mirrors = {capacity}\n"


@dataclass
class BenchCluster:
    """The running cluster; :func:`running` starts and stops it."""

    redis_url: str
    db: str
    folder: Path
    ports: dict[str, int]
    site: str = ""
    nodes: dict[str, ChildProcess] = field(default_factory=dict)
    redis: Redis | None = None  # The benchmark's own client, for counters and owners.

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def pid(self, name: str) -> int:
        process = self.nodes[name].process
        assert process is not None
        return process.pid

    def start(self, name: str) -> None:
        config = self.folder / f"{name}.toml"
        args = ["serve", "--port", str(self.ports[name]), "--redis", self.redis_url]
        args += ["--node", name, "--db", self.db, "--config", str(config)]
        log = self.folder / f"{name}.log"
        self.nodes[name] = ChildProcess(args, START_TIMEOUT_S, log_file=log).start()

    def kill(self, name: str) -> float:
        """SIGKILL, as a machine that dies; returns when it was sent (wall-clock ms)."""
        process = self.nodes.pop(name).process
        assert process is not None
        killed_at = time.time() * 1000
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
        return killed_at

    def log_tail(self, name: str, lines: int = 15) -> str:
        return ChildProcess([], log_file=self.folder / f"{name}.log").log_tail(lines)

    async def health(self, http: aiohttp.ClientSession, name: str) -> dict[str, Any]:
        async with http.get(f"{self.url(name)}/healthz") as response:
            response.raise_for_status()
            return dict(await response.json())

    async def mirrors(self, http: aiohttp.ClientSession) -> dict[str, int]:
        """Render pages held by each running node, as its ``/healthz`` says."""
        return {name: (await self.health(http, name))["mirrors"] for name in self.nodes}

    async def owner(self, session_id: str) -> str | None:
        """The node that owns a live session, as the cluster's registry in Redis says."""
        assert self.redis is not None
        owner = await self.redis.hget(session_key(session_id), "owner")
        return owner.decode() if isinstance(owner, bytes) else owner

    async def wait_seen(self, name: str) -> None:
        """Until the other nodes can place sessions on ``name``: its lease is in Redis, and
        they have had time to read it."""
        assert self.redis is not None
        deadline = time.monotonic() + SEEN_MAX_S
        while not await self.redis.exists(node_key(name)):
            if time.monotonic() > deadline:
                raise PlacementError(f"{name} took no lease in {SEEN_MAX_S:.0f} s")
            await asyncio.sleep(SEEN_WAIT_S)
        await asyncio.sleep(LEASE_READ_S)


async def expect_mirrors(
    cluster: BenchCluster, http: aiohttp.ClientSession, expected: dict[str, int], what: str
) -> None:
    """Fail loudly unless each node holds the render pages ``expected`` says (others none)."""
    found = await cluster.mirrors(http)
    wanted = {name: expected.get(name, 0) for name in found}
    if found != wanted:
        raise PlacementError(f"{what}: render pages by node {found}, expected {wanted}")


@contextlib.contextmanager
def running(nodes: int, customer_page: str | None = None) -> Iterator[BenchCluster]:
    """Redis, PostgreSQL, ``nodes`` nodes and the sample site; all stopped afterwards."""
    site_port = free_port()
    base = site_config(site_port, customer_page)
    with (
        tempfile.TemporaryDirectory(prefix="cobrowse-bench-cluster-") as tmp,
        redis_server() as redis,
        postgres_server() as postgres,
    ):
        folder = Path(tmp)
        names = node_names(nodes)
        for name in names:
            (folder / f"{name}.toml").write_text(node_config(base, name))
        ports = {name: free_port() for name in names}
        cluster = BenchCluster(redis.url, postgres.new_database(), folder, ports)
        try:
            for name in names:
                cluster.start(name)
            site_args = ["site", str(FIXTURES), "--port", str(site_port)]
            with ChildProcess([*site_args, "--server", cluster.url(CUSTOMER_NODE)]) as site:
                cluster.site = site.url
                yield cluster
        finally:
            for process in cluster.nodes.values():
                process.stop()
