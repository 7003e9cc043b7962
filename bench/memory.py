"""Memory of the server process and everything it started (its Playwright driver and Chromium).

Reads ``/proc``: ``VmRSS`` from each process's ``status`` (the figure the report leads with) and
``Pss`` from ``smaps_rollup`` where readable. RSS counts pages shared between Chromium's
processes once per process, so the sum overstates; PSS shares them out and does not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class MemorySample:
    """One reading of the whole process tree."""

    processes: int
    rss_mb: float
    pss_mb: float | None


def _parent(pid: int) -> int | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may itself hold spaces or parentheses.
    fields = stat.rpartition(")")[2].split()
    return int(fields[1]) if len(fields) > 1 else None


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants still running, by walking every process's parent."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir(PROC):
        if entry.isdigit():
            parent = _parent(int(entry))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry))
    tree, stack = [], [root]
    while stack:
        pid = stack.pop()
        tree.append(pid)
        stack.extend(children.get(pid, []))
    return tree


def _kb(path: Path, key: str) -> int | None:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def sample(root: int) -> MemorySample:
    """RSS (and PSS) of ``root`` and its descendants, in MB (1 MB = 1024 kB)."""
    pids = process_tree(root)
    rss = [_kb(PROC / str(pid) / "status", "VmRSS:") for pid in pids]
    pss = [_kb(PROC / str(pid) / "smaps_rollup", "Pss:") for pid in pids]
    alive = [kb for kb in rss if kb is not None]
    pss_known = [kb for kb in pss if kb is not None]
    return MemorySample(
        processes=len(alive),
        rss_mb=sum(alive) / 1024,
        pss_mb=sum(pss_known) / 1024 if len(pss_known) == len(alive) and alive else None,
    )
