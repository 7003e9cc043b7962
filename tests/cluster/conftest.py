"""A real cluster for the tests: Redis, PostgreSQL, three ``cobrowse serve`` nodes on fixed ports
(a node restarted comes back where the balancer expects it), HAProxy in front, and two sample
sites: one whose pages load cobrowse.js through the balancer, one straight from the first node."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from redis import Redis as RedisClient

from mirror.cluster.services import free_port, haproxy_server, postgres_server, redis_server
from mirror.cluster.store import node_key, session_key
from mirror.testing import CobrowseServer
from mirror.testing.processes import ChildProcess
from tests.conftest import TEST_CONFIG
from tests.sites import FIXTURES

NODES = ("node-1", "node-2", "node-3")
START_TIMEOUT_S = 90.0
WAIT_S = 30.0  # Generous: other tests run browsers on this machine at the same time.


def node_config(sites: list[int], extra: str = "") -> str:
    origins = [f"http://{host}:{port}" for port in sites for host in ("127.0.0.1", "localhost")]
    return f"[server]\nallowed_origins = {json.dumps(origins)}\n{TEST_CONFIG}{extra}"


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def new_log(folder: Path, name: str) -> Path:
    """A log file of its own for each start of a node (a restart keeps the last one's)."""
    return folder / f"{name}.{len(list(folder.glob(f'{name}.*.log')))}.log"


@dataclass
class Cluster:
    redis_url: str
    db: str
    config: Path
    folder: Path
    ports: dict[str, int]
    nodes: dict[str, ChildProcess] = field(default_factory=dict)
    balancer: str = ""
    site: str = ""  # Its pages load cobrowse.js through the balancer...
    direct_site: str = ""  # ...and these straight from node-1.

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, name: str) -> None:
        args = ["serve", "--port", str(self.ports[name]), "--redis", self.redis_url]
        args += ["--node", name, "--db", self.db, "--config", str(self.config)]
        log = new_log(self.folder, name)
        self.nodes[name] = ChildProcess(args, START_TIMEOUT_S, log_file=log).start()

    def kill(self, name: str) -> None:
        """SIGKILL: the node gets no chance to hand anything over."""
        process = self.nodes.pop(name).process
        assert process is not None and process.stdout is not None
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        process.stdout.close()

    def stop(self, name: str) -> int | None:
        """SIGTERM, as a rolling deploy stops a node."""
        return self.nodes.pop(name).stop()

    def health(self, name: str) -> dict[str, Any]:
        return dict(get_json(f"{self.url(name)}/healthz"))

    def mirror_node(self) -> str | None:
        """The running node that holds a render page, if one does."""
        return next((n for n in self.nodes if self.health(n)["mirrors"] > 0), None)

    def server(self, name: str | None = None) -> CobrowseServer:
        """A node (or the balancer) as the plugin's server: where the agent's page opens."""
        return CobrowseServer(self.url(name) if name else self.balancer)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("cluster")
    site_port, direct_port = free_port(), free_port()
    config = folder / "cobrowse.toml"
    config.write_text(node_config([site_port, direct_port]))
    with redis_server() as redis, postgres_server() as postgres:
        ports = {name: free_port() for name in NODES}
        cluster = Cluster(redis.url, postgres.new_database(), config, folder, ports)
        try:
            for name in NODES:
                cluster.start(name)
            with haproxy_server([("127.0.0.1", port) for port in ports.values()]) as balancer:
                cluster.balancer = balancer.url
                sites = [(site_port, balancer.url), (direct_port, cluster.url("node-1"))]
                args = [["site", str(FIXTURES), "--port", str(p), "--server", s] for p, s in sites]
                with ChildProcess(args[0]) as site, ChildProcess(args[1]) as direct:
                    cluster.site, cluster.direct_site = site.url, direct.url
                    yield cluster
        finally:
            for process in cluster.nodes.values():
                process.stop()


# -- a cluster of a test module's own -----------------------------------------------------------


@dataclass
class ShapedCluster(Cluster):
    """Nodes that each read a configuration of their own: the part every node must share, and
    each its own ``[cluster]`` capacity, so that where a new session goes is known in advance
    (the node with the most free capacity takes it)."""

    configs: dict[str, Path] = field(default_factory=dict)

    def start(self, name: str) -> None:
        args = ["serve", "--port", str(self.ports[name]), "--redis", self.redis_url]
        args += ["--node", name, "--db", self.db, "--config", str(self.configs[name])]
        log = new_log(self.folder, name)
        self.nodes[name] = ChildProcess(args, START_TIMEOUT_S, log_file=log).start()

    def ensure_running(self) -> None:
        """Start again whatever node an earlier test killed or stopped, then wait for a beat
        of every node: a node places and takes over sessions by the live nodes its last beat
        read, which may not have a newcomer yet."""
        for name in self.ports:
            if name not in self.nodes:
                self.start(name)
        self.wait_for_beats()

    def wait_for_beats(self) -> None:
        """Until every running node has renewed its lease (and so read the others') once."""
        client = RedisClient.from_url(self.redis_url)
        try:
            # A lease's time to live only grows when its node renews it.
            last = {name: client.pttl(node_key(name)) for name in self.nodes}
            deadline = time.monotonic() + WAIT_S
            while last:
                assert time.monotonic() < deadline, f"no beat of {sorted(last)}"
                time.sleep(0.05)  # ok-sleep: polling other processes' state, within a deadline.
                for name, left_ms in list(last.items()):
                    now_ms = client.pttl(node_key(name))
                    if now_ms > left_ms:
                        del last[name]
                    else:
                        last[name] = now_ms
        finally:
            client.close()

    def wait_until_idle(self) -> None:
        """Until the cluster has no live session: what an earlier test left has ended."""
        name = next(iter(self.nodes))
        deadline = time.monotonic() + WAIT_S
        while self.health(name)["live_sessions"]:
            assert time.monotonic() < deadline, "live sessions left by an earlier test"
            time.sleep(0.1)  # ok-sleep: polling other processes' state, within a deadline.

    def owner(self, access_id: str) -> str | None:
        """The node Redis says owns the live session (None once it has ended)."""
        client = RedisClient.from_url(self.redis_url)
        try:
            owner = client.hget(session_key(access_id), "owner")
        finally:
            client.close()
        return owner.decode() if isinstance(owner, bytes) else None


@contextlib.contextmanager
def shaped_cluster(
    folder: Path, shared: str, capacities: dict[str, int], redis_url: str | None = None
) -> Iterator[ShapedCluster]:
    """PostgreSQL, Redis (unless ``redis_url`` names one the test runs itself) and one node per
    entry of ``capacities`` (its ``max_mirrors``), all reading ``shared`` (which must have no
    ``[cluster]`` section), started in that order."""
    configs = {}
    for name, capacity in capacities.items():
        configs[name] = folder / f"{name}.toml"
        configs[name].write_text(f"{shared}\n[cluster]\nmax_mirrors = {capacity}\n")
    with contextlib.ExitStack() as stack:
        if redis_url is None:
            redis_url = stack.enter_context(redis_server()).url
        db = stack.enter_context(postgres_server()).new_database()
        ports = {name: free_port() for name in capacities}
        config = next(iter(configs.values()))
        cluster = ShapedCluster(redis_url, db, config, folder, ports, configs=configs)
        try:
            cluster.ensure_running()
            yield cluster
        finally:
            for process in cluster.nodes.values():
                process.stop()


# -- sockets and HTTP without a browser, for the tests that need no page ---------------------


async def until(
    condition: Callable[[], Awaitable[bool]], what: str, timeout_s: float = WAIT_S
) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        assert time.monotonic() < deadline, f"no {what} within {timeout_s:.0f} s"
        await asyncio.sleep(0.1)  # ok-sleep: polling other processes' state, within a deadline.


async def told(
    ws: aiohttp.ClientWebSocketResponse, state: str, timeout_s: float = WAIT_S
) -> dict[str, Any]:
    """The next status message with ``state``, frames and other messages skipped; fails if the
    socket closes first or nothing comes in time (a session ended by a timer says so late)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            message = await ws.receive(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            raise AssertionError(f"no status {state!r} within {timeout_s:.0f} s") from None
        if message.type is aiohttp.WSMsgType.BINARY:
            continue
        if message.type is not aiohttp.WSMsgType.TEXT:
            raise AssertionError(f"closed ({ws.close_code}) before status {state!r}")
        data = dict(json.loads(message.data))
        if data["type"] == "status" and data["state"] == state:
            return data


async def fetch_json(http: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    async with http.get(url) as response:
        return response.status, await response.json()


async def records(http: aiohttp.ClientSession, node_url: str, uuid: str) -> list[dict[str, Any]]:
    """History's rows for the session ``uuid``, as one node reads them."""
    _, rows = await fetch_json(http, f"{node_url}/api/sessions")
    return [row for row in rows if row["uuid"] == uuid]


async def ended_record(http: aiohttp.ClientSession, node_url: str, uuid: str) -> dict[str, Any]:
    """The session's one history row, once it says the session ended."""

    async def ended() -> bool:
        return any(row["state"] == "ended" for row in await records(http, node_url, uuid))

    await until(ended, f"ended record of {uuid}")
    (row,) = await records(http, node_url, uuid)
    return row


async def live_sessions(http: aiohttp.ClientSession, node_url: str) -> int:
    status, health = await fetch_json(http, f"{node_url}/healthz")
    assert status == 200, health
    return int(health["live_sessions"])
