"""Memory of the server process and everything it started (its Playwright driver and Chromium).

Reads ``/proc``: ``VmRSS`` from each process's ``status``, and ``Pss`` and the private pages
(USS) from ``smaps_rollup`` where readable. RSS counts pages shared between Chromium's processes
once per process, so the sum overstates; PSS shares them out, also with any other Chromium on the
machine (so it moves when those come and go); USS counts only pages no other process maps, the
memory that ending these processes would free.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.proctree import PROC, kind, process_tree


@dataclass(frozen=True)
class MemorySample:
    """One reading of the whole process tree."""

    processes: int
    rss_mb: float
    pss_mb: float | None
    uss_mb: float | None
    uss_mb_by_kind: dict[str, float] = field(default_factory=dict)  # See bench.proctree.kind
    pss_mb_by_kind: dict[str, float] = field(default_factory=dict)


def _kb(path: Path, key: str) -> int | None:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _rollup(pid: int) -> tuple[int, int] | None:
    """(PSS, USS) of ``pid`` in kB from its ``smaps_rollup``; None if unreadable."""
    try:
        lines = (PROC / str(pid) / "smaps_rollup").read_text().splitlines()
    except OSError:
        return None
    values = {}
    for line in lines:
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[key] = int(parts[0])
    if "Pss" not in values:
        return None
    return values["Pss"], values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)


def sample(root: int) -> MemorySample:
    """RSS, PSS and USS of ``root`` and its descendants, in MB (1 MB = 1024 kB)."""
    pids = process_tree(root)
    rss = [_kb(PROC / str(pid) / "status", "VmRSS:") for pid in pids]
    rollups = [_rollup(pid) for pid in pids]
    alive = [kb for kb in rss if kb is not None]
    known = [r for r in rollups if r is not None]
    complete = len(known) == len(alive) and bool(alive)  # A partial sum would understate.
    by_kind: defaultdict[str, float] = defaultdict(float)
    pss_by_kind: defaultdict[str, float] = defaultdict(float)
    for pid, rollup in zip(pids, rollups, strict=True):
        if rollup is not None:
            by_kind[kind(pid)] += rollup[1] / 1024
            pss_by_kind[kind(pid)] += rollup[0] / 1024
    return MemorySample(
        processes=len(alive),
        rss_mb=sum(alive) / 1024,
        pss_mb=sum(p for p, _ in known) / 1024 if complete else None,
        uss_mb=sum(u for _, u in known) / 1024 if complete else None,
        uss_mb_by_kind=dict(by_kind),
        pss_mb_by_kind=dict(pss_by_kind),
    )
