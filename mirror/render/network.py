"""The render pages' network: the captured page is untrusted input, so a render page fetches
nothing itself; :class:`AssetGate` fetches what the rules allow.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import ResolveResult
from aiohttp.resolver import ThreadedResolver
from playwright.async_api import Route
from yarl import URL

from mirror.config import normalise_origin

log = logging.getLogger("cobrowse.render")

MAX_ASSET_BYTES = 25 * 1024 * 1024
FORWARDED_REQUEST_HEADERS = ("accept", "accept-language", "range")
DROPPED_RESPONSE_HEADERS = frozenset(
    {
        "content-encoding",
        "content-length",
        "transfer-encoding",
        "connection",
        "set-cookie",
        "keep-alive",
        "content-security-policy",
        "strict-transport-security",
        "alt-svc",
    }
)


# IPv6 prefixes that carry an IPv4 address in their last 32 bits: a host with a NAT64 gateway
# (RFC 6052) or an old IPv4-compatible route reaches that IPv4 address through them.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
# The local-use NAT64 prefix (RFC 8215): the gateway's own choice of where the IPv4 address
# sits, so none of it counts as public.
LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses that traffic to ``address`` ends up at, if it embeds any."""
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)  # The relay server and the client behind its NAT.
    if address in NAT64 or address in IPV4_COMPATIBLE:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    return []


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global and not address.is_multicast


def is_public_address(host: str) -> bool:
    address = ipaddress.ip_address(host.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv4Address):
        return _is_public(address)
    if address in LOCAL_NAT64:
        return False
    embedded = _embedded_ipv4(address)
    if address.ipv4_mapped is not None:  # The same host as its IPv4 address, nothing more.
        return _is_public(embedded[0])
    return _is_public(address) and all(_is_public(ipv4) for ipv4 in embedded)


class PublicOnlyResolver(ThreadedResolver):
    """Resolves like the system, then keeps only public addresses (so a name cannot point the
    render pages at the server's own network, DNS rebinding included: the check and the
    connection use the same answer)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = [
            r for r in await super().resolve(host, port, family) if is_public_address(r["host"])
        ]
        if not results:
            raise OSError(f"{host} resolves only to non-public addresses")
        return results


@dataclass
class AssetGate:
    """Fetches what a render page asks for, when the rules above allow it.

    Every request of a render page is routed here and fetched, with GET and no cookies, by this
    process: assets from the customer page's own origin and ``allowed_origins``, and (with
    ``[capture] public_assets``, the default) from any other origin, such as the site's CDN, that
    resolves to public addresses. Loopback, private and link-local addresses, also when embedded in
    an IPv6 address (NAT64, 6to4, Teredo, IPv4-mapped), are never fetched unless their origin is
    listed in ``allowed_origins``, in development too: the page's own origin is only what its
    customer socket claimed, and a client that is not a browser can claim any.
    """

    allowed_origins: frozenset[str]
    public_client: aiohttp.ClientSession
    open_client: aiohttp.ClientSession
    public_assets: bool = True  # Other origins' assets too, from public addresses only.

    @classmethod
    def create(cls, allowed_origins: list[str], public_assets: bool = True) -> AssetGate:
        timeout = aiohttp.ClientTimeout(total=15, sock_connect=5)
        origins = frozenset(o for o in map(normalise_origin, allowed_origins) if o)
        public = aiohttp.ClientSession(
            timeout=timeout,
            connector=aiohttp.TCPConnector(resolver=PublicOnlyResolver(), limit=64),
            auto_decompress=True,
        )
        return cls(origins, public, aiohttp.ClientSession(timeout=timeout), public_assets)

    async def close(self) -> None:
        await self.public_client.close()
        await self.open_client.close()

    def client_for(self, url: URL, page_origin: str | None) -> aiohttp.ClientSession | None:
        """The client allowed to fetch ``url`` for a page of ``page_origin``, or None."""
        origin = normalise_origin(str(url.origin())) if url.scheme in ("http", "https") else None
        if origin is None or url.host is None:
            return None
        listed = origin in self.allowed_origins
        own = origin == page_origin
        if not (listed or own or self.public_assets):
            return None
        if listed:
            return self.open_client
        try:
            literal_public = is_public_address(url.host)
        except ValueError:
            return self.public_client  # A name: PublicOnlyResolver decides.
        return self.public_client if literal_public else None

    async def handle(self, route: Route, page_origin: str | None) -> None:
        request = route.request
        url = URL(request.url)
        client = self.client_for(url, page_origin) if request.method == "GET" else None
        if client is None:
            await route.abort("blockedbyclient")
            return
        headers = {
            k: v for k, v in request.headers.items() if k.lower() in FORWARDED_REQUEST_HEADERS
        }
        try:
            async with client.get(url, headers=headers, allow_redirects=False) as response:
                body = await response.content.read(MAX_ASSET_BYTES + 1)
                if len(body) > MAX_ASSET_BYTES:
                    raise OSError("asset too large")
                await route.fulfill(
                    status=response.status, headers=self._response_headers(response), body=body
                )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.debug("render page asset refused: %s (%s)", url.origin(), exc)
            await route.abort("failed")

    @staticmethod
    def _response_headers(response: aiohttp.ClientResponse) -> dict[str, Any]:
        headers = {
            k: v for k, v in response.headers.items() if k.lower() not in DROPPED_RESPONSE_HEADERS
        }
        # The rebuilt page lives on the render page's origin: fonts and images load cross-origin.
        headers["access-control-allow-origin"] = "*"
        return headers
