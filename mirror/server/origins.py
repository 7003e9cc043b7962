"""Which sites may use the server (``[server] allowed_origins``; empty: any, in development), in
one place: the embed script's CORS headers, the frame policy's, and the customer's sockets."""

from __future__ import annotations

from aiohttp import web

from mirror.config import normalise_origin


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
