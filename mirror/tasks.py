"""Background tasks by name: a session's grace timers, its frame pump, a chat's release timer."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class NamedTasks:
    """Starting a task cancels the earlier one of that name, so each name runs at most once."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, name: str, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        self.cancel(name)
        task = self._tasks[name] = asyncio.ensure_future(coro)
        return task

    def get(self, name: str) -> asyncio.Task[None] | None:
        """The task running under ``name``, if any."""
        return self._tasks.get(name)

    def cancel(self, name: str) -> None:
        """Forget the task ``name`` and cancel it, unless it is the caller: a timer that ends
        its session goes on to finish that."""
        task = self._tasks.pop(name, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def cancel_all(self) -> None:
        for name in list(self._tasks):
            self.cancel(name)
