"""Named background tasks (mirror/tasks.py): one task a name, and a task may forget itself."""

from __future__ import annotations

import asyncio

from mirror.tasks import NamedTasks
from tests.aio import in_thread


@in_thread
async def test_starting_a_name_again_cancels_the_earlier_task() -> None:
    tasks, never = NamedTasks(), asyncio.Event()
    first = tasks.start("grace", never.wait())
    second = tasks.start("grace", never.wait())
    await asyncio.wait([first])
    assert first.cancelled()
    assert tasks.get("grace") is second and not second.done()
    tasks.cancel_all()
    await asyncio.wait([second])
    assert second.cancelled() and tasks.get("grace") is None


@in_thread
async def test_a_task_that_cancels_its_own_name_runs_on_to_its_end() -> None:
    tasks, finished = NamedTasks(), asyncio.Event()

    async def timer() -> None:
        tasks.cancel("timer")  # As a grace timer does before it ends its session.
        await asyncio.sleep(0)  # ok-sleep: a cancelled task would stop at its next await.
        finished.set()

    task = tasks.start("timer", timer())
    await asyncio.wait([task])
    assert not task.cancelled() and finished.is_set()
    assert tasks.get("timer") is None
