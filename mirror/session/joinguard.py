"""Guarding the nine-digit ID against guessing: failed joins limited per client and overall, with a
lock-out that grows with each offence and is forgiven after quiet periods (:class:`JoinGuard`).
The agent socket awaits a :class:`Guard`: this node's own (:class:`LocalGuard`) or the cluster's
(:class:`mirror.cluster.joinguard.SharedJoinGuard`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from mirror.limits import client_key


@dataclass
class _Client:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0
    lockouts: int = 0  # Not yet forgiven: the next lock-out lasts base_lockout_s * 2**lockouts.
    calm_since: float = 0.0  # The last counted failure or the end of the last lock-out.


@dataclass
class JoinGuard:
    """Pure logic with an injectable clock. A client is an IPv4 address or an IPv6 /64
    (:func:`mirror.limits.client_key`). A locked-out client gets the same answer as for an unknown
    ID, so a guesser learns nothing. What it tries while locked out is refused unseen and counted
    nowhere: one client cannot keep the overall limit tripped and every agent locked out.
    """

    per_client: int = 5  # Failed joins allowed per client within `window_s`...
    overall: int = 100  # ...and from everyone together (a lock-out of everyone, never longer).
    window_s: float = 60.0
    base_lockout_s: float = 30.0  # Doubles with each lock-out of the same client...
    max_lockout_s: float = 3600.0
    # ...and each quiet period this long (no failure, not locked out) forgives one lock-out, so an
    # office behind one address that mistypes now and then stays at the short ones.
    forgive_s: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _clients: dict[str, _Client] = field(default_factory=dict)
    _all_failures: deque[float] = field(default_factory=deque)
    _all_locked_until: float = 0.0
    _swept_at: float = float("-inf")

    def allowed(self, client: str) -> bool:
        """Whether ``client`` may try a join now."""
        now = self.clock()
        record = self._clients.get(client_key(client))
        return now >= self._all_locked_until and (record is None or now >= record.locked_until)

    def failed(self, client: str) -> None:
        """``client`` tried an ID that is not live (or tried while locked out: not counted)."""
        now = self.clock()
        if not self.allowed(client):
            return
        self._sweep(now)
        record = self._clients.setdefault(client_key(client), _Client(calm_since=now))
        self._forgive(record, now)
        _push(record.failures, now, self.window_s)
        record.calm_since = now
        if len(record.failures) >= self.per_client:
            lockout = min(self.base_lockout_s * 2**record.lockouts, self.max_lockout_s)
            record.locked_until = record.calm_since = now + lockout
            if lockout < self.max_lockout_s:  # Past the longest, more would only delay forgiving.
                record.lockouts += 1
            record.failures.clear()
        _push(self._all_failures, now, self.window_s)
        if len(self._all_failures) >= self.overall:
            self._all_locked_until = now + self.base_lockout_s
            self._all_failures.clear()

    def __len__(self) -> int:
        """Clients remembered: with recent failures, locked out, or lock-outs not yet forgiven."""
        return len(self._clients)

    def _forgive(self, record: _Client, now: float) -> None:
        periods = int((now - record.calm_since) // self.forgive_s)
        if periods > 0 and record.lockouts:
            record.lockouts = max(0, record.lockouts - periods)
            record.calm_since += periods * self.forgive_s

    def _sweep(self, now: float) -> None:
        """Forget clients with nothing left against them, once a window, so the table holds only
        clients seen lately (failures are counted only below the overall limit, so it cannot
        grow faster than that)."""
        if now - self._swept_at < self.window_s:
            return
        self._swept_at = now
        for key, record in list(self._clients.items()):
            self._forgive(record, now)
            recent = bool(record.failures) and record.failures[-1] > now - self.window_s
            if not recent and now >= record.locked_until and not record.lockouts:
                del self._clients[key]


class Guard(Protocol):
    """What the agent socket asks before a join and tells after a failed one."""

    async def allowed(self, client: str) -> bool:
        """Whether ``client`` may try a join now."""
        ...

    async def failed(self, client: str) -> None:
        """``client`` tried an ID that is not live (or tried while locked out: not counted)."""
        ...


@dataclass
class LocalGuard:
    """A :class:`JoinGuard` behind the :class:`Guard` interface: one node counting on its own."""

    guard: JoinGuard = field(default_factory=JoinGuard)

    async def allowed(self, client: str) -> bool:
        return self.guard.allowed(client)

    async def failed(self, client: str) -> None:
        self.guard.failed(client)


def _push(times: deque[float], now: float, window_s: float) -> None:
    times.append(now)
    while times and times[0] <= now - window_s:
        times.popleft()
