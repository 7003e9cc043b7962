"""Waiting on another process's state (a server's API, Redis): polled, bounded by a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {timeout_s} s"
        time.sleep(0.1)  # ok-sleep: polling another process's state, bounded by the deadline.


async def async_wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    """:func:`wait_for` inside an event loop: the loop runs between polls."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {timeout_s} s"
        await asyncio.sleep(0.05)  # ok-sleep: polling state that announces no change.
