"""A real cluster for the tests: Redis, PostgreSQL, three ``cobrowse serve`` nodes on fixed ports
(a node restarted comes back where the balancer expects it), HAProxy in front, and two sample
sites: one whose pages load cobrowse.js through the balancer, one straight from the first node."""

from __future__ import annotations

import json
import signal
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mirror.cluster.services import free_port, haproxy_server, postgres_server, redis_server
from mirror.testing import CobrowseServer
from mirror.testing.processes import ChildProcess
from tests.conftest import TEST_CONFIG
from tests.sites import FIXTURES

NODES = ("node-1", "node-2", "node-3")
START_TIMEOUT_S = 90.0


def node_config(sites: list[int], extra: str = "") -> str:
    origins = [f"http://{host}:{port}" for port in sites for host in ("127.0.0.1", "localhost")]
    return f"[server]\nallowed_origins = {json.dumps(origins)}\n{TEST_CONFIG}{extra}"


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


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
        log = self.folder / f"{name}.log"
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
