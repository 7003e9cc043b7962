"""What sessions cost the cluster's Redis: its own counters (``INFO commandstats``, ``stats`` and
``cpu``) read before and after a window, the window with no session taken away, per session and
per second.

A window's rates less those of a window with no session leave what the sessions added; the
benchmark's own ``INFO`` calls are left out. ``PUBLISH`` carries what the nodes relay for the
sockets they hold (frames, the pages' messages, scripts); every other command is the sessions'
upkeep (their records, the nodes' leases and loads).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

RELAY_COMMANDS = frozenset({"publish"})
OWN_COMMANDS = frozenset({"info"})  # The benchmark's reads of the counters.
CMDSTAT = "cmdstat_"


@dataclass(frozen=True)
class Counters:
    """Redis's cumulative counters at one moment."""

    at_s: float  # time.monotonic()
    calls: dict[str, int]  # Calls by command, lower case ("publish", "evalsha", ...)
    net_in: int  # Bytes Redis read from its clients...
    net_out: int  # ...and wrote to them (a published message once per subscriber).
    cpu_s: float  # Redis's own CPU time, user and system.

    @classmethod
    def parse(
        cls, commandstats: dict[str, Any], stats: dict[str, Any], cpu: dict[str, Any], at_s: float
    ) -> Counters:
        """From redis-py's parsed ``INFO commandstats``, ``INFO stats`` and ``INFO cpu``."""
        calls = {
            key.removeprefix(CMDSTAT): int(value["calls"])
            for key, value in commandstats.items()
            if key.startswith(CMDSTAT)
        }
        return cls(
            at_s=at_s,
            calls=calls,
            net_in=int(stats["total_net_input_bytes"]),
            net_out=int(stats["total_net_output_bytes"]),
            cpu_s=float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"]),
        )


async def read(redis: Redis) -> Counters:
    commandstats = await redis.info("commandstats")
    stats = await redis.info("stats")
    cpu = await redis.info("cpu")
    return Counters.parse(commandstats, stats, cpu, time.monotonic())


@dataclass(frozen=True)
class Window:
    """Per-second rates over a window between two readings (the benchmark's INFO left out)."""

    seconds: float
    calls: dict[str, float]  # Per second, by command
    net_in: float  # Bytes per second
    net_out: float
    redis_cores: float  # Redis's CPU, in cores busy
    node_cores: float = 0.0  # The nodes' (and their Chromiums'), in cores busy

    @classmethod
    def between(cls, before: Counters, after: Counters, node_cpu_s: float = 0.0) -> Window:
        seconds = after.at_s - before.at_s
        if seconds <= 0:
            raise ValueError("the second reading must come after the first")
        calls = {
            name: (count - before.calls.get(name, 0)) / seconds
            for name, count in after.calls.items()
            if name not in OWN_COMMANDS and count > before.calls.get(name, 0)
        }
        return cls(
            seconds=seconds,
            calls=calls,
            net_in=(after.net_in - before.net_in) / seconds,
            net_out=(after.net_out - before.net_out) / seconds,
            redis_cores=(after.cpu_s - before.cpu_s) / seconds,
            node_cores=node_cpu_s / seconds,
        )

    @property
    def commands(self) -> float:
        return sum(self.calls.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 2),
            "commands_per_s": round(self.commands, 1),
            "calls_per_s": {k: round(v, 1) for k, v in _by_rate(self.calls)},
            "net_in_bytes_per_s": round(self.net_in),
            "net_out_bytes_per_s": round(self.net_out),
            "redis_cores": round(self.redis_cores, 4),
            "node_cores": round(self.node_cores, 3),
        }


def _by_rate(calls: dict[str, float]) -> list[tuple[str, float]]:
    return sorted(calls.items(), key=lambda kv: (-kv[1], kv[0]))


def per_session(window: Window, empty: Window, sessions: int) -> dict[str, Any]:
    """What one session added per second: ``window`` less ``empty`` (no session), over
    ``sessions``. Commands are split into relayed (PUBLISH) and upkeep (the rest)."""
    if sessions < 1:
        raise ValueError("at least one session")
    names = window.calls.keys() | empty.calls.keys()
    added = {n: (window.calls.get(n, 0.0) - empty.calls.get(n, 0.0)) / sessions for n in names}
    added = {n: v for n, v in added.items() if abs(v) >= 0.005}
    relayed = sum(v for n, v in added.items() if n in RELAY_COMMANDS)
    total = sum(added.values())
    return {
        "commands_per_s": round(total, 2),
        "relayed_per_s": round(relayed, 2),
        "upkeep_per_s": round(total - relayed, 2),
        "by_command_per_s": {n: round(v, 2) for n, v in _by_rate(added)},
        "in_bytes_per_s": round((window.net_in - empty.net_in) / sessions),
        "out_bytes_per_s": round((window.net_out - empty.net_out) / sessions),
        "redis_cores": round((window.redis_cores - empty.redis_cores) / sessions, 5),
        "node_cores": round((window.node_cores - empty.node_cores) / sessions, 4),
    }


def dominant(figures: dict[str, Any], top: int = 4) -> list[tuple[str, float]]:
    """The commands that make most of a session's rate, with their share of the commands it
    added (a command a little rarer than in the empty window, by chance, counts for none)."""
    rates = [(name, rate) for name, rate in figures["by_command_per_s"].items() if rate > 0]
    total = sum(rate for _, rate in rates)
    return [(name, rate / total) for name, rate in rates[:top]]
