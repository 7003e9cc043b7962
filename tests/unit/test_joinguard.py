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


def test_tries_while_locked_out_do_not_count_so_one_client_cannot_lock_everyone_out() -> None:
    clock = Clock()
    guard = JoinGuard(per_client=3, overall=10, base_lockout_s=10, clock=clock)
    for _ in range(3):
        guard.failed("203.0.113.7")
    for _ in range(50):  # The agent socket reports every refused try as a failure.
        assert not guard.allowed("203.0.113.7")
        guard.failed("203.0.113.7")
    assert guard.allowed("198.51.100.1")
    clock.now += 10
    assert guard.allowed("203.0.113.7")  # Hammering did not lengthen its own lock-out either.


def test_lockouts_are_forgiven_one_per_quiet_period() -> None:
    clock = Clock()
    guard = JoinGuard(per_client=2, base_lockout_s=10, forgive_s=100, clock=clock)

    def burst_of_typos() -> float:
        """Two wrong IDs: how long the office is then locked out."""
        guard.failed("198.51.100.1")
        guard.failed("198.51.100.1")
        locked_at = clock.now
        while not guard.allowed("198.51.100.1"):
            clock.now += 1
        return clock.now - locked_at

    assert [burst_of_typos() for _ in range(3)] == [10, 20, 40]
    clock.now += 200  # Two quiet periods: two of the three lock-outs forgiven.
    assert burst_of_typos() == 20
    clock.now += 1000  # A long quiet spell forgives everything.
    assert burst_of_typos() == 10


def test_lockouts_stop_growing_at_the_longest() -> None:
    clock = Clock()
    guard = JoinGuard(per_client=1, base_lockout_s=10, max_lockout_s=40, forgive_s=100, clock=clock)
    for _ in range(10):  # 10, 20, 40, then 40 each time.
        guard.failed("a")
        clock.now += 40
    clock.now += 300  # Three quiet periods forgive every lock-out that counted.
    guard.failed("a")
    assert guard.allowed("a") is False
    clock.now += 10
    assert guard.allowed("a")


def test_clients_with_nothing_against_them_are_forgotten() -> None:
    clock = Clock()
    guard = JoinGuard(per_client=5, overall=1000, window_s=60, forgive_s=100, clock=clock)
    for n in range(500):
        guard.failed(f"10.{n // 256}.{n % 256}.1")
    guard.failed("192.0.2.1")
    guard.failed("192.0.2.1")
    for _ in range(5):
        guard.failed("192.0.2.99")  # Locked out: remembered until forgiven.
    assert len(guard) == 502
    clock.now += 61
    guard.failed("192.0.2.1")
    assert len(guard) == 2  # The one locked out earlier, and the one that just failed.
    clock.now += 30 + 100 + 61
    guard.failed("192.0.2.2")
    assert len(guard) == 1


def test_an_ipv6_client_is_its_64_and_an_ipv4_mapped_address_is_the_ipv4_one() -> None:
    clock = Clock()
    guard = JoinGuard(per_client=3, clock=clock)
    for host in ("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"):
        guard.failed(host)
    assert not guard.allowed("2001:db8:1:2:abcd::9")  # Any address of that /64.
    assert guard.allowed("2001:db8:1:3::1")  # The next /64 is another client.
    guard.failed("192.0.2.5")
    guard.failed("::ffff:192.0.2.5")
    guard.failed("192.0.2.5")
    assert not guard.allowed("192.0.2.5")
