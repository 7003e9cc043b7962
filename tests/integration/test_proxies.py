"""Behind a trusted reverse proxy: the client's own address and scheme are read from the
forwarded headers, and only from the proxies the configuration names."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from mirror.config import parse_config, parse_networks
from mirror.errors import ConfigError
from mirror.server.proxies import client_address, forwarded_scheme
from mirror.testing.processes import ChildProcess
from tests.aio import in_thread
from tests.wsclient import open_customer, receive_json, ws_url

PROXIES = parse_networks(["10.0.0.0/8", "127.0.0.1"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
        ("127.0.0.1", "203.0.113.7, 10.1.2.3", "203.0.113.7"),  # Through two proxies of ours.
        ("127.0.0.1", "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # A forged hop stays on the left.
        ("127.0.0.1", "", "127.0.0.1"),
        ("198.51.100.1", "203.0.113.7", "198.51.100.1"),  # Not a proxy of ours: header ignored.
        ("127.0.0.1", "10.0.0.1", "10.0.0.1"),  # Nothing but proxies: the leftmost.
    ],
)
def test_the_client_is_the_nearest_untrusted_hop(peer: str, forwarded: str, client: str) -> None:
    assert client_address(peer, forwarded, PROXIES) == client


def test_the_scheme_comes_only_from_a_trusted_proxy() -> None:
    assert forwarded_scheme("127.0.0.1", "https", PROXIES) == "https"
    assert forwarded_scheme("127.0.0.1", "gopher", PROXIES) is None
    assert forwarded_scheme("198.51.100.1", "https", PROXIES) is None


def test_a_bad_proxy_entry_stops_start_up_naming_it() -> None:
    with pytest.raises(ConfigError, match="trusted_proxies.*'10.0.0.300'"):
        parse_config('[server]\ntrusted_proxies = ["10.0.0.300"]', "c.toml")


async def join(
    http: aiohttp.ClientSession, url: str, access_id: str, headers: dict[str, str]
) -> dict[str, object]:
    agent = await http.ws_connect(ws_url(url, "agent"), headers=headers)
    await agent.send_json({"v": 1, "type": "join", "id": access_id})
    answer = await receive_json(agent)
    await agent.close()
    return answer


@in_thread
async def test_behind_the_proxy_each_agent_has_its_own_lockout_and_a_secure_cookie(
    tmp_path: Path,
) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[server]\ntrusted_proxies = ["127.0.0.1"]\nagent_keys = ["k"]\n')
    args = ["serve", "--port", "0", "--config", str(config), "--db", f"sqlite:///{tmp_path}/h.db"]
    with ChildProcess(args) as server:
        async with aiohttp.ClientSession() as http:
            sign_in = f"{server.url}/api/agent/sign-in"
            headers = {"X-Forwarded-Proto": "https"}
            async with http.post(sign_in, json={"key": "k"}, headers=headers) as response:
                cookie = response.headers["Set-Cookie"]
            assert "Secure" in cookie
            signed_in = {"Cookie": cookie.split(";")[0]}
            _, info = await open_customer(http, server.url)
            first = {**signed_in, "X-Forwarded-For": "203.0.113.7"}
            for _ in range(5):
                await join(http, server.url, "000000000", first)
            # That agent is locked out, even with the right ID...
            assert (await join(http, server.url, info["id"], first))["type"] == "error"
            # ...while another agent behind the same proxy still joins.
            second = {**signed_in, "X-Forwarded-For": "203.0.113.8"}
            assert (await join(http, server.url, info["id"], second))["type"] == "status"
