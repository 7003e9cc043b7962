"""``POST /api/joins``: a contact centre's desktop, with an agent key, asks for a one-time join
token for a live session, named by its nine digits, the chat it started from, or its primary
interaction, and hands the token to the agent's view (``/ws/agent?join_token=...``), so the
agent never types the digits. A name that is not live counts against the caller in the join
guard, like a wrong ID typed, and a locked-out caller gets the same answer."""

from __future__ import annotations

import re

from aiohttp import web

from mirror.errors import SessionNotFound
from mirror.server.keys import HUB, JOIN_GUARD, JOIN_TOKENS
from mirror.server.responses import json_error
from mirror.session.jointokens import TOKEN_S, Grant

NINE_DIGITS = re.compile(r"^\d{9}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NAMES = ("session_id", "chat", "interaction_id")
NOT_LIVE = "no live co-browse session has that name"


async def create_join(request: web.Request) -> web.Response:
    name, value = await _named(request)
    client = request.remote or "unknown"
    guard = request.app[JOIN_GUARD]
    access_id = await _live_id(request.app, name, value) if await guard.allowed(client) else None
    if access_id is None:
        await guard.failed(client)
        raise json_error(web.HTTPNotFound, "unknown_session", NOT_LIVE)
    token = await request.app[JOIN_TOKENS].issue(Grant(access_id))
    return web.json_response({"token": token, "expires_in": TOKEN_S})


async def _named(request: web.Request) -> tuple[str, str]:
    """The one name the body gives, checked for its shape."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    given = [n for n in NAMES if isinstance(body, dict) and n in body]
    if not isinstance(body, dict) or len(given) != 1 or len(body) != 1:
        detail = 'send one of {"session_id": "123456789"}, {"chat": UUID}, {"interaction_id": ID}'
        raise json_error(web.HTTPBadRequest, "bad_request", detail)
    name, value = given[0], body[given[0]]
    value = "".join(str(value).split()) if name == "session_id" else str(value)
    shapes = {"session_id": NINE_DIGITS, "chat": UUID}
    if not isinstance(body[name], str) or not value or len(value) > 200:
        raise json_error(web.HTTPBadRequest, "bad_request", f"{name} must be a non-empty string")
    if name in shapes and not shapes[name].match(value.lower()):
        what = "nine digits" if name == "session_id" else "a chat's UUID"
        raise json_error(web.HTTPBadRequest, "bad_request", f"{name} must be {what}")
    return name, value.lower() if name == "chat" else value


async def _live_id(app: web.Application, name: str, value: str) -> str | None:
    """The nine digits of the live session so named, or None."""
    hub = app[HUB]
    if name == "session_id":
        try:
            return hub.registry.get(value).access_id
        except SessionNotFound:
            return value if await hub.directory.live_elsewhere(value) else None
    # A chat is the primary interaction of the sessions started from it; the newest is joined.
    tied = [
        live.session
        for live in hub.sessions()
        if live.session.interaction_id == value and live.session.live
    ]
    return max(tied, key=lambda s: s.created_at).access_id if tied else None


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/joins", create_join)
