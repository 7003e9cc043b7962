"""The chat sockets on a real server: bad input gets a clear error and loses nothing, a desk can
only speak in chats it accepted, and ending the chat's interaction through the API ends it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from mirror.chat.state import MAX_TEXT
from mirror.testing import CobrowseServer
from tests.aio import in_thread
from tests.wsclient import VIEWPORT, closed_with, receive_json, ws_url

Socket = aiohttp.ClientWebSocketResponse


@asynccontextmanager
async def chat_client(
    server: CobrowseServer,
) -> AsyncIterator[tuple[aiohttp.ClientSession, Socket, dict[str, Any]]]:
    """A customer's chat socket that has started a chat (and said one line)."""
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(ws_url(server.url, "chat"), origin="http://shop.test")
        await ws.send_json({"v": 1, "type": "chat_hello", "label": "Checkout"})
        info = await receive_json(ws)
        assert info["type"] == "chat" and info["chat"]["state"] == "waiting"
        yield http, ws, info


async def receive_type(ws: Socket, kind: str) -> dict[str, Any]:
    while True:
        message = await receive_json(ws)
        if message["type"] == kind:
            return message


async def open_desk(http: aiohttp.ClientSession, server: CobrowseServer) -> Socket:
    desk = await http.ws_connect(ws_url(server.url, "desk"))
    await desk.send_json({"v": 1, "type": "desk_hello"})
    assert (await receive_json(desk))["type"] == "desk"
    return desk


@in_thread
async def test_a_message_too_long_is_refused_and_the_chat_goes_on(
    cobrowse_server: CobrowseServer,
) -> None:
    async with chat_client(cobrowse_server) as (_, ws, _info):
        await ws.send_json({"v": 1, "type": "say", "text": "x" * (MAX_TEXT + 1)})
        error = await receive_json(ws)
        assert error["type"] == "error" and error["error"] == "too_long"
        assert str(MAX_TEXT) in error["detail"]
        await ws.send_json({"v": 1, "type": "say", "text": "   "})
        assert (await receive_json(ws))["error"] == "empty"
        await ws.send_json({"v": 1, "type": "say", "text": "still here"})
        line = await receive_type(ws, "line")
        assert line["line"]["text"] == "still here" and line["line"]["sender"] == "customer"


@in_thread
async def test_oversize_and_malformed_chat_messages_close_only_that_socket(
    cobrowse_server: CobrowseServer,
) -> None:
    async with chat_client(cobrowse_server) as (http, ws, _info):
        await ws.send_str('{"v": 1, "type": "say", "text": "' + "y" * 40_000 + '"}')
        assert (await closed_with(ws))[0] == 1009  # RFC 6455: message too big
        async with chat_client(cobrowse_server) as (_, other, _):
            await other.send_str("{not json")
            code, reason = await closed_with(other)
            assert code == 4400 and "malformed" in reason
        resumed = await http.ws_connect(ws_url(cobrowse_server.url, "chat"))
        await resumed.send_json(
            {
                "v": 1,
                "type": "chat_hello",
                "resume_id": _info["chat"]["id"],
                "resume_token": _info["token"],
            }
        )
        assert (await receive_json(resumed))["type"] == "chat"  # The chat itself survived.
        await resumed.close()


@in_thread
async def test_unknown_chats_are_refused(cobrowse_server: CobrowseServer) -> None:
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(ws_url(cobrowse_server.url, "chat"))
        await ws.send_json(
            {"v": 1, "type": "chat_hello", "resume_id": "nope", "resume_token": "nope"}
        )
        error = await receive_json(ws)
        assert error == {
            "v": 1,
            "type": "error",
            "error": "unknown_chat",
            "detail": error["detail"],
        }
        assert (await closed_with(ws))[0] == 4404
        # Co-browse tied to a chat the page does not own is refused the same way.
        customer = await http.ws_connect(ws_url(cobrowse_server.url, "customer"))
        await customer.send_json(
            {"v": 1, "type": "hello", "viewport": VIEWPORT, "chat": {"id": "x", "token": "y"}}
        )
        assert (await receive_json(customer))["error"] == "unknown_chat"
        assert (await closed_with(customer))[0] == 4404


@in_thread
async def test_a_desk_speaks_only_in_chats_it_accepted_and_one_agent_takes_a_chat(
    cobrowse_server: CobrowseServer,
) -> None:
    async with chat_client(cobrowse_server) as (http, _ws, info):
        chat_id = info["chat"]["id"]
        first, second = (
            await open_desk(http, cobrowse_server),
            await open_desk(http, cobrowse_server),
        )
        await second.send_json({"v": 1, "type": "say", "chat": chat_id, "text": "hi"})
        assert (await receive_type(second, "error"))["error"] == "unknown_chat"
        await first.send_json({"v": 1, "type": "accept", "chat": chat_id})
        update = await receive_type(first, "chat_update")
        assert update["chat"]["state"] == "active"
        await second.send_json({"v": 1, "type": "accept", "chat": chat_id})
        assert (await receive_type(second, "error"))["error"] == "taken"
        await second.send_json({"v": 1, "type": "end_chat", "chat": chat_id})
        assert (await receive_type(second, "error"))["error"] == "unknown_chat"


@in_thread
async def test_ending_the_chats_interaction_through_the_api_ends_the_chat(
    cobrowse_server: CobrowseServer,
) -> None:
    async with chat_client(cobrowse_server) as (http, ws, info):
        chat_id = info["chat"]["id"]
        customer = await http.ws_connect(ws_url(cobrowse_server.url, "customer"))
        await customer.send_json(
            {
                "v": 1,
                "type": "hello",
                "viewport": VIEWPORT,
                "chat": {"id": chat_id, "token": info["token"]},
            }
        )
        session = await receive_json(customer)
        async with http.post(f"{cobrowse_server.url}/api/interactions/{chat_id}/end") as response:
            body = await response.json()
        assert body == {"interaction_id": chat_id, "ended": [session["uuid"]], "chat_ended": True}
        assert (await receive_type(ws, "chat_update"))["chat"]["state"] == "ended"
        assert (await closed_with(ws))[0] == 4000
        async with http.get(f"{cobrowse_server.url}/api/chats/{chat_id}") as response:
            chat = await response.json()
        assert chat["end_reason"] == "interaction_ended" and chat["sessions"] == [session["uuid"]]
        async with http.get(
            f"{cobrowse_server.url}/api/chats/{'0' * 8}-0000-4000-8000-{'0' * 12}"
        ) as response:
            assert response.status == 404 and (await response.json())["error"] == "unknown_chat"


@in_thread
async def test_a_reloaded_desk_gets_its_chats_back_with_its_token(
    cobrowse_server: CobrowseServer,
) -> None:
    async with chat_client(cobrowse_server) as (http, ws, info):
        chat_id = info["chat"]["id"]
        desk = await http.ws_connect(ws_url(cobrowse_server.url, "desk"))
        await desk.send_json({"v": 1, "type": "desk_hello"})
        token = (await receive_json(desk))["token"]
        await desk.send_json({"v": 1, "type": "accept", "chat": chat_id})
        await receive_type(desk, "chat_update")
        await desk.close()
        await ws.send_json({"v": 1, "type": "say", "text": "while the agent reloads"})

        back = await http.ws_connect(ws_url(cobrowse_server.url, "desk"))
        await back.send_json({"v": 1, "type": "desk_hello", "resume": token})
        assert (await receive_json(back))["token"] == token
        update = await receive_type(back, "chat_update")
        assert update["chat"]["id"] == chat_id and update["chat"]["state"] == "active"
        assert update["chat"]["lines"][-1]["text"] == "while the agent reloads"
        # A made-up token gets a desk of its own, with no chats.
        stranger = await http.ws_connect(ws_url(cobrowse_server.url, "desk"))
        await stranger.send_json({"v": 1, "type": "desk_hello", "resume": "made-up"})
        assert (await receive_json(stranger))["token"] != "made-up"
