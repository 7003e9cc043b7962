"""The benchmark's server lists the sample site (its assets are on this machine) and the origin
of a customer's page given as a URL, which would otherwise be refused."""

from __future__ import annotations

from bench.servers import site_config
from mirror.config import parse_config


def test_the_sample_site_and_a_customer_page_elsewhere_are_allowed() -> None:
    assert parse_config(site_config(20001)).server.allowed_origins == [
        "http://127.0.0.1:20001",
        "http://localhost:20001",
    ]
    assert parse_config(site_config(20001, "/shop/checkout.html")).server.allowed_origins == [
        "http://127.0.0.1:20001",
        "http://localhost:20001",
    ]
    page = "https://Shop.example/checkout?step=2"
    assert parse_config(site_config(20001, page)).server.allowed_origins[-1] == (
        "https://shop.example"
    )
