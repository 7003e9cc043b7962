"""The one-server benchmark measures its scale steps past what the machine carries: its server
must take every step's sessions, whatever capacity the machine's cores would give it."""

from __future__ import annotations

from bench.__main__ import parse
from bench.options import FULL_SESSIONS
from bench.servers import server_config
from mirror.config import parse_config


def test_the_server_takes_every_session_of_the_largest_step() -> None:
    config = parse_config(server_config(20001, "/shop/checkout.html"))
    assert config.cluster.capacity() >= max(FULL_SESSIONS)
    assert config.cluster.capacity() >= max(parse(["--sessions", "1,200"]).sessions)
    assert config.server.allowed_origins[0] == "http://127.0.0.1:20001"
