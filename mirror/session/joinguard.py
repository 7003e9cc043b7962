"""Guarding the nine-digit ID against guessing: join attempts are limited per client address and
overall, with a lock-out that grows with each offence. Pure logic with an injectable clock.

A locked-out client gets the same answer as for an unknown ID, so a guesser learns nothing.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Client:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0
    lockouts: int = 0


@dataclass
class JoinGuard:
    per_client: int = 5  # Failed joins allowed per client within `window_s`...
    overall: int = 100  # ...and from everyone together.
    window_s: float = 60.0
    base_lockout_s: float = 30.0  # Doubles with each lock-out of the same client.
    max_lockout_s: float = 3600.0
    clock: Callable[[], float] = time.monotonic
    _clients: dict[str, _Client] = field(default_factory=dict)
    _all_failures: deque[float] = field(default_factory=deque)
    _all_locked_until: float = 0.0

    def allowed(self, client: str) -> bool:
        """Whether ``client`` may try a join now."""
        now = self.clock()
        record = self._clients.get(client)
        return now >= self._all_locked_until and (record is None or now >= record.locked_until)

    def failed(self, client: str) -> None:
        """``client`` tried an ID that is not live (or tried while locked out)."""
        now = self.clock()
        record = self._clients.setdefault(client, _Client())
        _push(record.failures, now, self.window_s)
        if len(record.failures) >= self.per_client:
            lockout = min(self.base_lockout_s * 2**record.lockouts, self.max_lockout_s)
            record.locked_until = now + lockout
            record.lockouts += 1
            record.failures.clear()
        _push(self._all_failures, now, self.window_s)
        if len(self._all_failures) >= self.overall:
            self._all_locked_until = now + self.base_lockout_s
            self._all_failures.clear()
        self._forget_old(now)

    def _forget_old(self, now: float) -> None:
        """Drop clients with nothing recent, so the table cannot grow without bound."""
        if len(self._clients) < 10_000:
            return
        for key in [k for k, r in self._clients.items() if not r.failures and r.locked_until < now]:
            del self._clients[key]


def _push(times: deque[float], now: float, window_s: float) -> None:
    times.append(now)
    while times and times[0] <= now - window_s:
        times.popleft()
