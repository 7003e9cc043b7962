"""A session's life in a cluster, with short timeouts and sockets without a browser: a customer
whose node dies and who never returns, a node just back that keeps its sessions, the primary
interaction ended on a third node, inactivity seen by an owner that holds neither socket, wrong
IDs counted across the nodes, and SIGTERM of the last node. node-1 has the most capacity, so
every new session is placed there."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from redis import Redis as RedisClient

from tests.aio import in_thread
from tests.cluster.conftest import (
    ShapedCluster,
    ended_record,
    fetch_json,
    live_sessions,
    records,
    shaped_cluster,
    told,
    until,
)
from tests.conftest import TEST_CONFIG
from tests.wsclient import open_customer, receive_json, send_snapshot_when_asked, ws_url

SHOP = "http://shop.test"
SHARED = f"""[server]
allowed_origins = ["{SHOP}"]
{TEST_CONFIG}
[session]
inactivity_timeout_s = 10
agent_reconnect_grace_s = 3
customer_reconnect_grace_s = 3
"""
CAPACITIES = {"node-1": 4, "node-2": 2, "node-3": 2}
GUARD_KEYS = "cb:guard:*"  # mirror/cluster/joinguard.py, under the cluster's prefix.


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShapedCluster]:
    with shaped_cluster(tmp_path_factory.mktemp("lifecycle"), SHARED, CAPACITIES) as cluster:
        yield cluster


@pytest.fixture
def nodes(lifecycle: ShapedCluster) -> ShapedCluster:
    """Every node running and no session live, whatever an earlier test left."""
    lifecycle.ensure_running()
    lifecycle.wait_until_idle()
    return lifecycle


async def agent_on(
    http: aiohttp.ClientSession, node_url: str, access_id: str, interaction: str | None = None
) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect(ws_url(node_url, "agent"))
    join: dict[str, Any] = {"v": 1, "type": "join", "id": access_id}
    if interaction is not None:
        join["interaction"] = interaction
    await ws.send_json(join)
    return ws


async def try_join(http: aiohttp.ClientSession, node_url: str, access_id: str) -> dict[str, Any]:
    """The first answer to an agent's join."""
    agent = await agent_on(http, node_url, access_id)
    answer = await receive_json(agent)
    await agent.close()
    return answer


async def nowhere_live(http: aiohttp.ClientSession, cluster: ShapedCluster) -> None:
    for name in cluster.nodes:
        assert await live_sessions(http, cluster.url(name)) == 0, name


async def health(http: aiohttp.ClientSession, node_url: str) -> dict[str, Any]:
    status, answer = await fetch_json(http, f"{node_url}/healthz")
    assert status == 200, answer
    return dict(answer)


def forgive(cluster: ShapedCluster) -> None:
    """Lift every lock-out: the other tests' agents join from the same loopback address."""
    client = RedisClient.from_url(cluster.redis_url)
    try:
        keys = list(client.scan_iter(match=GUARD_KEYS))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@in_thread
async def test_a_customer_whose_node_dies_and_never_returns_times_out(
    nodes: ShapedCluster,
) -> None:
    """SIGKILL of the node that holds the customer's socket and owns the session, and the page
    never comes back: another node takes the session over and its grace runs out."""
    async with aiohttp.ClientSession() as http:
        customer, info = await open_customer(http, nodes.url("node-1"), SHOP)
        assert nodes.owner(info["id"]) == "node-1"
        await asyncio.to_thread(nodes.kill, "node-1")
        record = await ended_record(http, nodes.url("node-3"), info["uuid"])
        assert record["end_reason"] == "customer_timeout"
        await nowhere_live(http, nodes)
        await customer.close()


@in_thread
async def test_a_node_just_back_keeps_the_sessions_it_creates(nodes: ShapedCluster) -> None:
    """node-1 stopped and started again, as a rolling deploy does, and at once two sessions
    created on it whose agents join on node-2 and node-3, before those may have seen node-1
    come back: the sessions stay node-1's, and end as they would on one node."""
    assert await asyncio.to_thread(nodes.stop, "node-1") == 0
    await asyncio.to_thread(nodes.start, "node-1")
    async with aiohttp.ClientSession() as http:
        opened = [await open_customer(http, nodes.url("node-1"), SHOP) for _ in range(2)]
        agents = [
            await agent_on(http, nodes.url(name), info["id"])
            for name, (_, info) in zip(("node-2", "node-3"), opened, strict=True)
        ]
        for (customer, info), agent in zip(opened, agents, strict=True):
            await told(agent, "active")
            assert nodes.owner(info["id"]) == "node-1"
            await customer.send_json({"v": 1, "type": "exit"})
            for ws in (customer, agent):
                assert (await told(ws, "ended"))["reason"] == "customer_exit"
            record = await ended_record(http, nodes.url("node-3"), info["uuid"])
            assert record["end_reason"] == "customer_exit"
        await nowhere_live(http, nodes)


@in_thread
async def test_an_interaction_ended_on_a_third_node_ends_its_session(nodes: ShapedCluster) -> None:
    """The session owned by node-1, its agent joined on node-2 with the interaction, the end of
    the interaction posted to node-3: both sides are told, history says why."""
    interaction = f"CALL-{secrets.token_hex(4)}"
    async with aiohttp.ClientSession() as http:
        customer, info = await open_customer(http, nodes.url("node-1"), SHOP)
        assert nodes.owner(info["id"]) == "node-1"
        agent = await agent_on(http, nodes.url("node-2"), info["id"], interaction)
        await told(agent, "active")

        async def tied() -> bool:
            rows = await records(http, nodes.url("node-3"), info["uuid"])
            return bool(rows) and rows[0]["state"] == "active"

        await until(tied, "active record")
        (row,) = await records(http, nodes.url("node-3"), info["uuid"])
        assert row["interaction_id"] == interaction
        end = f"{nodes.url('node-3')}/api/interactions/{interaction}/end"
        async with http.post(end) as response:
            assert response.status == 200
            answer = await response.json()
        for ws in (customer, agent):
            assert (await told(ws, "ended"))["reason"] == "interaction_ended"
        record = await ended_record(http, nodes.url("node-3"), info["uuid"])
        assert record["end_reason"] == "interaction_ended"
        await nowhere_live(http, nodes)
        # docs/api.md: the answer lists the sessions that ended, wherever their owner runs.
        assert answer["ended"] == [info["uuid"]]


@in_thread
async def test_inactivity_ends_a_session_whose_owner_holds_neither_socket(
    nodes: ShapedCluster,
) -> None:
    """The customer's socket on node-2, the agent's on node-3, the session and its render page
    on node-1: relayed sockets that say nothing do not keep it alive."""
    async with aiohttp.ClientSession() as http:
        customer, info = await open_customer(http, nodes.url("node-2"), SHOP)
        assert nodes.owner(info["id"]) == "node-1"
        agent = await agent_on(http, nodes.url("node-3"), info["id"])
        await told(agent, "active")
        await send_snapshot_when_asked(customer)

        async def rendered_on_owner() -> bool:
            return [(await health(http, nodes.url(n)))["mirrors"] for n in CAPACITIES] == [1, 0, 0]

        await until(rendered_on_owner, "render page on node-1 alone")
        for ws in (customer, agent):
            assert (await told(ws, "ended"))["reason"] == "inactivity"
        record = await ended_record(http, nodes.url("node-2"), info["uuid"])
        assert record["end_reason"] == "inactivity"
        await nowhere_live(http, nodes)


@in_thread
async def test_wrong_ids_on_three_nodes_lock_the_client_out_of_all(nodes: ShapedCluster) -> None:
    """Five wrong IDs, no more than two on any one node: the right ID is then refused on every
    node, with the very answer a wrong one gets; once the lock-out is lifted it joins."""
    async with aiohttp.ClientSession() as http:
        customer, info = await open_customer(http, nodes.url("node-1"), SHOP)
        wrong = f"{(int(info['id']) + 1) % 10**9:09d}"
        try:
            spread = ("node-1", "node-2", "node-3", "node-1", "node-2")
            answers = [await try_join(http, nodes.url(name), wrong) for name in spread]
            assert all(answer["error"] == "unknown_session" for answer in answers)
            for name in CAPACITIES:
                assert await try_join(http, nodes.url(name), info["id"]) == answers[0], name
            forgive(nodes)
            agent = await agent_on(http, nodes.url("node-3"), info["id"])
            await told(agent, "active")  # The ID was right, and its session live all along.
        finally:
            forgive(nodes)
        await customer.send_json({"v": 1, "type": "exit"})
        assert (await told(customer, "ended"))["reason"] == "customer_exit"


@in_thread
async def test_sigterm_of_the_last_node_ends_its_sessions(nodes: ShapedCluster) -> None:
    """node-2 and node-3 stop first; SIGTERM of node-1 then has no node to hand the session to:
    both sides are told it ended with server_shutdown, and history says so once."""
    async with aiohttp.ClientSession() as http:
        customer, info = await open_customer(http, nodes.url("node-1"), SHOP)
        agent = await agent_on(http, nodes.url("node-1"), info["id"])
        await told(agent, "active")
        for name in ("node-2", "node-3"):
            assert await asyncio.to_thread(nodes.stop, name) == 0
        assert nodes.owner(info["id"]) == "node-1"
        code, *statuses = await asyncio.gather(
            asyncio.to_thread(nodes.stop, "node-1"), told(customer, "ended"), told(agent, "ended")
        )
        assert code == 0
        assert [status["reason"] for status in statuses] == ["server_shutdown"] * 2
        await asyncio.to_thread(nodes.start, "node-1")
        record = await ended_record(http, nodes.url("node-1"), info["uuid"])
        assert record["end_reason"] == "server_shutdown"
        await nowhere_live(http, nodes)
