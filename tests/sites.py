"""The sample sites of fixtures/ served for a test server: what the ``sample_site`` fixture uses,
and what a test with a server of its own (another configuration) starts beside it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mirror.testing import CobrowseServer
from mirror.testing.processes import ChildProcess

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@contextmanager
def site_for(server: CobrowseServer) -> Iterator[str]:
    """The sample sites of fixtures/, on their own origin, embedding ``server``'s script."""
    with ChildProcess(["site", str(FIXTURES), "--port", "0", "--server", server.url]) as site:
        yield site.url
