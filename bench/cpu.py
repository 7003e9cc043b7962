"""CPU time of the server and everything it started (its Playwright driver and Chromium), read
from ``/proc`` (no psutil), sampled in the background so any phase's share can be read off later,
and split by kind of process (the server's Python, the driver, Chromium's renderers, ...) to show
where the time goes.

Each process's ``utime + stime`` plus ``cutime + cstime`` (its children that have exited and been
waited for) sums, over the live tree, to the CPU the tree has used: a renderer that has gone still
counts through the process that reaped it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from bench.proctree import kind, process_tree

PROC = Path("/proc")
TICKS_PER_S = os.sysconf("SC_CLK_TCK")
SAMPLE_INTERVAL_S = 0.25


def _ticks(pid: int) -> int:
    """utime + stime + cutime + cstime of ``pid``, in clock ticks; 0 if it has gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0
    # Fields after the parenthesised command name start at field 3 (state): utime is field 14.
    fields = stat.rpartition(")")[2].split()
    return sum(int(v) for v in fields[11:15])


def tree_cpu_by_kind(root: int) -> dict[str, float]:
    """CPU seconds used so far by ``root`` and its descendants, by kind of process."""
    used: defaultdict[str, float] = defaultdict(float)
    for pid in process_tree(root):
        used[kind(pid)] += _ticks(pid) / TICKS_PER_S
    return dict(used)


def tree_cpu_s(root: int) -> float:
    """CPU seconds used so far by ``root`` and its descendants (see the module's docstring)."""
    return sum(_ticks(pid) for pid in process_tree(root)) / TICKS_PER_S


def machine_busy_s() -> float:
    """CPU seconds all processes on the machine have used since boot (``/proc/stat``): beside
    the server's and the benchmark's own, it shows how much else was competing for the cores."""
    fields = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / TICKS_PER_S  # guest time is already within user


def load_average() -> float:
    """The one-minute load average: runnable processes, against ``os.cpu_count()`` cores."""
    return float((PROC / "loadavg").read_text().split()[0])


@dataclass
class CpuSample:
    at_ms: float  # Wall clock, as the sessions' windows are (``time.time()`` milliseconds)
    server: dict[str, float]  # CPU seconds by kind of process
    bench_s: float  # This process and its children other than the server
    machine_s: float  # Every process on the machine
    load: float


@dataclass
class CpuUse:
    """Cores busy over a window (1.0 = one core all the time)."""

    server_by_kind: dict[str, float]
    bench_cores: float
    machine_cores: float
    max_load: float  # The highest one-minute load average seen in the window
    window_s: float

    @property
    def server_cores(self) -> float:
        return sum(self.server_by_kind.values())

    def as_dict(self, sessions: int) -> dict[str, object]:
        others = max(0.0, self.machine_cores - self.server_cores - self.bench_cores)
        return {
            "server_cores": round(self.server_cores, 3),
            "server_percent_of_a_core_per_session": round(100 * self.server_cores / sessions, 2),
            "server_cores_by_process": {
                k: round(v, 3)
                for k, v in sorted(self.server_by_kind.items(), key=lambda kv: -kv[1])
            },
            "bench_client_cores": round(self.bench_cores, 3),
            "other_processes_cores": round(others, 3),
            "machine_cores": round(self.machine_cores, 3),
            "max_load_average": self.max_load,
            "window_s": round(self.window_s, 1),
        }


@dataclass
class CpuSampler:
    """``async with CpuSampler(pid) as cpu``: samples until the block ends; ``cpu.use(window)``.

    Sampling runs in a thread: walking ``/proc`` is slow with many renderers, and the clients'
    timestamps must not wait for it.
    """

    root: int
    samples: list[CpuSample] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    def _sample(self) -> CpuSample:
        server = tree_cpu_by_kind(self.root)
        # The server is this process's child: the rest of this tree is the benchmark's side
        # (its clients, its own Chromium if any, the sample site).
        bench = tree_cpu_s(os.getpid()) - sum(server.values())
        return CpuSample(time.time() * 1000, server, bench, machine_busy_s(), load_average())

    async def _run(self) -> None:
        while True:
            self.samples.append(await asyncio.to_thread(self._sample))
            await asyncio.sleep(SAMPLE_INTERVAL_S)

    async def __aenter__(self) -> CpuSampler:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def use(self, window: tuple[float, float]) -> CpuUse | None:
        """CPU over ``window`` (ms), between the first and last samples inside it; None if the
        window holds fewer than two samples."""
        inside = [s for s in self.samples if window[0] <= s.at_ms <= window[1]]
        if len(inside) < 2:
            return None
        first, last = inside[0], inside[-1]
        seconds = (last.at_ms - first.at_ms) / 1000
        by_kind = {
            k: (last.server.get(k, 0.0) - first.server.get(k, 0.0)) / seconds
            for k in last.server.keys() | first.server.keys()
        }
        return CpuUse(
            # A kind whose processes all went meanwhile would read negative: its time went with
            # them, unless a process of the tree reaped them (then it counts there).
            server_by_kind={k: max(0.0, v) for k, v in by_kind.items()},
            bench_cores=(last.bench_s - first.bench_s) / seconds,
            machine_cores=(last.machine_s - first.machine_s) / seconds,
            max_load=max(s.load for s in inside),
            window_s=seconds,
        )
