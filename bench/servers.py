"""The processes a benchmark part runs against: a real ``cobrowse serve`` (with its own Chromium
for the render pages) and the sample site, each a child process on a free port, as the tests
start them. Each part gets fresh ones, so no part inherits another's memory or pages.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.options import FIXTURES
from mirror.testing.processes import ChildProcess


@dataclass(frozen=True)
class Served:
    server: str  # http://127.0.0.1:PORT of the co-browse server
    site: str  # ...and of the sample site
    server_pid: int
    process: ChildProcess

    def log_tail(self, lines: int = 15) -> str:
        return self.process.log_tail(lines)


@contextmanager
def serving() -> Iterator[Served]:
    """A server with the default configuration and an empty SQLite history, and the site."""
    with tempfile.TemporaryDirectory(prefix="cobrowse-bench-") as tmp:
        config = Path(tmp) / "cobrowse.toml"
        config.write_text("")
        server = ChildProcess(
            [
                "serve",
                "--port",
                "0",
                "--config",
                str(config),
                "--db",
                f"sqlite:///{tmp}/bench.db",
            ]
        )
        children = [server]
        try:
            with server:
                site = ChildProcess(["site", str(FIXTURES), "--port", "0", "--server", server.url])
                children.append(site)
                with site:
                    assert server.process is not None
                    try:
                        yield Served(server.url, site.url, server.process.pid, server)
                    except BaseException:
                        print(
                            f"bench: the server's log ends with:\n{server.log_tail()}",
                            file=sys.stderr,
                        )
                        raise
        finally:
            for child in children:
                child.log_file.unlink(missing_ok=True)
