"""Which pages may act with the agent's cookie: the server's own and ``[server] agent_origins``."""

from __future__ import annotations

import pytest

from mirror.config import parse_config
from mirror.errors import ConfigError
from mirror.server.origins import agent_origin_allowed

OWN = "https://cobrowse.shop.example"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (OWN, True),
        ("HTTPS://Cobrowse.shop.example:443", True),
        ("https://desk.example", True),  # Listed (as "https://Desk.example/").
        ("https://forum.shop.example", False),  # A sibling: the same site, another origin.
        ("http://cobrowse.shop.example", False),  # Another scheme is another origin.
        ("https://cobrowse.shop.example:8443", False),
        ("null", False),  # Opaque: a sandboxed frame, a data: or file: page.
        ("", False),
        (None, True),  # No Origin: not a browser's page, so no ambient cookie either.
    ],
)
def test_only_the_servers_own_pages_and_agent_origins(origin: str | None, allowed: bool) -> None:
    assert agent_origin_allowed(["https://Desk.example/"], origin, OWN) is allowed


def test_agent_origins_are_read_and_checked_like_allowed_origins() -> None:
    config = parse_config('[server]\nagent_origins = ["https://desk.example"]\n')
    assert config.server.agent_origins == ["https://desk.example"]
    assert parse_config("").server.agent_origins == []
    with pytest.raises(ConfigError, match=r"c.toml: server.agent_origins: 'desk.example'"):
        parse_config('[server]\nagent_origins = ["desk.example"]\n', "c.toml")
