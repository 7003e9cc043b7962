"""Start a ``cobrowse`` command as a child process and wait for the URL it prints.

Used by the pytest plugin, the tests and the benchmark: each gets a real server on a free port.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from mirror.errors import CobrowseError

URL_RE = re.compile(r"http://[\w.\-\[\]:]+:\d+")


class ProcessFailed(CobrowseError):
    """A child command exited or printed no URL in time; the message carries its log."""


@dataclass
class ChildProcess:
    """A running ``python -m mirror ARGS`` (or ``python LAUNCHER... ARGS``) whose first printed
    URL is ``url``; ``env`` is added to this process's environment."""

    args: list[str]
    startup_timeout_s: float = 60.0
    url: str = ""
    process: subprocess.Popen[str] | None = None
    log_file: Path = field(default_factory=lambda: Path(tempfile.mkstemp(suffix=".log")[1]))
    launcher: tuple[str, ...] = ("-m", "mirror")
    env: dict[str, str] = field(default_factory=dict)

    def start(self) -> ChildProcess:
        with self.log_file.open("w") as log:  # The child keeps its own copy of the handle.
            self.process = subprocess.Popen(
                [sys.executable, *self.launcher, *self.args],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env={**os.environ, **self.env, "PYTHONUNBUFFERED": "1"},
            )
        found = threading.Event()
        threading.Thread(target=self._read_stdout, args=(found,), daemon=True).start()
        if not found.wait(self.startup_timeout_s) or not self.url:
            self.stop()
            raise ProcessFailed(
                f"'cobrowse {' '.join(self.args)}' did not start:\n{self.log_tail()}"
            )
        return self

    def _read_stdout(self, found: threading.Event) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            match = URL_RE.search(line)
            if match and not self.url:
                self.url = match.group(0)
                found.set()
        found.set()  # The process ended (or closed stdout) before printing a URL.

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout_s: float = 20.0) -> int | None:
        """SIGTERM, then SIGKILL if it does not stop in time; returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode

    def __enter__(self) -> ChildProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
