"""One-time join tokens: a desktop with an agent key asks POST /api/joins for a session, and the
agent's view joins with the token instead of the nine digits and without the agent's cookie; a
token works once, only for its session, and a wrong name or token counts as a wrong ID."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from mirror.cluster.jointokens import SharedJoinTokens
from mirror.config import Config, ServerConfig
from mirror.server.app import build_app
from mirror.server.auth import COOKIE, AgentAuth
from mirror.server.keys import Settings
from mirror.session.jointokens import Grant, LocalJoinTokens
from tests.aio import in_thread
from tests.services import redis_server
from tests.wsclient import (
    closed_with,
    handshake_status,
    open_customer,
    receive_json,
    receive_status,
    ws_url,
)

KEY = "agent-key-joins-5d1"
BEARER = {"Authorization": f"Bearer {KEY}"}


async def refusal(http: aiohttp.ClientSession, url: str, **options: Any) -> tuple[str, int | None]:
    """The error a socket opened at ``url`` is told, and the code it is then closed with."""
    ws = await http.ws_connect(url, **options)
    error = (await receive_json(ws))["error"]
    return error, (await closed_with(ws))[0]


async def ask(
    http: aiohttp.ClientSession, url: str, body: Any, headers: dict[str, str] | None = BEARER
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{url}/api/joins", json=body, headers=headers) as response:
        return response.status, await response.json()


@in_thread
async def test_a_desktop_joins_its_agent_with_a_token_once(tmp_path: Path) -> None:
    config = Config(server=ServerConfig(agent_keys=[KEY]))
    app = build_app(Settings(config=config, db=f"sqlite:///{tmp_path / 'h.db'}"))
    async with TestServer(app) as server, aiohttp.ClientSession() as http:
        url = str(server.make_url("")).rstrip("/")
        customer, info = await open_customer(http, url)
        assert (await ask(http, url, {"session_id": info["id"]}, headers=None))[0] == 401
        spaced = f"{info['id'][:3]} {info['id'][3:6]} {info['id'][6:]}"  # As read out.
        status, answer = await ask(http, url, {"session_id": spaced})
        assert status == 200 and answer["expires_in"] == 60, answer
        agent_url = ws_url(url, "agent")
        assert await handshake_status(http, agent_url) == 401  # No cookie, no token.
        agent = await http.ws_connect(f"{agent_url}?join_token={answer['token']}")
        assert (await receive_status(customer, "active"))["state"] == "active"
        assert (await receive_json(agent))["state"] == "active"
        reused = f"{agent_url}?join_token={answer['token']}"
        assert await refusal(http, reused) == ("invalid_token", 4403)  # Once only.
        await agent.close()
        await customer.close()


@in_thread
async def test_names_that_are_not_live_or_not_well_formed_are_refused(tmp_path: Path) -> None:
    config = Config(server=ServerConfig(agent_keys=[KEY]))
    app = build_app(Settings(config=config, db=f"sqlite:///{tmp_path / 'h.db'}"))
    async with TestServer(app) as server, aiohttp.ClientSession() as http:
        url = str(server.make_url("")).rstrip("/")
        assert (await ask(http, url, {"session_id": "123456789"}))[1]["error"] == "unknown_session"
        chat = "0b0c5f4e-3a59-4a43-9e1a-3f6c0e6d2b11"
        assert (await ask(http, url, {"chat": chat}))[0] == 404
        assert (await ask(http, url, {"interaction_id": "call-7"}))[0] == 404
        for bad in (
            {},
            {"session_id": "12345"},
            {"chat": "x"},
            [1],
            {"session_id": 1},
            {"session_id": "123456789", "chat": chat},
        ):
            status, answer = await ask(http, url, bad)
            assert status == 400 and answer["error"] == "bad_request", (bad, answer)
        forged = f"{ws_url(url, 'agent')}?join_token=forged"
        assert await refusal(http, forged) == ("invalid_token", 4403)


@in_thread
async def test_a_view_joined_by_token_comes_back_with_its_rejoin_and_no_cookie(
    tmp_path: Path,
) -> None:
    config = Config(server=ServerConfig(agent_keys=[KEY]))
    app = build_app(Settings(config=config, db=f"sqlite:///{tmp_path / 'h.db'}"))
    async with TestServer(app) as server, aiohttp.ClientSession() as http:
        url = str(server.make_url("")).rstrip("/")
        customer, info = await open_customer(http, url)
        token = (await ask(http, url, {"session_id": info["id"]}))[1]["token"]
        agent = await http.ws_connect(f"{ws_url(url, 'agent')}?join_token={token}")
        joined = await receive_json(agent)
        while joined["type"] != "joined":
            joined = await receive_json(agent)
        assert joined["id"] == info["id"]  # The digits it never typed, to come back with.
        await agent.close()  # The network blinks.

        def offer(rejoin: str) -> list[str]:
            return ["cobrowse.v1", f"cobrowse.rejoin.{info['id']}.{rejoin}"]

        wrong = await refusal(http, ws_url(url, "agent"), protocols=offer("not-the-token"))
        assert wrong == ("unknown_session", 4404)
        back = await http.ws_connect(ws_url(url, "agent"), protocols=offer(joined["token"]))
        assert back.protocol == "cobrowse.v1"
        assert (await receive_status(back, "active"))["state"] == "active"
        await back.close()
        await customer.close()


@pytest.mark.parametrize("elapsed", [59.0, 61.0])
@in_thread
async def test_a_token_expires_after_a_minute(elapsed: float) -> None:
    now = [0.0]
    tokens = LocalJoinTokens(clock=lambda: now[0])
    token = await tokens.issue(Grant("123456789"))
    now[0] = elapsed
    assert (await tokens.redeem(token)) == (Grant("123456789") if elapsed < 60 else None)
    assert await tokens.redeem(token) is None


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as server:
        yield server.url


@in_thread
async def test_a_clusters_token_is_issued_on_one_node_and_redeemed_once_on_any(
    redis_url: str,
) -> None:
    clients = [Redis.from_url(redis_url) for _ in range(2)]
    try:
        issuer, redeemer = (SharedJoinTokens(client) for client in clients)
        token = await issuer.issue(Grant("987654321"))
        stored = await clients[0].keys("cb:jointoken:*")
        assert stored and token.encode() not in b"".join(stored)  # Kept by its digest only.
        assert 0 < await clients[0].ttl(stored[0]) <= 60
        redeemed = await asyncio.gather(redeemer.redeem(token), issuer.redeem(token))
        assert sorted(redeemed, key=str) == [Grant("987654321"), None]  # Once, whoever asks first.
    finally:
        for client in clients:
            await client.aclose()


async def next_of(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    """Skip frames and other messages until one of type ``kind``."""
    while True:
        message = await ws.receive(timeout=10)
        if message.type is aiohttp.WSMsgType.TEXT and json.loads(message.data)["type"] == kind:
            return dict(json.loads(message.data))


@in_thread
async def test_an_invitation_lets_a_signed_in_colleague_watch_once(tmp_path: Path) -> None:
    """The agent invites a colleague over its socket; the invitation opens a watcher's view
    (view only) for a signed-in agent, once; without the agent cookie it opens nothing."""
    config = Config(server=ServerConfig(agent_keys=[KEY]))
    app = build_app(Settings(config=config, db=f"sqlite:///{tmp_path / 'h.db'}"))
    signed_in = {"Cookie": f"{COOKIE}={AgentAuth((KEY,)).cookie_for(KEY)}"}
    async with TestServer(app) as server, aiohttp.ClientSession() as http:
        url = str(server.make_url("")).rstrip("/")
        customer, info = await open_customer(http, url)
        token = (await ask(http, url, {"session_id": info["id"]}))[1]["token"]
        agent = await http.ws_connect(f"{ws_url(url, 'agent')}?join_token={token}")
        invitations = []
        for name in ("Dana", "Lee"):
            await agent.send_json({"v": 1, "type": "invite", "name": name})
            invitations.append((await next_of(agent, "invited"))["token"])
        anonymous = f"{ws_url(url, 'agent')}?join_token={invitations[0]}"
        assert await refusal(http, anonymous) == ("invalid_token", 4403)
        invited = f"{ws_url(url, 'agent')}?join_token={invitations[1]}"
        watcher = await http.ws_connect(invited, headers=signed_in)
        joined = await next_of(watcher, "joined")
        assert joined["role"] == "watcher" and joined["id"] == info["id"]
        assert (await next_of(customer, "company"))["watchers"] == ["Lee"]
        assert await refusal(http, invited, headers=signed_in) == ("invalid_token", 4403)
        await watcher.send_json({"v": 1, "type": "click", "x": 5, "y": 5, "button": 0, "count": 1})
        assert (await next_of(watcher, "refused"))["reason"] == "view_only"
        for ws in (watcher, agent, customer):
            await ws.close()
