"""The servers a cluster stands on, as ``cobrowse cluster`` starts them: HAProxy balancing two small
backends (round robin, health checks, retries, WebSockets), Redis with a password; and the
``cobrowse cluster`` command itself, which starts them with the nodes and stops them all."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import AsyncIterator
from typing import TypeVar

import aiohttp
import pytest
import redis.asyncio
import redis.exceptions
from aiohttp import web

from mirror.cluster.launch import main as launch_main
from mirror.cluster.launch import node_config, shown
from mirror.cluster.services import ensure_free
from mirror.config import parse_config
from tests.aio import in_thread
from tests.services import (
    Balancer,
    ServiceError,
    free_port,
    haproxy_server,
    redis_server,
)

T = TypeVar("T")
DEADLINE_S = 30.0


@contextlib.asynccontextmanager
async def off_loop(manager: contextlib.AbstractContextManager[T]) -> AsyncIterator[T]:
    """A blocking context manager (a server starting, stopping) entered off the event loop,
    which keeps serving the backends meanwhile."""
    value = await asyncio.to_thread(manager.__enter__)
    try:
        yield value
    finally:
        await asyncio.to_thread(manager.__exit__, None, None, None)


class Backend:
    """A node in miniature: ``/healthz`` (200 while ``healthy``), ``/who`` answers its name,
    ``/echo`` a WebSocket that echoes each message with its name in front."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.healthy = True
        self.port = 0
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/who", self.who)
        app.router.add_get("/echo", self.echo)
        self.runner = web.AppRunner(app, shutdown_timeout=1)

    async def healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok", status=200 if self.healthy else 503)

    async def who(self, request: web.Request) -> web.Response:
        return web.Response(text=self.name)

    async def echo(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            await ws.send_str(f"{self.name}:{message.data}")
        return ws

    async def start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self.runner.addresses[0][1])

    async def stop(self) -> None:
        await self.runner.cleanup()


@contextlib.asynccontextmanager
async def balanced(*names: str) -> AsyncIterator[tuple[Balancer, list[Backend]]]:
    backends = [Backend(name) for name in names]
    try:
        for backend in backends:
            await backend.start()
        servers = [("127.0.0.1", backend.port) for backend in backends]
        async with off_loop(haproxy_server(servers)) as balancer:
            yield balancer, backends
    finally:
        for backend in backends:
            await backend.stop()


async def who(balancer: Balancer) -> str:
    """One request on a connection of its own; it must succeed."""
    connector = aiohttp.TCPConnector(force_close=True)
    async with (
        aiohttp.ClientSession(connector=connector) as client,
        client.get(f"{balancer.url}/who") as response,
    ):
        assert response.status == 200, await response.text()
        return await response.text()


async def until_only(balancer: Balancer, name: str, in_a_row: int = 6) -> None:
    """Ask until ``in_a_row`` answers in a row come from ``name`` (round robin over two would
    alternate), every request succeeding meanwhile."""
    deadline, streak = time.monotonic() + DEADLINE_S, 0
    while streak < in_a_row:
        assert time.monotonic() < deadline, f"requests still reach backends other than {name}"
        streak = streak + 1 if await who(balancer) == name else 0


@in_thread
async def test_requests_are_balanced_round_robin_without_affinity() -> None:
    async with balanced("a", "b") as (balancer, _):
        answers = [await who(balancer) for _ in range(6)]
    assert set(answers) == {"a", "b"}, answers


@in_thread
async def test_a_backend_that_stops_leaves_the_rotation_and_no_request_fails() -> None:
    async with balanced("a", "b") as (balancer, (a, _)):
        await a.stop()
        await until_only(balancer, "b")


@in_thread
async def test_a_backend_failing_its_health_check_leaves_the_rotation_and_rejoins() -> None:
    async with balanced("a", "b") as (balancer, (a, _)):
        a.healthy = False
        await until_only(balancer, "b")
        a.healthy = True
        deadline = time.monotonic() + DEADLINE_S
        while await who(balancer) != "a":
            assert time.monotonic() < deadline, "a healthy backend never rejoined"


@in_thread
async def test_a_websocket_is_proxied_both_ways() -> None:
    async with (
        balanced("a", "b") as (balancer, _),
        aiohttp.ClientSession() as client,
        client.ws_connect(f"{balancer.url}/echo") as ws,
    ):
        for text in ("hello", "again"):
            await ws.send_str(text)
            reply = await ws.receive_str(timeout=10)
            assert reply.split(":", 1)[1] == text and reply[0] in "ab"


PASSWORD = 'p@ss word:/"\\#'  # Characters that a URL or redis.conf would misread unescaped.


@in_thread
async def test_redis_with_a_password_refuses_a_client_without_it() -> None:
    async with off_loop(redis_server(password=PASSWORD)) as server:
        assert PASSWORD not in repr(server)
        anonymous = redis.asyncio.Redis(host="127.0.0.1", port=server.port)
        wrong = redis.asyncio.Redis(host="127.0.0.1", port=server.port, password="guess")
        client = redis.asyncio.Redis.from_url(server.url)
        try:
            with pytest.raises(redis.exceptions.AuthenticationError):
                await anonymous.set("key", "value")
            with pytest.raises(redis.exceptions.AuthenticationError):
                await wrong.ping()
            assert await client.set("key", "value")
            assert await client.get("key") == b"value"
        finally:
            for connection in (anonymous, wrong, client):
                await connection.aclose()


@in_thread
async def test_redis_keeps_subscribers_that_receive_large_messages() -> None:
    async with off_loop(redis_server()) as server:
        client = redis.asyncio.Redis.from_url(server.url)
        try:
            config = await client.config_get("client-output-buffer-limit")
            assert "pubsub 268435456 67108864 60" in str(config["client-output-buffer-limit"])
        finally:
            await client.aclose()


# -- cobrowse cluster ------------------------------------------------------------------------


def test_the_nodes_config_lists_the_sample_sites_origins_and_trusts_the_balancer() -> None:
    config = parse_config(node_config(8081))
    assert config.server.allowed_origins == ["http://127.0.0.1:8081", "http://localhost:8081"]
    assert config.server.trusted_proxies == ["127.0.0.1"]


def test_printed_database_and_redis_urls_hide_their_password() -> None:
    assert shown("postgresql://app:s3cret@db.internal:5432/cobrowse") == (
        "postgresql://app:***@db.internal:5432/cobrowse"
    )
    assert shown("redis://:s3cret@127.0.0.1:6379/0") == "redis://:***@127.0.0.1:6379/0"
    assert shown("sqlite:///cobrowse.db") == "sqlite:///cobrowse.db"


def test_the_cluster_refuses_a_balancer_port_already_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServiceError, match=f"port {port} is in use"):
            launch_main(1, port, None)


def balancer_and_site_ports() -> int:
    """A port free together with the next one (the sample site's)."""
    while True:
        port = free_port()
        with contextlib.suppress(ServiceError):
            ensure_free(port + 1, "site")
            return port


def accepts(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
        return True
    return False


def test_the_cluster_command_serves_through_the_balancer_and_stops_everything() -> None:
    port = balancer_and_site_ports()
    command = [sys.executable, "-m", "mirror", "cluster", "--nodes", "2", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True)
    lines: list[str] = []
    printed = threading.Event()
    nodes: list[int] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C"):
                printed.set()
        printed.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert printed.wait(180) and process.poll() is None, "".join(lines)
        printed_nodes = re.findall(r"node-\d+\s+http://127\.0\.0\.1:(\d+)", "".join(lines))
        nodes += [int(p) for p in printed_nodes]
        assert len(nodes) == 2, "".join(lines)
        for url in (f"http://127.0.0.1:{p}/healthz" for p in [port, port, *nodes]):
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port + 1}/shop/", timeout=10) as page:
            assert f"http://127.0.0.1:{port}/cobrowse.js" in page.read().decode()
    finally:
        process.terminate()
        code = process.wait(120)
        reader.join(10)
        assert process.stdout is not None
        process.stdout.close()
    assert code == 0
    assert not any(accepts(p) for p in [port, port + 1, *nodes])
