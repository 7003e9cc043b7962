"""What the browsers load over plain HTTP: the embed script, the bundles, the agent's page, the
demo kiosk, and the frame policy a framed page of another origin asks for."""

from __future__ import annotations

import re

import msgspec
from aiohttp import web

from mirror.assets import AssetMissing, package_file
from mirror.config import normalise_origin
from mirror.server.auth import COOKIE
from mirror.server.keys import AUTH, HUB, SETTINGS
from mirror.server.origins import allow_cors, origin_allowed
from mirror.server.responses import json_error
from mirror.session.messages import FrameRules
from mirror.texts import with_texts

STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}


def _package_bytes(name: str) -> bytes:
    try:
        return package_file(name)
    except AssetMissing as exc:
        raise json_error(web.HTTPNotFound, "not_built", str(exc)) from None


async def embed_script(request: web.Request) -> web.Response:
    """``GET /cobrowse.js``: CORS only for the allowed origins (any, in development)."""
    config = request.app[SETTINGS].config
    body = with_texts(_package_bytes("static/cobrowse.js"), config.texts)
    response = web.Response(body=body, content_type="text/javascript", charset="utf-8")
    response.headers["Cache-Control"] = "no-cache"
    allow_cors(response, config.server.allowed_origins, request.headers.get("Origin"))
    return response


async def agent_view_script(request: web.Request) -> web.Response:
    """``GET /agent-view.js``: ``<cobrowse-view>`` for a desktop's page (a script needs no CORS;
    what may use the view is decided where its socket opens: ``[server] agent_origins``)."""
    body = _package_bytes("static/agent-view.js")
    response = web.Response(body=body, content_type="text/javascript", charset="utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response


async def static_file(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    suffix = name[name.rfind(".") :]
    if not re.fullmatch(r"[a-z]+\.(js|css)", name):
        raise json_error(web.HTTPNotFound, "not_found", "no such file")
    return web.Response(body=_package_bytes(f"static/{name}"), content_type=STATIC_TYPES[suffix])


def package_html(name: str, needs_key: bool) -> web.Response:
    """A page of the package; with ``needs_key``, it asks for a key before anything else."""
    html = _package_bytes(name).decode()
    if needs_key:
        html = html.replace("<body>", '<body data-needs-key="true">', 1)
    return web.Response(text=html, content_type="text/html")


async def agent_page(request: web.Request) -> web.Response:
    auth = request.app[AUTH]
    return package_html("web/agent/agent.html", not auth.valid_cookie(request.cookies.get(COOKIE)))


async def index_page(request: web.Request) -> web.Response:
    kiosk = request.app[SETTINGS].kiosk_site
    if kiosk is None:
        raise web.HTTPFound("/agent")
    html = _package_bytes("web/kiosk/kiosk.html").decode().replace("__SITE__", kiosk)
    return web.Response(text=html, content_type="text/html")


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
    allow_cors(response, allowed, origin)
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", index_page)
    app.router.add_get("/cobrowse.js", embed_script)
    app.router.add_get("/agent-view.js", agent_view_script)
    app.router.add_get("/static/{name}", static_file)
    app.router.add_get("/agent", agent_page)
    app.router.add_get("/frame-policy", frame_policy)
