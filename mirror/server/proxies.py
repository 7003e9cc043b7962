"""Reverse proxies (``[server] trusted_proxies``): behind one, every request comes from the proxy's
address over plain HTTP. From a trusted proxy only, the client's address is read from
``X-Forwarded-For`` and the scheme from ``X-Forwarded-Proto``, so the join lock-out counts each
agent on its own and the sign-in cookie is ``Secure`` when the agent's browser used HTTPS.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from mirror.config import Network


def _trusted(address: str | None, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str | None, forwarded_for: str, networks: Sequence[Network]) -> str | None:
    """The client as the nearest untrusted hop: walk ``X-Forwarded-For`` from the right (each
    proxy appends the address it saw) past trusted proxies. A client can forge the left part of
    the header, never the part our own proxies wrote."""
    if not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


def forwarded_scheme(peer: str | None, proto: str, networks: Sequence[Network]) -> str | None:
    """``https``/``http`` from a trusted proxy's ``X-Forwarded-Proto``; None otherwise."""
    if not _trusted(peer, networks):
        return None
    scheme = proto.split(",")[0].strip().lower()
    return scheme if scheme in ("http", "https") else None


def middleware(networks: Sequence[Network]) -> Middleware:
    """Rewrite ``request.remote`` and ``request.scheme`` for requests from trusted proxies."""

    @web.middleware
    async def from_proxies(request: web.Request, handler: Handler) -> web.StreamResponse:
        peer = request.remote
        if not _trusted(peer, networks):
            return await handler(request)
        headers = request.headers
        remote = client_address(peer, headers.get("X-Forwarded-For", ""), networks) or "unknown"
        scheme = forwarded_scheme(peer, headers.get("X-Forwarded-Proto", ""), networks)
        return await handler(request.clone(remote=remote, scheme=scheme or request.scheme))

    return from_proxies
