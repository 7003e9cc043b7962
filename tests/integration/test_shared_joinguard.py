"""The join guard a cluster shares through a real Redis: three nodes (three clients of one Redis)
count wrong IDs together and lock out as one node would, with JoinGuard's rules exactly, and
nothing they leave in Redis outlives what it holds against a client."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from redis.asyncio import Redis

from mirror.cluster.joinguard import SharedJoinGuard
from mirror.session.joinguard import JoinGuard
from tests.aio import in_thread
from tests.services import redis_server

WAIT_S = 20.0  # Generous: other tests run browsers on this machine at the same time.
POLL_S = 0.01
LONG_S = 600.0  # A lock-out that cannot end during a test.


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as server:
        yield server.url


@dataclass
class Nodes:
    guards: list[SharedJoinGuard]
    redis: Redis
    prefix: str

    async def allowed_on(self, client: str) -> list[bool]:
        """The answer of each node."""
        return [await guard.allowed(client) for guard in self.guards]

    async def keys(self) -> list[bytes]:
        return [key async for key in self.redis.scan_iter(match=f"{self.prefix}*")]

    async def now_s(self) -> float:
        seconds, micros = await self.redis.time()
        return seconds + micros / 1_000_000


@asynccontextmanager
async def three_nodes(
    url: str, guard: type[SharedJoinGuard] = SharedJoinGuard, **limits: Any
) -> AsyncIterator[Nodes]:
    """Three guards, each on a client of its own, under a prefix no other test uses."""
    prefix = f"t{uuid.uuid4().hex[:8]}:"
    clients = [Redis.from_url(url) for _ in range(3)]
    try:
        yield Nodes([guard(c, prefix, **limits) for c in clients], clients[0], prefix)
    finally:
        for client in clients:
            await client.aclose()


async def wait_until(condition: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(WAIT_S):
        while not await condition():  # noqa: ASYNC110
            await asyncio.sleep(POLL_S)  # ok-sleep: a bounded poll; Redis announces no expiry.


@in_thread
async def test_wrong_ids_spread_over_three_nodes_lock_the_client_out_on_all_of_them(
    redis_url: str,
) -> None:
    async with three_nodes(redis_url, per_client=5, base_lockout_s=LONG_S) as nodes:
        for n in range(4):
            assert await nodes.guards[n % 3].allowed("203.0.113.7")
            await nodes.guards[n % 3].failed("203.0.113.7")
        assert await nodes.allowed_on("203.0.113.7") == [True, True, True]
        await nodes.guards[1].failed("203.0.113.7")
        assert await nodes.allowed_on("203.0.113.7") == [False, False, False]
        assert await nodes.allowed_on("203.0.113.8") == [True, True, True]


@in_thread
async def test_an_ipv6_client_is_its_64_on_every_node(redis_url: str) -> None:
    async with three_nodes(redis_url, per_client=3, base_lockout_s=LONG_S) as nodes:
        hosts = ("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3")
        for guard, host in zip(nodes.guards, hosts, strict=True):
            await guard.failed(host)
        assert await nodes.allowed_on("2001:db8:1:2:abcd::9") == [False, False, False]
        assert await nodes.allowed_on("2001:db8:1:3::1") == [True, True, True]


@in_thread
async def test_a_lockout_ends_and_the_next_one_lasts_twice_as_long(redis_url: str) -> None:
    limits = {"per_client": 2, "base_lockout_s": 0.2, "max_lockout_s": LONG_S}
    async with three_nodes(redis_url, **limits) as nodes:

        async def locked_out_for() -> float:
            """Two wrong IDs on two nodes, then polled on the third until allowed again: at
            least the lock-out, on Redis's clock (the poll can only make it look longer)."""
            before = await nodes.now_s()
            await nodes.guards[0].failed("198.51.100.1")
            await nodes.guards[1].failed("198.51.100.1")
            await wait_until(lambda: nodes.guards[2].allowed("198.51.100.1"))
            return await nodes.now_s() - before

        first, second, third = [await locked_out_for() for _ in range(3)]
        assert first >= 0.2 and second >= 0.4 and third >= 0.8


@in_thread
async def test_a_burst_from_many_clients_locks_everyone_out_on_every_node(redis_url: str) -> None:
    limits = {"per_client": 100, "overall": 6, "base_lockout_s": LONG_S}
    async with three_nodes(redis_url, **limits) as nodes:
        for n in range(5):
            await nodes.guards[n % 3].failed(f"10.0.{n}.1")
        assert await nodes.allowed_on("192.168.1.1") == [True, True, True]
        await nodes.guards[2].failed("10.0.5.1")
        assert await nodes.allowed_on("192.168.1.1") == [False, False, False]
        assert 0 < await nodes.redis.ttl(f"{nodes.prefix}guard:all:locked") <= LONG_S


@in_thread
async def test_tries_while_locked_out_are_counted_nowhere(redis_url: str) -> None:
    limits = {"per_client": 3, "overall": 10, "base_lockout_s": LONG_S}
    async with three_nodes(redis_url, **limits) as nodes:
        for guard in nodes.guards:
            await guard.failed("203.0.113.7")
        record = await nodes.redis.hgetall(f"{nodes.prefix}guard:c:203.0.113.7")
        for n in range(30):  # The agent socket reports every refused try as a failure.
            await nodes.guards[n % 3].failed("203.0.113.7")
        assert await nodes.allowed_on("198.51.100.1") == [True, True, True]
        assert await nodes.redis.hgetall(f"{nodes.prefix}guard:c:203.0.113.7") == record


@in_thread
async def test_every_key_expires_once_nothing_is_held_against_anyone(redis_url: str) -> None:
    tiny = {"window_s": 0.2, "base_lockout_s": 0.2, "forgive_s": 0.2}
    async with three_nodes(redis_url, per_client=2, overall=5, **tiny) as nodes:
        for n, client in enumerate(["192.0.2.1", "192.0.2.1", "192.0.2.2", "2001:db8::1"]):
            await nodes.guards[n % 3].failed(client)
        keys = await nodes.keys()
        assert {key.decode().removeprefix(nodes.prefix) for key in keys} == {
            "guard:all",
            "guard:c:192.0.2.1",
            "guard:c:192.0.2.2",
            "guard:c:2001:db8::/64",
        }
        assert all([await nodes.redis.pttl(key) > 0 for key in keys])
        for n in range(5):  # Trips the overall limit: its lock is a key of its own.
            await nodes.guards[n % 3].failed(f"10.0.{n}.1")
        assert await nodes.redis.pttl(f"{nodes.prefix}guard:all:locked") > 0

        async def all_gone() -> bool:
            return not await nodes.keys()

        await wait_until(all_gone)


def driven_clock(clock_key: str) -> type[SharedJoinGuard]:
    """A SharedJoinGuard whose scripts read the time (whole seconds) from ``clock_key``."""

    class Driven(SharedJoinGuard):
        clock_lua = f"local now = tonumber(redis.call('GET', '{clock_key}')) * 1000000\n"

    return Driven


# Every rule in play: lock-outs reaching the longest, forgiven, and the overall limit tripping;
# with one failure allowed, every failure is a lock-out and the longest comes often.
LOCKSTEP_LIMITS = [
    {"per_client": 3, "overall": 8, "window_s": 60, "base_lockout_s": 10, "max_lockout_s": 40},
    {"per_client": 1, "overall": 4, "window_s": 60, "base_lockout_s": 10, "max_lockout_s": 40},
]


@pytest.mark.parametrize("limits", LOCKSTEP_LIMITS, ids=["three", "one"])
@in_thread
async def test_the_shared_guard_answers_as_join_guard_does_at_every_step(
    redis_url: str, limits: dict[str, int]
) -> None:
    """A random run of failures and pauses on a clock both guards share, with Redis's expiry
    played out on that clock too: any difference in the rules, or a key forgotten while
    something is still held against it, changes an answer."""
    elapsed = 0
    local = JoinGuard(**limits, forgive_s=100, clock=lambda: elapsed)
    clock_key = f"t{uuid.uuid4().hex[:8]}:now"
    clients = ["192.0.2.1", "::ffff:192.0.2.1", "192.0.2.2", "198.51.100.7", "2001:db8:1:2::1"]
    clients += ["2001:db8:1:2:ffff::2"]
    rng = random.Random(2024)
    answers: set[bool] = set()
    async with three_nodes(redis_url, driven_clock(clock_key), **limits, forgive_s=100) as nodes:
        # Far ahead of Redis's own clock, so that only the expiry played out below applies.
        origin = int(await nodes.now_s()) + 86_400
        await nodes.redis.set(clock_key, origin)
        for step in range(600):
            if rng.random() < 0.35:
                elapsed += rng.choice([1, 5, 10, 20, 40, 60, 100, 250])
                await nodes.redis.set(clock_key, origin + elapsed)
                await expire(nodes, (origin + elapsed) * 1000)
            else:
                client = rng.choice(clients)
                local.failed(client)
                await rng.choice(nodes.guards).failed(client)
            for client in clients:
                expected = local.allowed(client)
                answer = await rng.choice(nodes.guards).allowed(client)
                assert answer == expected, f"step {step}, {client}, {elapsed} s"
                answers.add(answer)
    assert answers == {True, False}


async def expire(nodes: Nodes, now_ms: int) -> None:
    """What Redis would forget at ``now_ms``; every key must have an expiry."""
    for key in await nodes.keys():
        expires_at = await nodes.redis.pexpiretime(key)
        assert expires_at > 0, key
        if now_ms > expires_at:
            await nodes.redis.delete(key)
