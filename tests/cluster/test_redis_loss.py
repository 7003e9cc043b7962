"""Redis going away under a running cluster and coming back empty, on the same port: the sessions
a node holds go on as far as they can without it, new customers are told co-browse is busy,
/healthz says 503, and once Redis is back the nodes take customers again by themselves, with
no session twice in history. loss-2 has the capacity, so every new session is placed there;
loss-1 passes its customers on to it."""

from __future__ import annotations

import asyncio
import collections
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from mirror.cluster.services import free_port
from mirror.wire import CLOSE_BUSY
from tests.aio import in_thread
from tests.cluster.conftest import (
    WAIT_S,
    ShapedCluster,
    ended_record,
    fetch_json,
    records,
    shaped_cluster,
    told,
    until,
)
from tests.cluster.test_faults import run_to_exit, serve_args
from tests.conftest import TEST_CONFIG
from tests.wsclient import (
    VIEWPORT,
    closed_with,
    page_snapshot,
    receive_json,
    send_snapshot_when_asked,
    ws_url,
)

SHOP = "http://shop.test"
SHARED = f"""[server]
allowed_origins = ["{SHOP}"]
{TEST_CONFIG}
[session]
agent_reconnect_grace_s = 3
customer_reconnect_grace_s = 3
"""
CAPACITIES = {"loss-1": 1, "loss-2": 8}
HELLO_ANSWER_S = 10.0


@dataclass
class StoppableRedis:
    """redis-server as mirror/cluster/services.py's redis_server starts it (nothing saved to
    disk, the same pub/sub limits), on a port that stays the same when it starts again."""

    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None, "redis-server not found: install Debian's redis-server"
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self.folder), "--save", "", "--appendonly", "no"]
        args += ["--protected-mode", "yes", "--client-output-buffer-limit", "pubsub 256mb 64mb 60"]
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + WAIT_S
        while not self._answers():
            assert self.process.poll() is None, f"redis-server exited ({self.process.returncode})"
            assert time.monotonic() < deadline, f"redis-server not listening on {self.port}"
            time.sleep(0.05)  # ok-sleep: polling a server's start, within a deadline.

    def stop(self) -> None:
        """Gone at once, and all it held with it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.2):
                return True
        except OSError:
            return False


@pytest.fixture(scope="module")
def redis_away(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoppableRedis]:
    redis = StoppableRedis(tmp_path_factory.mktemp("redis"), free_port())
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


@pytest.fixture(scope="module")
def loss(
    redis_away: StoppableRedis, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ShapedCluster]:
    folder = tmp_path_factory.mktemp("loss")
    with shaped_cluster(folder, SHARED, CAPACITIES, redis_away.url) as cluster:
        yield cluster


@pytest.fixture
def nodes(loss: ShapedCluster, redis_away: StoppableRedis) -> Iterator[ShapedCluster]:
    """Redis up and no session live at the start, and Redis up again at the end."""
    if redis_away.process is None:
        redis_away.start()
    loss.ensure_running()
    loss.wait_until_idle()
    yield loss
    if redis_away.process is None:
        redis_away.start()


async def hello(
    http: aiohttp.ClientSession, node_url: str
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    """A new customer's socket and the server's first answer, which must come in time: a page
    left waiting shows its customer nothing at all."""
    ws = await http.ws_connect(ws_url(node_url, "customer"), origin=SHOP)
    await ws.send_json({"v": 1, "type": "hello", "viewport": VIEWPORT})
    try:
        return ws, await asyncio.wait_for(receive_json(ws), HELLO_ANSWER_S)
    except TimeoutError:
        raise AssertionError(f"{node_url}: no answer to a new customer's hello") from None


async def refused_busy(http: aiohttp.ClientSession, node_url: str) -> None:
    ws, answer = await hello(http, node_url)
    assert answer["type"] == "error" and answer["error"] == "busy", answer
    assert "busy" in answer["detail"]
    assert (await closed_with(ws))[0] == CLOSE_BUSY


async def new_session(
    http: aiohttp.ClientSession, node_url: str
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    """A new customer's session, once the cluster takes them again; until then each customer is
    told co-browse is busy."""
    deadline = time.monotonic() + WAIT_S
    while True:
        ws, answer = await hello(http, node_url)
        if answer["type"] == "session":
            return ws, answer
        assert answer["error"] == "busy", answer
        await ws.close()
        assert time.monotonic() < deadline, f"{node_url}: still busy after {WAIT_S:.0f} s"
        await asyncio.sleep(0.2)  # ok-sleep: polling other processes' state, within a deadline.


async def healthz(http: aiohttp.ClientSession, node_url: str) -> int:
    status, _ = await fetch_json(http, f"{node_url}/healthz")
    return status


async def all_healthy(http: aiohttp.ClientSession, cluster: ShapedCluster, status: int) -> None:
    async def answered() -> bool:
        return [await healthz(http, cluster.url(n)) for n in CAPACITIES] == [status] * 2

    await until(answered, f"/healthz {status} on every node")


async def a_frame(ws: aiohttp.ClientWebSocketResponse) -> None:
    """The next frame (a binary message) the agent is sent."""
    deadline = time.monotonic() + WAIT_S
    while True:
        message = await ws.receive(timeout=max(0.0, deadline - time.monotonic()))
        assert message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY), message
        if message.type is aiohttp.WSMsgType.BINARY:
            return


async def once_each(http: aiohttp.ClientSession, cluster: ShapedCluster, uuids: list[str]) -> None:
    """History has no session twice, and each of ``uuids`` once."""
    for name in cluster.nodes:
        _, rows = await fetch_json(http, f"{cluster.url(name)}/api/sessions")
        counts = collections.Counter(row["uuid"] for row in rows)
        assert [uuid for uuid, n in counts.items() if n > 1] == [], name
        assert all(counts[uuid] == 1 for uuid in uuids), name


@in_thread
async def test_the_owning_node_rides_out_redis_going_away(
    nodes: ShapedCluster, redis_away: StoppableRedis
) -> None:
    """A session whose sockets are on its owner goes on while Redis is away (frames, the
    customer's Exit); an idle one is either kept or ended with its page told; new customers
    are told co-browse is busy until Redis is back, and then get sessions again."""
    owner = nodes.url("loss-2")
    async with aiohttp.ClientSession() as http:
        customer, active = await new_session(http, owner)
        idle_customer, idle = await new_session(http, owner)
        assert nodes.owner(active["id"]) == nodes.owner(idle["id"]) == "loss-2"
        agent = await http.ws_connect(ws_url(owner, "agent"))
        await agent.send_json({"v": 1, "type": "join", "id": active["id"]})
        await told(agent, "active")
        await send_snapshot_when_asked(customer)
        await a_frame(agent)

        redis_away.stop()
        await all_healthy(http, nodes, 503)
        await refused_busy(http, owner)
        changed = page_snapshot("Changed while Redis was away")
        await customer.send_json({"v": 1, "type": "events", "events": changed})
        await a_frame(agent)
        await customer.send_json({"v": 1, "type": "exit"})
        for ws in (customer, agent):
            assert (await told(ws, "ended"))["reason"] == "customer_exit"

        redis_away.start()  # Empty: it lost every session, lease and lock-out.
        await all_healthy(http, nodes, 200)
        after, info = await new_session(http, owner)

        async def idle_settled() -> bool:
            if nodes.owner(idle["id"]) is not None:  # Known to Redis again.
                return True
            return any(r["state"] == "ended" for r in await records(http, owner, idle["uuid"]))

        await until(idle_settled, "idle session kept in Redis or ended")
        if nodes.owner(idle["id"]) is None:
            await told(idle_customer, "ended")  # Its page is told, not left waiting.
        else:
            await idle_customer.send_json({"v": 1, "type": "exit"})
        await after.close()  # Its grace ends it, on whichever node holds it by then.
        record = await ended_record(http, owner, active["uuid"])
        assert record["end_reason"] == "customer_exit"
        for uuid in (idle["uuid"], info["uuid"]):
            await ended_record(http, owner, uuid)
        await once_each(http, nodes, [active["uuid"], idle["uuid"], info["uuid"]])


@in_thread
async def test_a_node_that_passes_customers_on_refuses_them_while_redis_is_away(
    nodes: ShapedCluster, redis_away: StoppableRedis
) -> None:
    """loss-1 places its new customers on loss-2, through Redis: with Redis away they are told
    co-browse is busy (not left waiting), and once it is back they get sessions again."""
    relaying = nodes.url("loss-1")
    async with aiohttp.ClientSession() as http:
        redis_away.stop()
        await all_healthy(http, nodes, 503)
        await refused_busy(http, relaying)

        redis_away.start()
        await all_healthy(http, nodes, 200)
        customer, info = await new_session(http, relaying)  # On either node: both have room.
        await customer.close()  # Its grace ends it, on whichever node holds it by then.
        await ended_record(http, relaying, info["uuid"])
        await once_each(http, nodes, [info["uuid"]])


@in_thread
async def test_a_redis_back_empty_still_keeps_other_configurations_out(
    nodes: ShapedCluster, redis_away: StoppableRedis, tmp_path: Path
) -> None:
    """The shared configuration is lost with Redis's data: the running nodes put it back, so a
    node with other masking that starts afterwards is still refused."""
    async with aiohttp.ClientSession() as http:
        redis_away.stop()
        await all_healthy(http, nodes, 503)
        redis_away.start()
        await all_healthy(http, nodes, 200)
    other = tmp_path / "other.toml"
    other.write_text('[masking]\nhidden = ["#nothing-hidden"]\n')
    args = serve_args(redis_away.url, other, "stranger", tmp_path)
    result = await asyncio.to_thread(run_to_exit, args)
    assert result.returncode == 2
    assert "masking.hidden" in result.stderr
