"""Behind a trusted reverse proxy: the client's own address and scheme are read from the
forwarded headers (every line of them), and only from the proxies the configuration names."""

from __future__ import annotations

from collections.abc import Iterator

import aiohttp
import pytest
from multidict import CIMultiDict

from mirror.testing.processes import ChildProcess
from tests.aio import in_thread
from tests.wsclient import open_customer, receive_json, ws_url

Headers = CIMultiDict[str]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildProcess]:
    """A server behind a "proxy" on 127.0.0.1 (the test's own client), with an agent key."""
    folder = tmp_path_factory.mktemp("proxied")
    config = folder / "c.toml"
    config.write_text('[server]\ntrusted_proxies = ["127.0.0.1"]\nagent_keys = ["k"]\n')
    args = ["serve", "--port", "0", "--config", str(config), "--db", f"sqlite:///{folder}/h.db"]
    with ChildProcess(args) as process:
        yield process


async def sign_in(http: aiohttp.ClientSession, url: str, headers: Headers) -> str:
    """The Set-Cookie header of a sign-in with the key."""
    async with http.post(f"{url}/api/agent/sign-in", json={"key": "k"}, headers=headers) as r:
        assert r.status == 200
        return r.headers["Set-Cookie"]


async def join(
    http: aiohttp.ClientSession, url: str, access_id: str, headers: Headers
) -> dict[str, object]:
    agent = await http.ws_connect(ws_url(url, "agent"), headers=headers)
    await agent.send_json({"v": 1, "type": "join", "id": access_id})
    answer = await receive_json(agent)
    await agent.close()
    return answer


@in_thread
async def test_behind_the_proxy_each_agent_has_its_own_lockout_and_a_secure_cookie(
    server: ChildProcess,
) -> None:
    async with aiohttp.ClientSession() as http:
        cookie = await sign_in(http, server.url, CIMultiDict({"X-Forwarded-Proto": "https"}))
        assert "Secure" in cookie
        signed_in = CIMultiDict({"Cookie": cookie.split(";")[0]})
        _, info = await open_customer(http, server.url)
        first = CIMultiDict(signed_in, **{"X-Forwarded-For": "203.0.113.7"})
        for _ in range(5):
            await join(http, server.url, "000000000", first)
        # That agent is locked out, even with the right ID...
        assert (await join(http, server.url, info["id"], first))["type"] == "error"
        # ...while another agent behind the same proxy still joins.
        second = CIMultiDict(signed_in, **{"X-Forwarded-For": "203.0.113.8"})
        assert (await join(http, server.url, info["id"], second))["type"] == "status"


@in_thread
async def test_a_forwarded_scheme_line_of_the_clients_own_is_not_believed(
    server: ChildProcess,
) -> None:
    async with aiohttp.ClientSession() as http:
        # Over plain HTTP, the client's "https" line first, the proxy's own line last.
        forged = CIMultiDict([("X-Forwarded-Proto", "https"), ("X-Forwarded-Proto", "http")])
        assert "Secure" not in await sign_in(http, server.url, forged)


@in_thread
async def test_a_forwarded_address_line_of_the_clients_own_does_not_escape_the_lockout(
    server: ChildProcess,
) -> None:
    async with aiohttp.ClientSession() as http:
        cookie = (await sign_in(http, server.url, CIMultiDict())).split(";")[0]
        _, info = await open_customer(http, server.url)
        for attempt in range(5):  # A new forged address each time, the same real one.
            headers = CIMultiDict(
                [
                    ("Cookie", cookie),
                    ("X-Forwarded-For", f"198.51.100.{attempt}"),
                    ("X-Forwarded-For", "203.0.113.9"),  # The line the proxy appended.
                ]
            )
            await join(http, server.url, "000000000", headers)
        # The address the proxy wrote is locked out, whatever the client wrote before it.
        assert (await join(http, server.url, info["id"], headers))["type"] == "error"
