"""Which URLs a render page may fetch: the page's own origin and allowed_origins, never private
addresses unless listed (in development too), nor IPv4 ones hidden in an IPv6 address."""

from __future__ import annotations

import socket

import pytest
from yarl import URL

from mirror.render.network import AssetGate, PublicOnlyResolver, is_public_address
from tests.aio import in_thread

SHOP = "https://shop.example"


async def gate(allowed: list[str], public_assets: bool = False) -> AssetGate:
    return AssetGate.create(allowed, public_assets)


@pytest.mark.parametrize(
    ("url", "allowed", "page", "verdict"),
    [
        ("https://shop.example/a.css", [SHOP], SHOP, "open"),  # Listed: may be anywhere.
        ("https://cdn.example/a.css", [SHOP], SHOP, None),  # Not listed, not the page's own.
        ("https://cdn.example/a.css", [SHOP, "https://cdn.example"], SHOP, "open"),
        ("http://127.0.0.1:9/secret", [SHOP], SHOP, None),  # Loopback, not listed.
        ("http://127.0.0.1:9/a.css", [SHOP], "http://127.0.0.1:9", None),  # Claimed page origin.
        # Development (no list): a page origin on loopback is only a claim too (a forged Origin).
        ("http://127.0.0.1:9/a.css", [], "http://127.0.0.1:9", None),
        ("http://[::1]:9/a.css", [], "http://[::1]:9", None),
        ("http://169.254.169.254/latest", [], "http://169.254.169.254", None),
        ("http://localhost:9/a.css", [], "http://localhost:9", "public"),  # The resolver refuses.
        ("http://127.0.0.1:9/a.css", ["http://127.0.0.1:9"], "http://127.0.0.1:9", "open"),
        ("http://169.254.169.254/latest", [], SHOP, None),  # Not the page's origin.
        ("http://10.0.0.5/x", ["http://10.0.0.5"], SHOP, "open"),  # Listed on purpose.
        ("https://93.184.215.14/a.png", [], "https://93.184.215.14", "public"),
        ("file:///etc/passwd", [], SHOP, None),
        ("data:text/plain,x", [], SHOP, None),
    ],
)
@in_thread
async def test_client_for(url: str, allowed: list[str], page: str, verdict: str | None) -> None:
    g = await gate(allowed)
    try:
        client = g.client_for(URL(url), page)
        expected = {None: None, "open": g.open_client, "public": g.public_client}[verdict]
        assert client is expected
    finally:
        await g.close()


@pytest.mark.parametrize(
    ("url", "verdict"),
    [
        ("https://cdn.example/a.css", "public"),  # A CDN: through the public-only resolver.
        ("https://fonts.example/f.woff2", "public"),
        ("https://93.184.215.14/a.png", "public"),
        ("http://127.0.0.1:9/secret", None),  # Never loopback, private or link-local...
        ("http://10.0.0.5/x", None),
        ("http://169.254.169.254/latest", None),
        ("http://[::1]/x", None),
        ("http://[64:ff9b::7f00:1]/x", None),  # ...nor those reached through NAT64...
        ("http://[::ffff:10.0.0.5]/x", None),  # ...or as IPv4-mapped addresses...
        ("file:///etc/passwd", None),  # ...nor anything but http(s).
    ],
)
@in_thread
async def test_public_assets_come_from_any_public_origin(url: str, verdict: str | None) -> None:
    g = await gate([SHOP], public_assets=True)
    try:
        expected = {None: None, "public": g.public_client}[verdict]
        assert g.client_for(URL(url), SHOP) is expected
    finally:
        await g.close()


@in_thread
async def test_a_name_on_a_foreign_page_origin_goes_through_the_public_only_resolver() -> None:
    g = await gate([SHOP])
    try:
        assert (
            g.client_for(URL("https://elsewhere.example/x.png"), "https://elsewhere.example")
            is g.public_client
        )
    finally:
        await g.close()


@in_thread
async def test_the_resolver_keeps_names_of_this_machine_from_the_render_pages() -> None:
    with pytest.raises(OSError, match="non-public"):
        await PublicOnlyResolver().resolve("localhost", 80, socket.AF_UNSPEC)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.1", False),
        ("172.16.0.1", False),
        ("169.254.1.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("224.0.0.1", False),
        ("2606:4700::1111", True),
        # IPv6 addresses that lead to an IPv4 address are as public as that address.
        ("64:ff9b::10.0.0.1", False),  # NAT64 (RFC 6052)
        ("64:ff9b::127.0.0.1", False),
        ("64:ff9b::169.254.169.254", False),
        ("64:ff9b::8.8.8.8", True),
        ("64:ff9b:1::8.8.8.8", False),  # Local-use NAT64 (RFC 8215): the site's own gateway.
        ("64:ff9b:1:a00:1::", False),
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("2002:808:808::1", True),
        ("2001:0:808:808:0:f5ff:f5ff:fffe", False),  # Teredo, a client behind 10.0.0.1
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("::ffff:192.168.1.1", False),
        ("::ffff:8.8.8.8", True),
        ("::10.0.0.1", False),  # IPv4-compatible (deprecated)
        ("::169.254.169.254", False),
        ("::8.8.8.8", True),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public
