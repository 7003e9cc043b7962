"""``/ws/customer``: the customer's page. Decodes messages and hands them to the hub."""

from __future__ import annotations

from aiohttp import web

from mirror.config import normalise_origin
from mirror.errors import ChatError, SessionError
from mirror.server.keys import CHAT_FRONT, FRONT, METRICS, SETTINGS
from mirror.server.origins import origin_allowed
from mirror.server.socket import CLOSE_TIMEOUT_S, SocketPeer, first_message, receive_messages
from mirror.session.budget import MAX_BATCH_BYTES
from mirror.session.front import refusal
from mirror.session.messages import Hello, customer_decoder
from mirror.wire import CLOSE_FORBIDDEN, CLOSE_MALFORMED

# A full snapshot of a large page is a few MB of JSON; more than this is refused.
MAX_CUSTOMER_MESSAGE = MAX_BATCH_BYTES
HELLO_TIMEOUT_S = 10


async def customer_socket(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    ws = web.WebSocketResponse(
        max_msg_size=MAX_CUSTOMER_MESSAGE, heartbeat=30, timeout=CLOSE_TIMEOUT_S
    )
    await ws.prepare(request)
    peer = SocketPeer(ws)
    origin = request.headers.get("Origin")
    if not origin_allowed(app[SETTINGS].config.server.allowed_origins, origin):
        app[METRICS].socket_errors.labels("forbidden_origin").inc()
        await peer.refuse(
            CLOSE_FORBIDDEN, "forbidden_origin", "this site may not start co-browse sessions"
        )
        return ws
    messages = receive_messages(ws, customer_decoder, app[METRICS])
    first = await first_message(messages, peer, Hello, HELLO_TIMEOUT_S)
    if first is None:
        return ws
    try:
        interaction = await _chat_tie(app, first)
        # The client as the join guard sees it: behind trusted proxies, their X-Forwarded-For.
        link = await app[FRONT].customer_hello(
            peer, first, normalise_origin(origin) if origin else None, interaction, request.remote
        )
    except (SessionError, ChatError) as exc:
        await peer.refuse(*refusal(exc))
        return ws
    try:
        async for message in messages:
            if isinstance(message, Hello):
                await peer.refuse(CLOSE_MALFORMED, "malformed", "hello was already received")
            else:
                await link.send(message)
    finally:
        await link.left()
    return ws


async def _chat_tie(app: web.Application, hello: Hello) -> str | None:
    """A new session started from the customer's chat is tied to it: the chat's interaction ID.
    Raises ChatNotFound unless this page owns that live chat."""
    if hello.chat is None or (hello.resume_id and hello.resume_token):
        return None
    return await app[CHAT_FRONT].tie(hello.chat.id, hello.chat.token)
