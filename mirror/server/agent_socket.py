"""``/ws/agent``: the agent's page. Joins by the nine digits, then receives frames and status."""

from __future__ import annotations

from aiohttp import web

from mirror.errors import SessionNotFound
from mirror.server.auth import COOKIE
from mirror.server.keys import AUTH, FRONT, JOIN_GUARD, JOIN_TOKENS, METRICS
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
    # A join token (POST /api/joins) is the key of a view embedded where the cookie is not sent.
    token_join = await _token_join(request)
    if token_join is None and not app[AUTH].valid_cookie(request.cookies.get(COOKIE)):
        # No socket opens without a key: refused before the upgrade.
        raise json_error(web.HTTPUnauthorized, "unauthorized", "sign in with an agent key first")
    # JPEG does not deflate: per-message compression would only cost CPU.
    ws = web.WebSocketResponse(
        max_msg_size=MAX_AGENT_MESSAGE, compress=False, heartbeat=30, timeout=CLOSE_TIMEOUT_S
    )
    await ws.prepare(request)
    peer = SocketPeer(ws)
    messages = receive_messages(ws, agent_decoder, app[METRICS])
    first = token_join or await first_message(messages, peer, Join, JOIN_TIMEOUT_S)
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


async def _token_join(request: web.Request) -> Join | None:
    """The join ``?join_token=`` stands for (redeemed now: it works once), or None without one.
    A token that is unknown, used or expired is refused before the upgrade, counted in the join
    guard like a wrong ID."""
    token = request.query.get("join_token")
    if token is None:
        return None
    client = request.remote or "unknown"
    guard = request.app[JOIN_GUARD]
    redeemed = (
        await request.app[JOIN_TOKENS].redeem(token[:64]) if await guard.allowed(client) else None
    )
    if redeemed is None:
        await guard.failed(client)
        raise json_error(
            web.HTTPUnauthorized, "invalid_token", "the join token is unknown, used or expired"
        )
    interaction = request.query.get("interaction") or None
    return Join(id=redeemed, interaction=interaction[:200] if interaction else None)
