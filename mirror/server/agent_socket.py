"""``/ws/agent``: the agent's page. Joins by the nine digits, then receives frames and status."""

from __future__ import annotations

from aiohttp import web

from mirror.errors import SessionNotFound
from mirror.server.auth import COOKIE
from mirror.server.keys import AUTH, HUB, JOIN_GUARD, METRICS
from mirror.server.origins import require_agent_origin
from mirror.server.responses import json_error
from mirror.server.socket import CLOSE_TIMEOUT_S, SocketPeer, first_message, receive_messages
from mirror.session.messages import Exit, Join, agent_decoder
from mirror.session.state import EndReason
from mirror.wire import CLOSE_MALFORMED, CLOSE_UNKNOWN_SESSION

MAX_AGENT_MESSAGE = 64 * 1024
JOIN_TIMEOUT_S = 30
UNKNOWN = "No live co-browse session has that ID. Check the nine digits with the customer."


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
    hub, guard, client = app[HUB], app[JOIN_GUARD], request.remote or "unknown"
    try:
        if not guard.allowed(client):  # Locked out: the same answer as an unknown ID.
            raise SessionNotFound("locked out")
        if first.rejoin:
            live = await hub.agent_rejoin(peer, first.id, first.rejoin)
        else:
            live = await hub.agent_join(peer, first.id, first.interaction)
    except SessionNotFound:
        guard.failed(client)
        await peer.refuse(CLOSE_UNKNOWN_SESSION, "unknown_session", UNKNOWN)
        return ws
    try:
        async for message in messages:
            if isinstance(message, Exit):
                await hub.end(live, EndReason.AGENT_EXIT)
            elif not isinstance(message, Join):
                await hub.agent_input(live, message)
            else:
                await peer.refuse(CLOSE_MALFORMED, "malformed", "already joined")
    finally:
        await hub.agent_left(live, peer)
    return ws
