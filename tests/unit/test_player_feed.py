"""The feed to the render page's player: batches in order, changes queued meanwhile in one call,
a new page or a snapshot always in a call of its own."""

from __future__ import annotations

import asyncio
import base64
import json
import zlib
from typing import Any

from mirror.render.player_feed import PlayerFeed, changes_only, packed
from mirror.render.rrweb import EventType
from tests.aio import in_thread

META, SNAPSHOT, CHANGE = (
    b'{"type":%d,"data":{}}' % kind
    for kind in (EventType.META, EventType.FULL_SNAPSHOT, EventType.INCREMENTAL_SNAPSHOT)
)


def change(n: int) -> bytes:
    return b'{"type":%d,"data":{"n":%d}}' % (EventType.INCREMENTAL_SNAPSHOT, n)


def test_only_batches_of_changes_may_share_a_call() -> None:
    assert changes_only([CHANGE, change(1)])
    assert not changes_only([CHANGE, SNAPSHOT])
    assert not changes_only([META])
    assert not changes_only([b"[]"]) and not changes_only(
        [b'{"type":"%d"}' % EventType.INCREMENTAL_SNAPSHOT]
    )
    assert not changes_only([b"{not json"])


class SlowPlayer:
    """Records each call; the first one waits until released, as a busy render page would."""

    def __init__(self, expected_calls: int) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.release = asyncio.Event()
        self.busy = asyncio.Event()
        self.done = asyncio.Event()
        self.expected_calls = expected_calls

    async def apply(self, batch_json: str) -> None:
        self.calls.append(json.loads(batch_json))
        if len(self.calls) == self.expected_calls:
            self.done.set()
        if len(self.calls) == 1:
            self.busy.set()
            await self.release.wait()


@in_thread
async def test_changes_queued_while_the_player_is_busy_go_in_one_call_in_order() -> None:
    player = SlowPlayer(expected_calls=4)
    feed = PlayerFeed(player.apply)
    feed.start()
    await feed.put([META, SNAPSHOT])
    await player.busy.wait()  # The first call is under way, and held.
    for n in range(1, 4):
        await feed.put([change(n)])
    await feed.put([SNAPSHOT])
    await feed.put([change(4), change(5)])
    player.release.set()
    await player.done.wait()
    await feed.close()
    shapes = [[EventType(event["type"]).name for event in call] for call in player.calls]
    assert shapes == [
        ["META", "FULL_SNAPSHOT"],
        ["INCREMENTAL_SNAPSHOT"] * 3,
        ["FULL_SNAPSHOT"],
        ["INCREMENTAL_SNAPSHOT"] * 2,
    ]
    changes = [event["data"]["n"] for call in player.calls for event in call if event["data"]]
    assert changes == [1, 2, 3, 4, 5]


def test_a_large_batch_crosses_deflated_and_whole() -> None:
    batch = json.dumps([{"type": 3, "data": {"text": 'a "quoted" word ' * 4000}}])
    crossing = packed(batch)
    assert crossing.isascii() and len(crossing) < len(batch) / 10
    assert zlib.decompress(base64.b64decode(crossing)).decode() == batch
