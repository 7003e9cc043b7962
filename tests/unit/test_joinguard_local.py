"""The join guard behind the awaitable interface the agent socket uses: one node's own counts."""

from __future__ import annotations

from mirror.session.joinguard import Guard, JoinGuard, LocalGuard
from tests.aio import in_thread


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@in_thread
async def test_the_local_guard_answers_and_counts_as_the_join_guard_it_wraps() -> None:
    clock = Clock()
    join_guard = JoinGuard(per_client=2, base_lockout_s=10, clock=clock)
    guard: Guard = LocalGuard(join_guard)
    await guard.failed("2001:db8:1:2::1")
    assert await guard.allowed("2001:db8:1:2::1")
    await guard.failed("2001:db8:1:2::2")
    assert not await guard.allowed("2001:db8:1:2:abcd::9")  # The same /64.
    assert not join_guard.allowed("2001:db8:1:2::1")  # The wrapped guard did the counting.
    assert await guard.allowed("198.51.100.1")
    clock.now += 10
    assert await guard.allowed("2001:db8:1:2::1")
