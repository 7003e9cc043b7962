"""The runner of a relayed socket's messages (mirror/cluster/peers.py Serial): in order, one at a
time, and nothing left waiting once idle or closed."""

from __future__ import annotations

import asyncio

from mirror.cluster.peers import Serial
from tests.aio import in_thread


@in_thread
async def test_jobs_run_one_after_another_in_order_and_none_waits_when_idle() -> None:
    serial, done = Serial(), []
    gate = asyncio.Event()

    async def first() -> None:
        await gate.wait()
        done.append("first")

    async def later(name: str) -> None:
        done.append(name)

    serial.put(first)
    serial.put(lambda: later("second"))
    await asyncio.sleep(0)  # ok-sleep: lets the runner start the first job.
    serial.put(lambda: later("third"))  # Given while the first still runs.
    gate.set()
    while serial._task is not None and not serial._task.done():  # noqa: ASYNC110
        await asyncio.sleep(0)  # ok-sleep: the runner ends once it has no job.
    assert done == ["first", "second", "third"]
    serial.put(lambda: later("fourth"))  # An idle serial starts again.
    await serial._task
    assert done[-1] == "fourth"


@in_thread
async def test_a_closed_serial_runs_nothing_more() -> None:
    serial, done = Serial(), []

    async def job() -> None:
        done.append("ran")

    serial.close()
    serial.put(job)
    assert serial._task is None and done == []
