"""Run an async test in a thread of its own.

pytest-playwright's sync API keeps an event loop running on the main thread for the whole test
session, so an async test cannot run its loop there; each gets a fresh loop in a worker thread.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec

P = ParamSpec("P")
TEST_TIMEOUT_S = 120


def in_thread(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, test(*args, **kwargs)).result(TEST_TIMEOUT_S)

    return run
