"""Which client and scheme a request from a trusted reverse proxy stands for: read from every line
of ``X-Forwarded-For`` and ``X-Forwarded-Proto``, the client's own lines never trusted."""

from __future__ import annotations

import pytest

from mirror.config import parse_config, parse_networks
from mirror.errors import ConfigError
from mirror.server.proxies import client_address, forwarded_scheme

PROXIES = parse_networks(["10.0.0.0/8", "127.0.0.1"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("127.0.0.1", ["203.0.113.7"], "203.0.113.7"),
        ("127.0.0.1", ["203.0.113.7, 10.1.2.3"], "203.0.113.7"),  # Through two proxies of ours.
        ("127.0.0.1", ["6.6.6.6, 203.0.113.7"], "203.0.113.7"),  # A forged hop stays on the left.
        ("127.0.0.1", [], "127.0.0.1"),
        ("198.51.100.1", ["203.0.113.7"], "198.51.100.1"),  # Not a proxy of ours: header ignored.
        ("127.0.0.1", ["10.0.0.1"], "10.0.0.1"),  # Nothing but proxies: the leftmost.
        # The client's own header line first, the line our proxy appended last (HAProxy).
        ("127.0.0.1", ["6.6.6.6", "203.0.113.7"], "203.0.113.7"),
        ("127.0.0.1", ["6.6.6.6, 7.7.7.7", "203.0.113.7, 10.1.2.3"], "203.0.113.7"),
        ("127.0.0.1", ["", "203.0.113.7"], "203.0.113.7"),
    ],
)
def test_the_client_is_the_nearest_untrusted_hop_over_every_line(
    peer: str, forwarded: list[str], client: str
) -> None:
    assert client_address(peer, forwarded, PROXIES) == client


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "proto", "scheme"),
    [
        ("127.0.0.1", ["203.0.113.7"], ["https"], "https"),
        ("127.0.0.1", ["203.0.113.7"], ["HTTPS"], "https"),
        ("127.0.0.1", ["203.0.113.7"], ["gopher"], None),
        ("127.0.0.1", ["203.0.113.7"], [], None),
        ("198.51.100.1", ["203.0.113.7"], ["https"], None),  # Not a proxy of ours.
        # Plain HTTP, a forged "https" line first and our proxy's own line last.
        ("127.0.0.1", ["203.0.113.7"], ["https", "http"], "http"),
        ("127.0.0.1", [], ["https", "http"], "http"),
        # Two proxies of ours, each appending to both headers: the outer one saw the client.
        ("127.0.0.1", ["203.0.113.7, 10.1.2.3"], ["https, http"], "https"),
        ("127.0.0.1", ["6.6.6.6", "203.0.113.7", "10.1.2.3"], ["http", "https", "http"], "https"),
        # The outer proxy set the header, the inner one passed it on.
        ("127.0.0.1", ["203.0.113.7, 10.1.2.3"], ["https"], "https"),
    ],
)
def test_the_scheme_is_the_one_written_beside_the_client(
    peer: str, forwarded_for: list[str], proto: list[str], scheme: str | None
) -> None:
    assert forwarded_scheme(peer, forwarded_for, proto, PROXIES) == scheme


def test_a_bad_proxy_entry_stops_start_up_naming_it() -> None:
    with pytest.raises(ConfigError, match="trusted_proxies.*'10.0.0.300'"):
        parse_config('[server]\ntrusted_proxies = ["10.0.0.300"]', "c.toml")
