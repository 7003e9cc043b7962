"""``python -m bench.record_stream``: record the capture stream the benchmark replays.

A real customer (the checkout page in Chromium, with the probe square) starts co-browse; an agent
joins over a WebSocket, which makes the page send its snapshot; the page changes the square once.
Every message the page sent is watched on its WebSocket, and the snapshot and that change are
written to ``bench/fixtures/checkout_stream.json``. Run it again after cobrowse.js changes what
it captures.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import aiohttp
from playwright.async_api import async_playwright

from bench.agents import SocketAgent
from bench.capture_stream import STREAM_FILE, CaptureStream, probe_style, save
from bench.customers import BrowserCustomer, WatchSent
from bench.options import CUSTOMER_PATH, CUSTOMER_VIEWPORT
from bench.pages import launch
from bench.probes import PROBE_ID
from bench.servers import serving
from mirror.render.rrweb import EventType

CHANGE_INTERVAL_MS = 200


def probe_node(snapshot: list[dict[str, Any]]) -> int:
    """rrweb's id of the probe square in the FullSnapshot."""

    def find(node: dict[str, Any]) -> int | None:
        if node.get("attributes", {}).get("id") == PROBE_ID:
            return int(node["id"])
        return next((n for c in node.get("childNodes", []) if (n := find(c)) is not None), None)

    for event in snapshot:
        if (
            event.get("type") == EventType.FULL_SNAPSHOT
            and (found := find(event["data"]["node"])) is not None
        ):
            return found
    raise RuntimeError("the probe square is not in the recorded snapshot")


def split(messages: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any], int]:
    """The events before the square's first change, that change, and the square's node id."""
    events = [
        e for m in messages if (d := json.loads(m)).get("type") == "events" for e in d["events"]
    ]
    node = probe_node(events)
    for k, event in enumerate(events):
        if probe_style(event, node) is not None:
            return events[:k], event, node
    raise RuntimeError("the page sent no change of the probe square")


async def record(server: str, site: str) -> None:
    sent = WatchSent()
    async with async_playwright() as playwright, aiohttp.ClientSession() as http:
        browser, _ = await launch(playwright)
        customer = BrowserCustomer(browser, f"{site}{CUSTOMER_PATH}", server, on_sent=sent)
        agent = SocketAgent(http, server)
        try:
            await agent.join(await customer.open())
            await customer.change_phase(1, CHANGE_INTERVAL_MS, settle_s=0.5)
            await agent.exit()
        finally:
            await agent.close()
            await customer.close()
            await browser.close()
    snapshot, change, node = split(sent.messages)
    save(STREAM_FILE, CUSTOMER_PATH, CUSTOMER_VIEWPORT, node, snapshot, change, origin=site)
    CaptureStream.load(site)  # What was written can be replayed.
    print(
        f"written: {STREAM_FILE} ({STREAM_FILE.stat().st_size} bytes, "
        f"{len(snapshot)} snapshot events)"
    )


def main() -> int:
    with serving() as served:
        asyncio.run(record(served.server, served.site))
    return 0


if __name__ == "__main__":
    sys.exit(main())
