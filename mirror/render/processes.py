"""The server's Chromium as operating-system processes (Linux's /proc): found by a mark on its
command line, so that a browser that stops answering can be killed, and its renderers found
(the fault tests stop and kill them as the kernel would)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

PROC = Path("/proc")


def _pids() -> Iterator[int]:
    with contextlib.suppress(OSError):
        for entry in PROC.iterdir():
            if entry.name.isdigit():
                yield int(entry.name)


def command_line(pid: int) -> str:
    """The process's arguments, joined by spaces (Chromium's child processes rewrite theirs as
    one string); empty when it is gone or cannot be read."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def parent(pid: int) -> int | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The name (field 2) is in brackets and may hold spaces: the fields follow the last ")".
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[1]) if len(fields) > 1 else None


def marked(mark: str) -> list[int]:
    """The processes whose command line holds ``mark`` (a browser and any wrapper script)."""
    return [pid for pid in _pids() if mark in command_line(pid)]


def descendants(root: int) -> list[int]:
    """Every process below ``root`` (Chromium's zygotes stand between it and its renderers)."""
    children: dict[int, list[int]] = {}
    for pid in _pids():
        up = parent(pid)
        if up is not None:
            children.setdefault(up, []).append(pid)
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def renderers(browser_pids: list[int]) -> list[int]:
    """The renderer processes of the browsers ``browser_pids``."""
    below = {pid for root in browser_pids for pid in descendants(root)}
    return sorted(pid for pid in below if " --type=renderer " in command_line(pid) + " ")


def kill(pids: list[int], sig: int = signal.SIGKILL) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)
