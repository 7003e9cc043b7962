"""Join rate limiting: per client, overall, and a lock-out that grows."""

from __future__ import annotations

from mirror.session.joinguard import JoinGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_is_locked_out_after_too_many_wrong_ids_and_the_lockout_grows() -> None:
    clock = Clock()
    guard = JoinGuard(per_client=3, base_lockout_s=10, clock=clock)
    for _ in range(3):
        assert guard.allowed("10.0.0.1")
        guard.failed("10.0.0.1")
    assert not guard.allowed("10.0.0.1")
    assert guard.allowed("10.0.0.2")  # Others are not affected.
    clock.now += 10
    assert guard.allowed("10.0.0.1")
    for _ in range(3):
        guard.failed("10.0.0.1")
    clock.now += 10
    assert not guard.allowed("10.0.0.1")  # Second lock-out: 20 s.
    clock.now += 10
    assert guard.allowed("10.0.0.1")


def test_failures_outside_the_window_are_forgotten() -> None:
    clock = Clock()
    guard = JoinGuard(per_client=3, window_s=60, clock=clock)
    guard.failed("a")
    guard.failed("a")
    clock.now += 61
    guard.failed("a")
    assert guard.allowed("a")


def test_a_burst_from_many_addresses_locks_everyone_out_briefly() -> None:
    clock = Clock()
    guard = JoinGuard(per_client=100, overall=20, base_lockout_s=5, clock=clock)
    for n in range(20):
        guard.failed(f"10.0.{n}.1")
    assert not guard.allowed("192.168.1.1")
    clock.now += 5
    assert guard.allowed("192.168.1.1")
