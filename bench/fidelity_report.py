"""The fidelity figure of ``make bench``: every fixture page through the mirror and through plain
DOM streaming, the share of differing 8x8 blocks against the customer's screen (target: under
1 % on every page)."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from bench.fidelity import PageFidelity, measure_fidelity
from bench.servers import serving

PAGES = (
    "shop/",
    "shop/checkout.html",
    "site/",
    "form/",
    "react/",
    "dashboard/",
    "components/",
    "help/",
    "pay/",
    "state/",
    "stores/",
)
# Phones as the customer holds them: the page as laid out, then zoomed in with two fingers.
PHONE_PAGES = (("phone/", 1.0), ("phone/", 2.0))
TARGET = 0.01


def measure(baseline: bool = True) -> list[dict[str, Any]]:
    """Run the pages against a fresh server and site; one dict per page."""
    with serving() as served:
        pages = [PageFidelity(f"{served.site}/{page}") for page in PAGES]
        pages += [PageFidelity(f"{served.site}/{p}", "phone", zoom) for p, zoom in PHONE_PAGES]
        results = asyncio.run(measure_fidelity(served.server, pages, baseline=baseline))
    return [{**dataclasses.asdict(r), "page": _name(r, served.site)} for r in results]


def _name(page: PageFidelity, site: str) -> str:
    name = page.url.removeprefix(f"{site}/")
    if page.device != "desktop":
        name += f" ({page.device}" + (f", zoomed {page.pinch:g}x)" if page.pinch != 1 else ")")
    return name


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.2%}"


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| Page | mirror (differing blocks) | plain DOM streaming | mirror under 1 % |",
        "|---|---:|---:|---|",
    ]
    for row in rows:
        mirror = row["mirror"]
        verdict = "–" if mirror is None else ("pass" if mirror < TARGET else "**fail**")
        note = f" ({row['error']})" if row.get("error") else ""
        lines.append(
            f"| {row['page']}{note} | {_percent(mirror)} | {_percent(row['baseline'])} "
            f"| {verdict} |"
        )
    return "\n".join(lines) + "\n"
