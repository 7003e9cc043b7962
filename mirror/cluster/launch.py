"""``cobrowse cluster``: a whole cluster on this machine to try it out. Redis, a PostgreSQL (unless
``--db`` names a database), N equal nodes, HAProxy in front of them on ``--port`` and the sample
shop on the next port, whose pages load cobrowse.js from the balancer; Ctrl-C stops them all."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO
from urllib.parse import urlsplit, urlunsplit

from mirror.cluster.services import (
    free_port,
    haproxy_server,
    postgres_server,
    redis_server,
    reserve,
)
from mirror.errors import CobrowseError

NODE_READY = "cobrowse serving on http://"
SITE_READY = "sample site on http://"
# Each node starts its own Chromium; several at once on a small machine take a while.
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0


class LaunchError(CobrowseError):
    """A node or the sample site did not start; its own messages precede this one."""


class _Stop(BaseException):
    """Ctrl-C or SIGTERM: unwinds whatever is starting or running, which then stops."""


@dataclass
class Child:
    """A ``python -m mirror`` command whose output is relayed with its name in front."""

    name: str
    process: subprocess.Popen[str]
    ready: threading.Event = field(default_factory=threading.Event)
    stopping: bool = False
    relays: list[threading.Thread] = field(default_factory=list)


def node_args(index: int, port: int, redis_url: str, db: str, config: Path) -> list[str]:
    return [
        "serve",
        "--port",
        str(port),
        "--redis",
        redis_url,
        "--node",
        f"node-{index}",
        "--db",
        db,
        "--config",
        str(config),
    ]


def node_config(site_port: int) -> str:
    """The nodes' TOML: the sample site's two origins (its partner page frames the courier's
    page from the other loopback name, as a site of another origin), and the balancer as the
    proxy whose X-Forwarded-For names the client."""
    origins = [f"http://127.0.0.1:{site_port}", f"http://localhost:{site_port}"]
    listed = ", ".join(f'"{origin}"' for origin in origins)
    return f'[server]\nallowed_origins = [{listed}]\ntrusted_proxies = ["127.0.0.1"]\n'


def _relay(child: Child, source: IO[str], sink: IO[str], ready_text: str | None) -> None:
    for line in source:
        if ready_text is not None and ready_text in line and not child.ready.is_set():
            child.ready.set()
            continue
        sink.write(f"[{child.name}] {line}")
        sink.flush()
    # A child that dies once started is reported by its stdout relay; one that dies starting
    # is reported by wait_ready.
    if ready_text is not None and child.ready.is_set():
        code = child.process.wait()
        if not child.stopping:
            how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
            sink.write(f"[{child.name}] {how}\n")
            sink.flush()


def spawn(name: str, args: list[str], ready_text: str) -> Child:
    """Start ``python -m mirror ARGS`` in a process group of its own: Ctrl-C reaches this
    command alone, which stops the children in order (nodes before the servers they use)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mirror", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    child = Child(name, process)
    assert process.stdout is not None and process.stderr is not None
    for source, sink, ready in (
        (process.stdout, sys.stdout, ready_text),
        (process.stderr, sys.stderr, None),
    ):
        relay = threading.Thread(target=_relay, args=(child, source, sink, ready), daemon=True)
        relay.start()
        child.relays.append(relay)
    return child


def wait_ready(children: list[Child]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    for child in children:
        while not child.ready.wait(0.2):
            if child.process.poll() is not None:
                for relay in child.relays:  # Its last words first, then why we stop.
                    relay.join(STOP_TIMEOUT_S)
                raise LaunchError(f"{child.name} exited at start ({child.process.returncode})")
            if time.monotonic() > deadline:
                raise LaunchError(f"{child.name} did not start in {START_TIMEOUT_S:.0f}s")


def stop(children: list[Child]) -> None:
    """SIGTERM to all at once, so they shut down side by side; SIGKILL to any that hangs."""
    for child in children:
        child.stopping = True
        if child.process.poll() is None:
            child.process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for child in children:
        try:
            child.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signal.SIGKILL)
            child.process.wait()


def shown(url: str) -> str:
    """``url`` without its password, for the terminal."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def main(nodes: int, port: int, db: str | None) -> None:
    """Start the cluster, print where everything is, and run until Ctrl-C or SIGTERM."""
    if nodes < 1:
        raise LaunchError("--nodes: a cluster needs at least one node")
    # Held until the balancer and the site bind them, so that no service started before takes them.
    balancer, site = reserve(port, "the balancer"), reserve(port + 1, "the sample site")
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, _raise_stop) for sig in handled}
    try:
        with contextlib.ExitStack() as stack:
            stack.callback(balancer.close)
            stack.callback(site.close)
            try:
                run(stack, nodes, balancer, site, db)
            except _Stop:
                pass
            finally:
                # A second Ctrl-C must not cut the stopping short and leave servers behind.
                for sig in handled:
                    signal.signal(sig, signal.SIG_IGN)
                print("cobrowse cluster: stopping", file=sys.stderr, flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(
    stack: contextlib.ExitStack,
    nodes: int,
    balancer_port: socket.socket,
    site_port: socket.socket,
    db: str | None,
) -> None:
    """Everything entered on ``stack`` (which stops it in reverse), then wait for a signal.
    ``balancer_port`` and ``site_port`` are the reserved ports, each freed just before its use."""
    port, site = balancer_port.getsockname()[1], site_port.getsockname()[1]
    redis = stack.enter_context(redis_server())
    if db is None:
        db = stack.enter_context(postgres_server()).new_database()
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cobrowse-cluster-")))
    config = folder / "cobrowse.toml"
    config.write_text(node_config(site))
    ports = [free_port() for _ in range(nodes)]
    cluster: list[Child] = []
    stack.callback(stop, cluster)  # Whatever of it has started by then.
    for i, node_port in enumerate(ports, start=1):
        args = node_args(i, node_port, redis.url, db, config)
        cluster.append(spawn(f"node-{i}", args, NODE_READY))
    wait_ready(cluster)
    balancer_port.close()
    balancer = stack.enter_context(haproxy_server([("127.0.0.1", p) for p in ports], port))
    shop: list[Child] = []
    stack.callback(stop, shop)
    site_port.close()
    shop.append(spawn("site", ["site", "--port", str(site), "--server", balancer.url], SITE_READY))
    wait_ready(shop)
    lines = [
        f"cobrowse cluster: {nodes} node(s) behind {balancer.url}",
        f"  agent view   {balancer.url}/agent",
        *(f"  node-{i:<7} http://127.0.0.1:{p}" for i, p in enumerate(ports, start=1)),
        f"  sample shop  http://127.0.0.1:{site}/shop/",
        f"  redis        {shown(redis.url)}",
        f"  database     {shown(db)}",
        "Ctrl-C stops them all.",
    ]
    print("\n".join(lines), flush=True)
    while True:
        signal.pause()
