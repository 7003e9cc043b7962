"""The server's memory upkeep (mirror/server/memory.py): one release after a burst of session ends,
cycles collected by it, and the start-up objects frozen out of the collector's walk."""

from __future__ import annotations

import asyncio
import gc
import weakref

from mirror.server.memory import MemoryReleaser, freeze_start_up, release_free_memory
from tests.aio import in_thread

DELAY_S = 0.05


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@in_thread
async def test_a_burst_of_ends_makes_one_release_after_the_last() -> None:
    loop = asyncio.get_running_loop()
    released: list[float] = []

    async def release() -> None:
        released.append(loop.time())

    releaser = MemoryReleaser(DELAY_S, release)
    releaser.soon()
    releaser.soon()
    last = loop.time()
    releaser.soon()
    await asyncio.sleep(3 * DELAY_S)  # ok-sleep: room for the releases that must not come
    assert len(released) == 1
    assert released[0] >= last + DELAY_S


@in_thread
async def test_a_cancelled_release_does_not_run() -> None:
    released: list[bool] = []

    async def release() -> None:
        released.append(True)

    releaser = MemoryReleaser(DELAY_S, release)
    releaser.soon()
    releaser.cancel()
    await asyncio.sleep(3 * DELAY_S)  # ok-sleep: room for the release that must not come
    assert released == []


@in_thread
async def test_the_release_collects_objects_that_hold_one_another() -> None:
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.disable()  # Only the release may collect them.
    try:
        await release_free_memory()
    finally:
        gc.enable()
    assert gone() is None


def test_start_up_objects_are_frozen_out_of_the_collectors_walk() -> None:
    try:
        freeze_start_up()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
