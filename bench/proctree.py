"""The server's process tree in ``/proc``: the server, its Playwright driver and its Chromium's
processes, and what kind each one is (so CPU and memory can be split by kind)."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")
# Chromium names its child processes with --type=...; the browser process has none.
CHROMIUM_KINDS = {"renderer": "Chromium renderers", "gpu-process": "Chromium GPU process"}


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


def kind(pid: int) -> str:
    """What the process is, from its command line."""
    try:
        # Chromium rewrites its children's command lines as one space-separated string.
        args = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").split()
    except OSError:
        return "gone"
    program = os.path.basename(args[0].decode(errors="replace")) if args else ""
    if program.startswith("python"):
        return "server (Python)"
    if program == "node":
        return "Playwright driver (node)"
    if "chrom" in program:
        for arg in args:
            if arg.startswith(b"--type="):
                return CHROMIUM_KINDS.get(arg[7:].decode(errors="replace"), "Chromium other")
        return "Chromium browser process"
    return program or "other"
