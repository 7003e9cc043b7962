"""The agent's sockets and sign-in take requests only from the server's own pages and the
configured agent origins: a page of a sibling site would carry the agent's cookie with it
(SameSite limits cookies by site, not by origin)."""

from __future__ import annotations

from collections.abc import Iterator

import aiohttp
import pytest
from multidict import CIMultiDict

from mirror.testing.processes import ChildProcess
from tests.aio import in_thread
from tests.wsclient import handshake_status, ws_url

# The server as the agents' browsers reach it, through a TLS proxy on 127.0.0.1 (the test's own
# client), and a sibling site under the same registrable domain.
HOST = "cobrowse.shop.test"
OWN = f"https://{HOST}"
SIBLING = "https://forum.shop.test"
DESK = "https://desk.callcentre.test"  # Listed in agent_origins.
CONFIG = f"""
[server]
agent_keys = ["k"]
trusted_proxies = ["127.0.0.1"]
agent_origins = ["{DESK}"]
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildProcess]:
    folder = tmp_path_factory.mktemp("origins")
    (folder / "c.toml").write_text(CONFIG)
    args = [
        "serve",
        "--port",
        "0",
        "--config",
        f"{folder}/c.toml",
        "--db",
        f"sqlite:///{folder}/h.db",
    ]
    with ChildProcess(args) as process:
        yield process


def through_proxy(origin: str | None, cookie: str | None = None) -> CIMultiDict[str]:
    headers = CIMultiDict({"Host": HOST, "X-Forwarded-Proto": "https"})
    if origin is not None:
        headers["Origin"] = origin
    if cookie is not None:
        headers["Cookie"] = cookie
    return headers


async def sign_in(
    http: aiohttp.ClientSession, url: str, origin: str | None
) -> tuple[int, dict[str, object], str | None]:
    """The status, body and cookie of a sign-in with the key from a page of ``origin``."""
    async with http.post(
        f"{url}/api/agent/sign-in", json={"key": "k"}, headers=through_proxy(origin)
    ) as response:
        cookie = response.headers.get("Set-Cookie")
        return response.status, await response.json(), cookie and cookie.split(";")[0]


async def upgrade_status(
    http: aiohttp.ClientSession, url: str, side: str, origin: str | None
) -> int:
    """101 if the socket opened for a signed-in agent's page of ``origin``, else the refusal's."""
    _, _, cookie = await sign_in(http, url, OWN)
    assert cookie
    return await handshake_status(http, ws_url(url, side), through_proxy(origin, cookie))


@in_thread
async def test_a_sibling_site_cannot_sign_the_agent_in(server: ChildProcess) -> None:
    async with aiohttp.ClientSession() as http:
        status, body, cookie = await sign_in(http, server.url, SIBLING)
        assert (status, body["error"], cookie) == (403, "forbidden_origin", None)
        for origin in (OWN, DESK, None):  # None: not a browser, so no ambient cookie.
            status, body, cookie = await sign_in(http, server.url, origin)
            assert status == 200 and cookie


@pytest.mark.parametrize("side", ["agent", "desk"])
@pytest.mark.parametrize(
    ("origin", "status"),
    [
        (SIBLING, 403),
        ("null", 403),  # An opaque origin: a sandboxed frame, a data: page.
        (f"http://{HOST}", 403),  # Plain HTTP is not the origin the proxy serves.
        (OWN, 101),
        (DESK, 101),
        (None, 101),
    ],
)
@in_thread
async def test_the_agents_sockets_open_only_for_the_servers_own_pages_and_agent_origins(
    server: ChildProcess, side: str, origin: str | None, status: int
) -> None:
    async with aiohttp.ClientSession() as http:
        assert await upgrade_status(http, server.url, side, origin) == status


@pytest.mark.parametrize("side", ["agent", "desk"])
@in_thread
async def test_the_refusal_comes_before_the_upgrade_as_json(
    server: ChildProcess, side: str
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            ws_url(server.url, side).replace("ws://", "http://"), headers=through_proxy(SIBLING)
        ) as r,
    ):
        assert r.status == 403 and (await r.json())["error"] == "forbidden_origin"
