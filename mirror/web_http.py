"""Plain HTTP: the embed script, the agent page, the JSON API, health and metrics.

Every error leaves as JSON ``{"error", "detail"}`` with a 4xx/5xx status, never a stack trace.
"""

from __future__ import annotations

import json
import logging
import re

from aiohttp import web
from aiohttp.typedefs import Handler

from mirror.agent_auth import COOKIE
from mirror.app import AUTH, CHAT_HUB, HISTORY, HUB, METRICS, SETTINGS
from mirror.assets import AssetMissing, package_file
from mirror.config import normalise_origin
from mirror.sessions import SessionState

log = logging.getLogger("cobrowse.server")

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}


def json_error(status: type[web.HTTPException], error: str, detail: str = "") -> web.HTTPException:
    return status(
        text=json.dumps({"error": error, "detail": detail}), content_type="application/json"
    )


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.content_type == "application/json" or exc.status < 400:
            raise
        error = exc.reason.lower().replace(" ", "_")
        raise json_error(type(exc), error, exc.text or exc.reason) from None
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        raise json_error(
            web.HTTPInternalServerError, "internal_error", "see the server log"
        ) from None


@web.middleware
async def api_keys(request: web.Request, handler: Handler) -> web.StreamResponse:
    """With agent keys configured, /api/* needs ``Authorization: Bearer KEY``."""
    public = request.path == "/api/agent/sign-in" or not request.path.startswith("/api/")
    if not public and not request.app[AUTH].valid_bearer(request.headers.get("Authorization")):
        raise json_error(web.HTTPUnauthorized, "unauthorized", "send Authorization: Bearer KEY")
    return await handler(request)


async def agent_sign_in(request: web.Request) -> web.Response:
    """The agent's page trades a key for an HttpOnly cookie its WebSocket will present."""
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


def _package_bytes(name: str) -> bytes:
    try:
        return package_file(name)
    except AssetMissing as exc:
        raise json_error(web.HTTPNotFound, "not_built", str(exc)) from None


async def embed_script(request: web.Request) -> web.Response:
    """``GET /cobrowse.js``: CORS only for the allowed origins (any, in development)."""
    body = _package_bytes("static/cobrowse.js")
    response = web.Response(body=body, content_type="text/javascript", charset="utf-8")
    response.headers["Cache-Control"] = "no-cache"
    allowed = request.app[SETTINGS].config.server.allowed_origins
    origin = request.headers.get("Origin")
    if not allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin and normalise_origin(origin) in {normalise_origin(o) for o in allowed}:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


async def static_file(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    suffix = name[name.rfind(".") :]
    if not re.fullmatch(r"[a-z]+\.(js|css)", name):
        raise json_error(web.HTTPNotFound, "not_found", "no such file")
    return web.Response(body=_package_bytes(f"static/{name}"), content_type=STATIC_TYPES[suffix])


async def agent_page(request: web.Request) -> web.Response:
    html = _package_bytes("web/agent/agent.html").decode()
    if not request.app[AUTH].valid_cookie(request.cookies.get(COOKIE)):
        html = html.replace("<body>", '<body data-needs-key="true">', 1)
    return web.Response(text=html, content_type="text/html")


async def index_page(request: web.Request) -> web.Response:
    kiosk = request.app[SETTINGS].kiosk_site
    if kiosk is None:
        raise web.HTTPFound("/agent")
    html = _package_bytes("web/kiosk/kiosk.html").decode().replace("__SITE__", kiosk)
    return web.Response(text=html, content_type="text/html")


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
    # A chat ends first, taking its sessions with it; any other tied session ends next.
    chat_sessions = await request.app[CHAT_HUB].end_interaction(interaction_id)
    ended = (chat_sessions or []) + await request.app[HUB].end_interaction(interaction_id)
    return web.json_response(
        {"interaction_id": interaction_id, "ended": ended, "chat_ended": chat_sessions is not None}
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


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "live_sessions": len(request.app[HUB].registry)})


async def metrics(request: web.Request) -> web.Response:
    return web.Response(body=request.app[METRICS].render(), content_type="text/plain")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", index_page)
    app.router.add_get("/cobrowse.js", embed_script)
    app.router.add_get("/static/{name}", static_file)
    app.router.add_get("/agent", agent_page)
    app.router.add_post("/api/agent/sign-in", agent_sign_in)
    app.router.add_get("/api/sessions", list_sessions)
    app.router.add_get("/api/sessions/{uuid}", get_session)
    app.router.add_post("/api/interactions/{interaction_id}/end", end_interaction)
    app.router.add_get("/api/chats", list_chats)
    app.router.add_get("/api/chats/{uuid}", get_chat)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
