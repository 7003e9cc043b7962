"""Which sites may use the server, in one place. ``[server] allowed_origins`` (empty: any, in
development) guards the embed script's CORS headers, the frame policy's, and the customer's
sockets; the agent's sockets and sign-in accept only the server's own origin and
``[server] agent_origins``, so no other page can act with the agent's cookie."""

from __future__ import annotations

from aiohttp import web

from mirror.config import normalise_origin
from mirror.server.keys import SETTINGS
from mirror.server.responses import json_error


def origin_allowed(allowed: list[str], origin: str | None) -> bool:
    if not allowed:
        return True
    return origin is not None and normalise_origin(origin) in {normalise_origin(o) for o in allowed}


def allow_cors(response: web.StreamResponse, allowed: list[str], origin: str | None) -> None:
    """Let ``origin`` read ``response`` if it is allowed (any origin in development)."""
    if not allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin and origin_allowed(allowed, origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"


def own_origin(request: web.Request) -> str | None:
    """The origin the browser reached this server at: its scheme as the trusted proxies report
    it (:mod:`mirror.server.proxies`) and its ``Host``."""
    return normalise_origin(f"{request.scheme}://{request.host}")


def agent_origin_allowed(agent_origins: list[str], origin: str | None, own: str | None) -> bool:
    """May a page of ``origin`` use the agent's cookie here? Only this server's own pages and
    the configured agent origins; an opaque origin (``null``) never. A request with no
    ``Origin`` does not come from a browser page, and only browsers send cookies on their own."""
    if origin is None:
        return True
    origin = normalise_origin(origin)
    return origin is not None and (
        origin == own or origin in {normalise_origin(o) for o in agent_origins}
    )


def require_agent_origin(request: web.Request) -> None:
    """Refuse (403, before any WebSocket upgrade) a request of the agent's from another site."""
    agent_origins = request.app[SETTINGS].config.server.agent_origins
    own = own_origin(request)
    if not agent_origin_allowed(agent_origins, request.headers.get("Origin"), own):
        raise json_error(
            web.HTTPForbidden,
            "forbidden_origin",
            f"only pages of this server ({own}) and of [server] agent_origins may do this",
        )
