"""The server on a real socket: HTTP API, embed script, and bad input on the WebSockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

from mirror.testing import CobrowseServer
from tests.aio import in_thread
from tests.wsclient import closed_with, open_customer, receive_json, ws_url


@asynccontextmanager
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@in_thread
async def test_a_customer_hello_creates_an_idle_session_in_history(
    cobrowse_server: CobrowseServer,
) -> None:
    async with client() as http:
        ws, info = await open_customer(http, cobrowse_server.url)
        assert info["type"] == "session" and info["state"] == "idle" and len(info["id"]) == 9
        async with http.get(f"{cobrowse_server.url}/api/sessions?state=idle") as response:
            records = await response.json()
        assert any(r["uuid"] == info["uuid"] for r in records)
        record = records[0]
        assert set(record) == {
            "uuid",
            "state",
            "created_at",
            "started_at",
            "ended_at",
            "end_reason",
            "interaction_id",
        }
        await ws.send_json({"v": 1, "type": "exit"})
        assert (await receive_json(ws))["state"] == "ended"
        async with http.get(f"{cobrowse_server.url}/api/sessions/{info['uuid']}") as response:
            ended = await response.json()
        assert ended["state"] == "ended" and ended["end_reason"] == "customer_exit"
        assert info["id"] not in str(ended)


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/api/sessions/00000000-0000-4000-8000-000000000000", 404, "unknown_session"),
        ("/api/sessions/../../etc/passwd", 404, None),
        ("/api/sessions?state=paused", 400, "bad_state"),
        ("/no/such/page", 404, None),
        ("/static/..%2Fconfig.py", 404, None),
    ],
)
@in_thread
async def test_http_errors_are_json_without_a_trace(
    cobrowse_server: CobrowseServer,
    path: str,
    status: int,
    error: str | None,
) -> None:
    async with client() as http:
        async with http.get(cobrowse_server.url + path) as response:
            assert response.status == status
            assert response.content_type == "application/json"
            body = await response.json()
        assert set(body) == {"error", "detail"}
        assert error is None or body["error"] == error
        assert "Traceback" not in str(body)


@in_thread
async def test_the_embed_script_is_served_cross_origin(cobrowse_server: CobrowseServer) -> None:
    async with (
        client() as http,
        http.get(cobrowse_server.script_url, headers={"Origin": "http://shop.test"}) as r,
    ):
        assert r.status == 200 and r.content_type == "text/javascript"
        assert r.headers["Access-Control-Allow-Origin"] == "*"  # No allowed_origins: development.
        assert len(await r.read()) > 1000


@in_thread
async def test_health_and_metrics(cobrowse_server: CobrowseServer) -> None:
    async with client() as http:
        async with http.get(f"{cobrowse_server.url}/healthz") as r:
            assert (await r.json())["status"] == "ok"
        async with http.get(f"{cobrowse_server.url}/metrics") as r:
            assert "cobrowse_sessions_created_total" in await r.text()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("not json at all", 4400),
        ('{"v": 1, "type": "events", "events": "nope"}', 4400),
        ('{"v": 1, "type": "hello", "viewport": {"width": 1, "height": 1}}', 4400),
        (b"\x00binary", 4400),
    ],
)
@in_thread
async def test_a_bad_customer_message_closes_that_socket_only(
    cobrowse_server: CobrowseServer, payload: str | bytes, code: int
) -> None:
    async with client() as http:
        bad, bad_info = await open_customer(http, cobrowse_server.url)
        good, good_info = await open_customer(http, cobrowse_server.url)
        await (bad.send_bytes(payload) if isinstance(payload, bytes) else bad.send_str(payload))
        error = await receive_json(bad)
        assert error["type"] == "error" and error["detail"]
        assert (await closed_with(bad))[0] == code
        # The other session is untouched: it still ends normally when its customer exits.
        await good.send_json({"v": 1, "type": "exit"})
        assert (await receive_json(good))["state"] == "ended"


@in_thread
async def test_an_oversize_agent_message_closes_with_a_code(
    cobrowse_server: CobrowseServer,
) -> None:
    async with client() as http:
        ws = await http.ws_connect(ws_url(cobrowse_server.url, "agent"))
        await ws.send_str('{"v":1,"type":"join","id":"' + "1" * 200_000 + '"}')
        code, _ = await closed_with(ws)
        assert code == 1009


@in_thread
async def test_joining_an_unknown_id_gets_an_error_and_a_close(
    cobrowse_server: CobrowseServer,
) -> None:
    async with client() as http:
        ws = await http.ws_connect(ws_url(cobrowse_server.url, "agent"))
        await ws.send_json({"v": 1, "type": "join", "id": "999999999"})
        error = await receive_json(ws)
        assert error == {
            "type": "error",
            "error": "unknown_session",
            "detail": error["detail"],
            "v": 1,
        }
        assert (await closed_with(ws))[0] == 4404


@in_thread
async def test_the_customer_must_say_hello_first(cobrowse_server: CobrowseServer) -> None:
    async with client() as http:
        ws = await http.ws_connect(ws_url(cobrowse_server.url, "customer"))
        await ws.send_json({"v": 1, "type": "exit"})
        assert (await closed_with(ws))[0] == 4400


@in_thread
async def test_an_unknown_kind_of_message_is_refused_and_the_socket_goes_on(
    cobrowse_server: CobrowseServer,
) -> None:
    async with client() as http:
        ws, _ = await open_customer(http, cobrowse_server.url)
        await ws.send_str('{"v": 2, "type": "teleport", "to": "mars"}')
        assert await receive_json(ws) == {
            "type": "refused",
            "v": 1,
            "seq": None,
            "reason": "unknown_kind",
        }
        await ws.send_json({"v": 1, "type": "exit"})
        assert (await receive_json(ws))["state"] == "ended"
