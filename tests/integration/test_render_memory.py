"""A render page holds the customer's page as it is now, not every page and change of the call:
rrweb's live player would keep each event it was given, so a long call's render page would grow
with every page the customer opened."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from mirror.render import collection
from mirror.render.rrweb import EventType, IncrementalSource, NodeType
from tests.aio import in_thread
from tests.integration.joined import watched
from tests.wsclient import page_snapshot

PARAGRAPHS = 2000  # A page of about 250 kB as rrweb sends it.
CHANGES = 20  # Changes of each page after its load.
LOADS = 10  # Pages loaded between the two measurements.
FIRST_ID = 100
DOCUMENTS_SHOWN = 3  # The render page's, the rebuilt page's and its frame's own blank one.


def long_page(title: str) -> list[dict[str, Any]]:
    """Meta and FullSnapshot of a page of PARAGRAPHS paragraphs, the first titled ``title``."""
    events = page_snapshot(title)
    body = events[1]["data"]["node"]["childNodes"][0]["childNodes"][1]
    body["childNodes"] += [
        {
            "type": NodeType.ELEMENT,
            "tagName": "p",
            "attributes": {},
            "id": FIRST_ID + 2 * i,
            "childNodes": [
                {
                    "type": NodeType.TEXT,
                    "textContent": f"Paragraph {i} of {title}",
                    "id": 1 + FIRST_ID + 2 * i,
                }
            ],
        }
        for i in range(PARAGRAPHS)
    ]
    return events


def text_change(text: str) -> list[dict[str, Any]]:
    """The first long paragraph's text becomes ``text``."""
    data = {"source": IncrementalSource.MUTATION, "texts": [{"id": FIRST_ID + 1, "value": text}]}
    data |= {"attributes": [], "removes": [], "adds": []}
    return [{"type": EventType.INCREMENTAL_SNAPSHOT, "timestamp": 3, "data": data}]


async def used_heap_mb(page: Page) -> float:
    """The page's JavaScript heap after a full collection."""
    cdp = await page.context.new_cdp_session(page)
    try:
        await cdp.send("HeapProfiler.collectGarbage")
        usage = await cdp.send("Runtime.getHeapUsage")
    finally:
        await cdp.detach()
    return float(usage["usedSize"]) / 1e6


@in_thread
async def test_a_long_call_does_not_grow_the_render_page(tmp_path: Path) -> None:
    async with watched(tmp_path) as session:
        customer, page = session.customer, session.chromium

        async def load(number: int) -> None:
            await customer.send_json(
                {"v": 1, "type": "events", "events": long_page(f"Page {number}")}
            )
            for change in range(CHANGES):
                await customer.send_json(
                    {
                        "v": 1,
                        "type": "events",
                        "events": text_change(f"Change {change} of {number}"),
                    }
                )
            last = page.frame_locator("iframe").get_by_text(f"Change {CHANGES - 1} of {number}")
            await expect(last).to_be_visible()

        await load(0)
        await load(1)
        before = await used_heap_mb(page)
        for number in range(2, 2 + LOADS):
            await load(number)
        after = await used_heap_mb(page)
        # Each page kept would add about 0.3 MB; the one page shown is already in `before`.
        assert after - before < 1.0, f"the heap grew from {before:.2f} to {after:.2f} MB"


def test_the_documents_a_rebuild_replaced_are_collected_soon_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collection, "COLLECT_AFTER_S", 0.1)
    replaced_documents(tmp_path)


@in_thread
async def replaced_documents(tmp_path: Path) -> None:
    async with watched(tmp_path) as session:
        # Rebuilt twice: the player's warm-up page and the first page are garbage now, held
        # until V8 collects in full, which a page left alone does not do by itself.
        await session.customer.send_json(
            {"v": 1, "type": "events", "events": page_snapshot("Second")}
        )
        await expect(session.chromium.frame_locator("iframe").get_by_text("Second")).to_be_visible()
        cdp = await session.chromium.context.new_cdp_session(session.chromium)

        async def documents() -> int:
            return int((await cdp.send("Memory.getDOMCounters"))["documents"])

        try:
            async with asyncio.timeout(20):
                while await documents() > DOCUMENTS_SHOWN:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)  # ok-sleep: a bounded poll; nothing announces it.
        except TimeoutError:
            pytest.fail(f"{await documents()} documents held after the rebuilds")
        finally:
            await cdp.detach()
