"""Reverse proxies (``[server] trusted_proxies``): behind one, every request comes from the proxy's
address over plain HTTP. From a trusted proxy only, the client's address is read from
``X-Forwarded-For`` and the scheme from ``X-Forwarded-Proto``, so the join lock-out counts each
agent on its own, the sign-in cookie is ``Secure`` when the agent's browser used HTTPS, and the
agent's pages are recognised as this server's own origin (:mod:`mirror.server.origins`).
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


def _entries(lines: list[str]) -> list[str]:
    """Every entry of a list header over all its lines, in order: a proxy may append a line of
    its own instead of extending the client's, so the first line can be the client's alone."""
    return [entry.strip() for line in lines for entry in line.split(",") if entry.strip()]


def _client_hop(hops: Sequence[str], networks: Sequence[Network]) -> int:
    """How far from the right of ``X-Forwarded-For`` the client is (1: the last entry): the
    nearest hop that is not a trusted proxy, or the leftmost if all are; 0 with no hops."""
    for back in range(1, len(hops) + 1):
        if not _trusted(hops[-back], networks):
            return back
    return len(hops)


def client_address(
    peer: str | None, forwarded_for: list[str], networks: Sequence[Network]
) -> str | None:
    """The client as the nearest untrusted hop: walk ``X-Forwarded-For`` (all its lines) from
    the right (each proxy appends the address it saw) past trusted proxies. A client can forge
    the left part of the header, never the part our own proxies wrote."""
    if not _trusted(peer, networks):
        return peer
    hops = _entries(forwarded_for)
    back = _client_hop(hops, networks)
    return hops[-back] if back else peer


def forwarded_scheme(
    peer: str | None,
    forwarded_for: list[str],
    forwarded_proto: list[str],
    networks: Sequence[Network],
) -> str | None:
    """``https``/``http`` from a trusted proxy's ``X-Forwarded-Proto``; None otherwise. The entry
    read is the one written beside the client's address (the proxies that append to both
    headers keep them in step); a proxy that sets the header once wrote its last entry."""
    if not _trusted(peer, networks):
        return None
    schemes = _entries(forwarded_proto)
    if not schemes:
        return None
    back = _client_hop(_entries(forwarded_for), networks)
    scheme = schemes[-min(max(back, 1), len(schemes))].lower()
    return scheme if scheme in ("http", "https") else None


def middleware(networks: Sequence[Network]) -> Middleware:
    """Rewrite ``request.remote`` and ``request.scheme`` for requests from trusted proxies."""

    @web.middleware
    async def from_proxies(request: web.Request, handler: Handler) -> web.StreamResponse:
        peer = request.remote
        if not _trusted(peer, networks):
            return await handler(request)
        forwarded_for = request.headers.getall("X-Forwarded-For", [])
        forwarded_proto = request.headers.getall("X-Forwarded-Proto", [])
        remote = client_address(peer, forwarded_for, networks) or "unknown"
        scheme = forwarded_scheme(peer, forwarded_for, forwarded_proto, networks)
        return await handler(request.clone(remote=remote, scheme=scheme or request.scheme))

    return from_proxies
