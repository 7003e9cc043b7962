"""``/ws/agent``: the agent's page. Joins by the nine digits, then receives frames and status."""

from __future__ import annotations

from aiohttp import web

from mirror.errors import SessionNotFound
from mirror.server.auth import COOKIE
from mirror.server.keys import AUTH, FRONT, METRICS
from mirror.server.origins import require_agent_origin
from mirror.server.responses import json_error
from mirror.server.socket import CLOSE_TIMEOUT_S, SocketPeer, first_message, receive_messages
from mirror.session.front import UNKNOWN
from mirror.session.messages import Join, agent_decoder
from mirror.wire import CLOSE_MALFORMED, CLOSE_UNKNOWN_SESSION

MAX_AGENT_MESSAGE = 64 * 1024
JOIN_TIMEOUT_S = 30


async def agent_socket(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    require_agent_origin(request)  # Another site's page would carry the agent's cookie.
    if not app[AUTH].valid_cookie(request.cookies.get(COOKIE)):
        # No socket opens without a key: refused before the upgrade.
        raise json_error(web.HTTPUnauthorized, "unauthorized", "sign in with an agent key first")
    # JPEG does not deflate: per-message compression would only cost CPU.
    ws = web.WebSocketResponse(
        max_msg_size=MAX_AGENT_MESSAGE, compress=False, heartbeat=30, timeout=CLOSE_TIMEOUT_S
    )
    await ws.prepare(request)
    peer = SocketPeer(ws)
    messages = receive_messages(ws, agent_decoder, app[METRICS])
    first = await first_message(messages, peer, Join, JOIN_TIMEOUT_S)
    if first is None:
        return ws
    try:
        link = await app[FRONT].agent_join(peer, first, request.remote or "unknown")
    except SessionNotFound:
        await peer.refuse(CLOSE_UNKNOWN_SESSION, "unknown_session", UNKNOWN)
        return ws
    try:
        async for message in messages:
            if isinstance(message, Join):
                await peer.refuse(CLOSE_MALFORMED, "malformed", "already joined")
            else:
                await link.send(message)
    finally:
        await link.left()
    return ws
