"""The cluster's table of nodes on a real Redis: each node's load as the others read it, and this
node's own as it is now, not as it was when the beat set out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mirror.cluster.nodes import Load, NodeTable
from mirror.cluster.store import connect
from tests.aio import in_thread
from tests.services import redis_server

CAPACITY = 1


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as server:
        yield server.url


class Counted:
    """A node's load that gains a session each time it is read, as a start placed here while
    the beat is on its way to Redis does."""

    def __init__(self) -> None:
        self.owned = 0

    def __call__(self) -> Load:
        load = Load(owned=self.owned, mirrors=0, capacity=CAPACITY)
        self.owned += 1
        return load


def test_a_session_placed_during_a_beat_still_counts(redis_url: str) -> None:
    """A full node is not chosen again because its lease, sent before the session was placed,
    says it had room: the other node, with room, is."""
    _two_choices(redis_url)


@in_thread
async def _two_choices(redis_url: str) -> None:
    redis = await connect(redis_url)
    here = NodeTable(redis, "here", CAPACITY, Counted())
    other = NodeTable(redis, "other", CAPACITY, lambda: Load(0, 0, CAPACITY))
    try:
        await other.beat()
        await here.beat()  # Sends "none owned"; one is owned by the time the answer is back.
        assert here.alive["other"] == Load(0, 0, CAPACITY)
        assert [here.choose(), here.choose()] == ["other", None]
    finally:
        await here.leave()
        await other.leave()
        await redis.aclose()


def test_a_node_heard_from_after_a_silence_is_not_gone(redis_url: str) -> None:
    """A node suspected gone (a message to it went unheard: it died) that is heard from again
    (restarted under the same name) is alive at once, not when the suspicion would lapse."""
    _suspected_then_heard(redis_url)


@in_thread
async def _suspected_then_heard(redis_url: str) -> None:
    redis = await connect(redis_url)
    here = NodeTable(redis, "here", CAPACITY, lambda: Load(0, 0, CAPACITY))
    back = NodeTable(redis, "back", CAPACITY, lambda: Load(0, 0, CAPACITY))
    try:
        await back.beat()
        await here.beat()
        here.suspect("back")
        assert await here.gone("back")
        here.heard("back")
        assert not await here.gone("back")
    finally:
        await here.leave()
        await back.leave()
        await redis.aclose()
