"""Waiting on another process's state (a server's API, Redis): polled, bounded by a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


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


async def async_poll(
    read: Callable[[], Awaitable[T]], done: Callable[[T], bool], what: str, timeout_s: float = 20.0
) -> T:
    """Read another process's state (an API's answer) until ``done`` holds; the last reading."""
    deadline = time.monotonic() + timeout_s
    while not done(value := await read()):
        assert time.monotonic() < deadline, f"no {what} within {timeout_s} s: {value!r}"
        await asyncio.sleep(0.05)  # ok-sleep: polling state that announces no change.
    return value
