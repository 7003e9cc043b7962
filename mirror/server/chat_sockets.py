"""``/ws/chat`` (the customer's chat panel) and ``/ws/desk`` (the agents' chat desk): decode
messages and hand them to the chat hub."""

from __future__ import annotations

from aiohttp import web

from mirror.chat.front import chat_refusal
from mirror.chat.messages import ChatHello, DeskHello, customer_chat_decoder, desk_decoder
from mirror.config import normalise_origin
from mirror.errors import ChatError
from mirror.server.auth import COOKIE
from mirror.server.keys import AUTH, CHAT_FRONT, METRICS, SETTINGS
from mirror.server.origins import origin_allowed, require_agent_origin
from mirror.server.responses import json_error
from mirror.server.socket import CLOSE_TIMEOUT_S, SocketPeer, first_message, receive_messages
from mirror.wire import CLOSE_FORBIDDEN, CLOSE_MALFORMED

# A chat message is at most 2000 characters (mirror.chat.state.MAX_TEXT), 8 kB as escaped JSON; a
# larger frame is refused before it is read.
MAX_CHAT_MESSAGE = 16 * 1024
HELLO_TIMEOUT_S = 10


async def chat_socket(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    ws = web.WebSocketResponse(max_msg_size=MAX_CHAT_MESSAGE, heartbeat=30, timeout=CLOSE_TIMEOUT_S)
    await ws.prepare(request)
    peer = SocketPeer(ws)
    origin = request.headers.get("Origin")
    if not origin_allowed(app[SETTINGS].config.server.allowed_origins, origin):
        app[METRICS].socket_errors.labels("forbidden_origin").inc()
        await peer.refuse(CLOSE_FORBIDDEN, "forbidden_origin", "this site may not start chats")
        return ws
    messages = receive_messages(ws, customer_chat_decoder, app[METRICS])
    first = await first_message(messages, peer, ChatHello, HELLO_TIMEOUT_S)
    if first is None:
        return ws
    try:
        # The client as the join guard sees it: behind trusted proxies, their X-Forwarded-For.
        link = await app[CHAT_FRONT].customer_hello(
            peer, first, normalise_origin(origin) if origin else None, request.remote
        )
    except ChatError as exc:  # An unknown chat to resume, or busy (at capacity, or past limits).
        await peer.refuse(*chat_refusal(exc))
        return ws
    try:
        async for message in messages:
            if isinstance(message, ChatHello):
                await peer.refuse(CLOSE_MALFORMED, "malformed", "chat_hello was already received")
            else:
                await link.send(message)
    finally:
        await link.left()
    return ws


async def desk_socket(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    require_agent_origin(request)  # Another site's page would carry the agent's cookie.
    if not app[AUTH].valid_cookie(request.cookies.get(COOKIE)):
        raise json_error(web.HTTPUnauthorized, "unauthorized", "sign in with an agent key first")
    ws = web.WebSocketResponse(max_msg_size=MAX_CHAT_MESSAGE, heartbeat=30, timeout=CLOSE_TIMEOUT_S)
    await ws.prepare(request)
    peer = SocketPeer(ws)
    messages = receive_messages(ws, desk_decoder, app[METRICS])
    first = await first_message(messages, peer, DeskHello, HELLO_TIMEOUT_S)
    if first is None:
        return ws
    link = await app[CHAT_FRONT].desk_hello(peer, first)
    try:
        async for message in messages:
            if isinstance(message, DeskHello):
                await peer.refuse(CLOSE_MALFORMED, "malformed", "desk_hello was already received")
            else:
                await link.send(message)
    finally:
        await link.left()
    return ws
