"""The JSON API: history of sessions and chats, the end of a primary interaction, the agent's
sign-in, health and metrics. Behind ``Authorization: Bearer KEY`` when agent keys are set."""

from __future__ import annotations

import re

from aiohttp import web

from mirror.server.auth import COOKIE
from mirror.server.keys import AUTH, CLUSTER, HISTORY, METRICS
from mirror.server.origins import require_agent_origin
from mirror.server.responses import json_error
from mirror.session.state import SessionState
from mirror.webhooks import log as deliveries

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


async def agent_sign_in(request: web.Request) -> web.Response:
    """The agent's page trades a key for an HttpOnly cookie its WebSocket will present."""
    require_agent_origin(request)  # Another site's page could sign the agent in with its key.
    auth = request.app[AUTH]
    try:
        key = str((await request.json())["key"])
    except (ValueError, KeyError, TypeError):
        raise json_error(web.HTTPBadRequest, "bad_request", 'send {"key": "..."}') from None
    if not auth.valid_key(key):
        raise json_error(web.HTTPUnauthorized, "unauthorized", "that agent key is not valid")
    response = web.json_response({"signed_in": True})
    response.set_cookie(
        COOKIE,
        auth.cookie_for(key),
        httponly=True,
        samesite="Strict",
        path="/",
        secure=request.secure,
    )
    return response


async def list_sessions(request: web.Request) -> web.Response:
    state = request.query.get("state")
    if state is not None and state not in {s.value for s in SessionState}:
        raise json_error(web.HTTPBadRequest, "bad_state", "state must be idle, active or ended")
    return web.json_response(await request.app[HISTORY].list(state))


async def get_session(request: web.Request) -> web.Response:
    session_uuid = request.match_info["uuid"].lower()
    record = await request.app[HISTORY].get(session_uuid) if UUID_RE.match(session_uuid) else None
    if record is None:
        raise json_error(web.HTTPNotFound, "unknown_session", "no session has that UUID")
    return web.json_response(record)


async def end_interaction(request: web.Request) -> web.Response:
    """The primary interaction (call or chat) ended: its co-browse sessions end too."""
    interaction_id = request.match_info["interaction_id"]
    if not 0 < len(interaction_id) <= 200:
        raise json_error(
            web.HTTPBadRequest, "bad_interaction", "an interaction ID is 1-200 characters"
        )
    ended, chat_ended = await request.app[CLUSTER].end_interaction(interaction_id)
    return web.json_response(
        {"interaction_id": interaction_id, "ended": ended, "chat_ended": chat_ended}
    )


async def list_chats(request: web.Request) -> web.Response:
    return web.json_response(await request.app[HISTORY].list_chats())


async def get_chat(request: web.Request) -> web.Response:
    """A chat's record, its transcript and the co-browse sessions started from it."""
    chat_uuid = request.match_info["uuid"].lower()
    record = await request.app[HISTORY].get_chat(chat_uuid) if UUID_RE.match(chat_uuid) else None
    if record is None:
        raise json_error(web.HTTPNotFound, "unknown_chat", "no chat has that UUID")
    return web.json_response(record)


async def webhook_deliveries(request: web.Request) -> web.Response:
    """The webhook delivery log, newest first (``?limit=``, at most 500)."""
    try:
        limit = min(max(int(request.query.get("limit", "100")), 1), 500)
    except ValueError:
        raise json_error(web.HTTPBadRequest, "bad_request", "limit must be a number") from None
    return web.json_response(await deliveries.recent(request.app[HISTORY].engine, limit))


async def metrics(request: web.Request) -> web.Response:
    return web.Response(body=request.app[METRICS].render(), content_type="text/plain")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/agent/sign-in", agent_sign_in)
    app.router.add_get("/api/sessions", list_sessions)
    app.router.add_get("/api/sessions/{uuid}", get_session)
    app.router.add_post("/api/interactions/{interaction_id}/end", end_interaction)
    app.router.add_get("/api/chats", list_chats)
    app.router.add_get("/api/chats/{uuid}", get_chat)
    app.router.add_get("/api/webhooks/deliveries", webhook_deliveries)
    app.router.add_get("/metrics", metrics)
