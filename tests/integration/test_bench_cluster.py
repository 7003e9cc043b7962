"""The cluster benchmark's reading of a real Redis's counters: the commands a window saw, with
published messages and their bytes counted once per subscriber, and its own INFO left out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis.asyncio

from bench import redis_load
from tests.aio import in_thread
from tests.services import Redis, redis_server

PAYLOAD = b"x" * 3000  # About a frame patch's size.


@pytest.fixture(scope="module")
def server() -> Iterator[Redis]:
    with redis_server() as running:
        yield running


@in_thread
async def test_a_window_counts_what_the_nodes_sent_and_not_its_own_reads(server: Redis) -> None:
    client = redis.asyncio.Redis.from_url(server.url)
    listener = redis.asyncio.Redis.from_url(server.url)
    pubsub = listener.pubsub()
    try:
        await pubsub.subscribe("cb:n:node-2")
        await client.hset("cb:s:123456789", "owner", "node-3")
        before = await redis_load.read(client)
        for _ in range(20):
            await client.publish("cb:n:node-2", PAYLOAD)
            await client.hget("cb:s:123456789", "owner")
        after = await redis_load.read(client)
        window = redis_load.Window.between(before, after)
        counted = {name: round(rate * window.seconds) for name, rate in window.calls.items()}
        assert counted == {"publish": 20, "hget": 20}
        # In: each message once. Out: once to the subscriber, and a small reply to each call.
        assert window.net_in * window.seconds > 20 * len(PAYLOAD)
        assert window.net_out * window.seconds > 20 * len(PAYLOAD)
        assert window.redis_cores >= 0
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await listener.aclose()
        await client.aclose()
