"""``/ws/agent``: the agent's view. Joins by the nine digits, a join token or a rejoin, then
receives frames and status."""

from __future__ import annotations

import re

from aiohttp import web

from mirror.errors import SessionNotFound
from mirror.server.auth import COOKIE
from mirror.server.keys import AUTH, FRONT, JOIN_GUARD, JOIN_TOKENS, METRICS
from mirror.server.origins import require_agent_origin
from mirror.server.responses import json_error
from mirror.server.socket import CLOSE_TIMEOUT_S, SocketPeer, first_message, receive_messages
from mirror.session.front import UNKNOWN
from mirror.session.messages import Join, agent_decoder
from mirror.wire import CLOSE_FORBIDDEN, CLOSE_MALFORMED, CLOSE_UNKNOWN_SESSION

MAX_AGENT_MESSAGE = 64 * 1024
JOIN_TIMEOUT_S = 30
# The subprotocol the server answers; a view coming back offers its rejoin beside it, in a header
# (a browser's socket can set no other), so the token stays out of addresses and access logs.
SUBPROTOCOL = "cobrowse.v1"
REJOIN_PROTOCOL = re.compile(r"cobrowse\.rejoin\.(\d{9})\.([A-Za-z0-9_-]{1,64})")
SPENT_TOKEN = "the join token is unknown, used or expired"


async def agent_socket(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    require_agent_origin(request)  # Another site's page would carry the agent's cookie.
    # A join token (POST /api/joins) or a rejoin is the key of a view where the cookie is not sent.
    token, given = request.query.get("join_token"), _rejoin(request)
    if token is None and given is None and not app[AUTH].valid_cookie(request.cookies.get(COOKIE)):
        # No socket opens without a key: refused before the upgrade.
        raise json_error(web.HTTPUnauthorized, "unauthorized", "sign in with an agent key first")
    # JPEG does not deflate: per-message compression would only cost CPU.
    ws = web.WebSocketResponse(
        max_msg_size=MAX_AGENT_MESSAGE,
        compress=False,
        heartbeat=30,
        timeout=CLOSE_TIMEOUT_S,
        protocols=(SUBPROTOCOL,),
    )
    await ws.prepare(request)
    peer = SocketPeer(ws)
    if token is not None and (given := await _token_join(request, token)) is None:
        # Refused on the open socket: a browser learns nothing from a refused handshake.
        await peer.refuse(CLOSE_FORBIDDEN, "invalid_token", SPENT_TOKEN)
        return ws
    messages = receive_messages(ws, agent_decoder, app[METRICS])
    first = given or await first_message(messages, peer, Join, JOIN_TIMEOUT_S)
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


def _rejoin(request: web.Request) -> Join | None:
    """The session a view comes back to, from its ``Sec-WebSocket-Protocol`` offer
    ``cobrowse.rejoin.ID.TOKEN`` (the token its join answered), or None. Checked by the hub as
    any rejoin is: a wrong token is an unknown session, counted in the join guard."""
    offered = request.headers.get("Sec-WebSocket-Protocol", "")
    for protocol in offered.split(",")[:4]:
        if match := REJOIN_PROTOCOL.fullmatch(protocol.strip()):
            return Join(id=match[1], rejoin=match[2])
    return None


async def _token_join(request: web.Request, token: str) -> Join | None:
    """The join ``token`` stands for (redeemed now: it works once), or None when it is unknown,
    used or expired, counted in the join guard like a wrong ID. An invitation comes back as its
    watcher's rejoin, and only to a signed-in agent where agent keys are set: a link pasted in
    the wrong chat shows no one the customer's screen."""
    client = request.remote or "unknown"
    tokens, guard = request.app[JOIN_TOKENS], request.app[JOIN_GUARD]
    redeemed = await tokens.redeem(token[:64]) if await guard.allowed(client) else None
    signed_in = request.app[AUTH].valid_cookie(request.cookies.get(COOKIE))
    if redeemed and redeemed.rejoin and not signed_in:
        redeemed = None
    if redeemed is None:
        await guard.failed(client)
        return None
    if redeemed.rejoin:
        return Join(id=redeemed.access_id, rejoin=redeemed.rejoin)
    interaction = request.query.get("interaction") or None
    return Join(id=redeemed.access_id, interaction=interaction[:200] if interaction else None)
