"""Named background tasks (mirror/tasks.py): one task a name, and a task may forget itself."""

from __future__ import annotations

import asyncio

from mirror.tasks import NamedTasks
from tests.aio import in_thread


@in_thread
async def test_starting_a_name_again_cancels_the_earlier_task() -> None:
    tasks, never = NamedTasks(), asyncio.Event()
    tasks.start("grace", never.wait())
    first = tasks._tasks["grace"]
    tasks.start("grace", never.wait())
    await asyncio.wait([first])
    assert first.cancelled()
    assert not tasks._tasks["grace"].done()
    tasks.cancel_all()
    assert tasks._tasks == {}


@in_thread
async def test_a_task_that_cancels_its_own_name_runs_on_to_its_end() -> None:
    tasks, finished = NamedTasks(), asyncio.Event()

    async def timer() -> None:
        tasks.cancel("timer")  # As a grace timer does before it ends its session.
        await asyncio.sleep(0)  # ok-sleep: a cancelled task would stop at its next await.
        finished.set()

    tasks.start("timer", timer())
    task = tasks._tasks["timer"]
    await asyncio.wait([task])
    assert not task.cancelled() and finished.is_set()
    assert tasks._tasks == {}
