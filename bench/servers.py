"""The processes a benchmark part runs against: a real ``cobrowse serve`` (with its own Chromium
for the render pages) and the sample site, each a child process on a free port, as the tests
start them. Each part gets fresh ones, so no part inherits another's memory or pages. The
server lists the sample site in ``allowed_origins``: the render pages fetch a site's images and
fonts from this machine only then. Its capacity is lifted past any scale step: a step measures
what happens past what the machine carries, rather than be refused "busy" there.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from yarl import URL

from bench.options import FIXTURES
from mirror.config import normalise_origin
from mirror.testing.processes import ChildProcess
from mirror.testing.server import free_port


@dataclass(frozen=True)
class Served:
    server: str  # http://127.0.0.1:PORT of the co-browse server
    site: str  # ...and of the sample site
    server_pid: int
    process: ChildProcess

    def log_tail(self, lines: int = 15) -> str:
        return self.process.log_tail(lines)


def site_config(site_port: int, customer_page: str | None = None) -> str:
    """The defaults, with the sample site (under both loopback names: its partner page frames
    the other one) and the origin of a customer's page elsewhere (``--page URL``) allowed."""
    origins = [f"http://127.0.0.1:{site_port}", f"http://localhost:{site_port}"]
    page = URL(customer_page or "")
    if page.is_absolute() and (page_origin := normalise_origin(str(page.origin()))):
        origins.append(page_origin)
    return "[server]\nallowed_origins = [" + ", ".join(f'"{o}"' for o in origins) + "]\n"


# Live sessions the one server takes ([cluster] max_mirrors): more than any step opens.
SERVER_CAPACITY = 10_000


def server_config(site_port: int, customer_page: str | None = None) -> str:
    """:func:`site_config`, and the capacity of a server that refuses no step's sessions."""
    return f"{site_config(site_port, customer_page)}[cluster]\nmax_mirrors = {SERVER_CAPACITY}\n"


def capture_config(capture: str) -> Callable[[str], str] | None:
    """A ``configure`` for :func:`serving` that takes pixels the ``capture`` way ([frames]
    capture); None for the server's default, "auto"."""
    if capture == "auto":
        return None
    return lambda text: f'{text}[frames]\ncapture = "{capture}"\n'


@contextmanager
def serving(
    customer_page: str | None = None, configure: Callable[[str], str] | None = None
) -> Iterator[Served]:
    """A server with the default configuration but for ``allowed_origins`` and its capacity
    (above) and an empty SQLite history, and the site. ``configure`` rewrites that
    configuration's text for a part that measures a feature (bench/recording.py)."""
    site_port = free_port()
    with tempfile.TemporaryDirectory(prefix="cobrowse-bench-") as tmp:
        config = Path(tmp) / "cobrowse.toml"
        text = server_config(site_port, customer_page)
        config.write_text(configure(text) if configure else text)
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
                site = ChildProcess(
                    ["site", str(FIXTURES), "--port", str(site_port), "--server", server.url]
                )
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
