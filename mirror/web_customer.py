"""``/ws/customer``: the customer's page. Decodes messages and hands them to the hub."""

from __future__ import annotations

import msgspec
from aiohttp import web

from mirror.app import HUB, METRICS, SETTINGS
from mirror.config import normalise_origin
from mirror.errors import ChatError, SessionError, SessionNotFound
from mirror.messages import (
    CLOSE_BUSY,
    CLOSE_FORBIDDEN,
    CLOSE_MALFORMED,
    CLOSE_UNKNOWN_SESSION,
    Events,
    Exit,
    FrameRules,
    Hello,
    customer_decoder,
)
from mirror.sessions import EndReason
from mirror.web_http import json_error
from mirror.web_peer import CLOSE_TIMEOUT_S, SocketPeer, first_message, receive_messages
from replay.messages import Applied, Refused

# A full snapshot of a large page is a few MB of JSON; more than this is refused.
MAX_CUSTOMER_MESSAGE = 32 * 1024 * 1024
HELLO_TIMEOUT_S = 10


def origin_allowed(allowed: list[str], origin: str | None) -> bool:
    if not allowed:
        return True
    return origin is not None and normalise_origin(origin) in {normalise_origin(o) for o in allowed}


async def frame_policy(request: web.Request) -> web.Response:
    """``GET /frame-policy?parent=ORIGIN``, asked by a framed page that embeds the script: may it
    share its content with the co-browsed page of ``parent``? Both origins must be allowed; the
    answer carries the server's masking policy. A frame whose origin is not allowed gets no CORS
    header, so its page cannot read the answer at all."""
    allowed = request.app[SETTINGS].config.server.allowed_origins
    parent, origin = request.query.get("parent"), request.headers.get("Origin")
    parent = normalise_origin(parent) if parent and len(parent) <= 300 else None
    if parent is None:
        raise json_error(
            web.HTTPBadRequest, "bad_parent", "send ?parent=ORIGIN (scheme://host[:port])"
        )
    share = origin_allowed(allowed, parent) and origin_allowed(allowed, origin)
    rules = request.app[HUB].frame_rules() if share else FrameRules(share=False)
    response = web.Response(body=msgspec.json.encode(rules), content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    if not allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin and origin_allowed(allowed, origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


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
    hub = app[HUB]
    try:
        live = await hub.customer_hello(peer, first, normalise_origin(origin) if origin else None)
    except SessionNotFound:
        await peer.refuse(CLOSE_UNKNOWN_SESSION, "unknown_session", "the session has ended")
        return ws
    except ChatError as exc:  # Co-browse from a chat this page does not own (or that ended).
        await peer.refuse(CLOSE_UNKNOWN_SESSION, exc.code, exc.detail)
        return ws
    except SessionError as exc:  # At capacity.
        await peer.refuse(CLOSE_BUSY, "busy", str(exc))
        return ws
    try:
        async for message in messages:
            if isinstance(message, Events):
                await hub.customer_events(live, message.events)
            elif isinstance(message, Exit):
                await hub.end(live, EndReason.CUSTOMER_EXIT)
            elif isinstance(message, Applied | Refused):
                await hub.customer_answer(live, message)
            else:
                await peer.refuse(CLOSE_MALFORMED, "malformed", "hello was already received")
    finally:
        await hub.customer_left(live, peer)
    return ws
