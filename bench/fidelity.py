"""Fidelity, measured on any pages: the customer's viewport against what the agent sees, for the
mirror (the agent's view of a real session) and for plain DOM streaming (rrweb record -> the
bench's relay -> rrweb's Replayer in the agent's own browser), with the metric of
mirror/testing/fidelity.py.

``await measure_fidelity(server_url, pages)`` fills in each :class:`PageFidelity` (a URL, the
customer's device and zoom).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image
from playwright.async_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    ViewportSize,
    async_playwright,
)

from bench.bundles import Bundles, build
from bench.pages import launch
from bench.relay import Relay
from mirror.testing.fidelity import PRIVATE_AREAS_JS, as_rects, differing_share

VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
# A phone as the customer holds it: 390x844 CSS pixels at three device pixels each, touch.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": VIEWPORT}
DEVICES = {"desktop": DESKTOP, "phone": PHONE}


async def pinch(page: Page, scale: float) -> None:
    """Zoom the customer's page as two fingers would (the page scale a pinch sets)."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Emulation.setPageScaleFactor", {"pageScaleFactor": scale})
    await page.wait_for_function(
        f"() => Math.abs(visualViewport.scale - {scale}) < 0.01", timeout=TIMEOUT_MS
    )


TARGET = 0.01  # Under 1 % of differing 8x8 blocks.
SETTLE_S = 15.0  # How long each side may take to show the page as the customer sees it.
TIMEOUT_MS = 20_000
VIEW_JS = "canvas => canvas.toDataURL('image/png')"


@dataclass
class PageFidelity:
    """Shares (0..1) of differing blocks for one page; None where that path failed."""

    url: str
    device: str = "desktop"  # A key of DEVICES.
    pinch: float = 1.0  # The customer's zoom, once the page is shown.
    mirror: float | None = None
    baseline: float | None = None
    error: str | None = None


def image_of(data: bytes) -> Image.Image:
    """A PNG or JPEG as RGB."""
    return Image.open(io.BytesIO(data)).convert("RGB")


def image_of_data_url(data_url: str) -> Image.Image:
    return image_of(base64.b64decode(data_url.split(",", 1)[1]))


async def share_now(customer: Page, view: Image.Image) -> float:
    private = as_rects(await customer.evaluate(PRIVATE_AREAS_JS))
    expected = image_of(await customer.screenshot(caret="hide", scale="css"))
    return await asyncio.to_thread(differing_share, expected, view, private)


async def settled(customer: Page, grab: Callable[[], Awaitable[Image.Image]]) -> float:
    """Compare until the view (``grab()``) matches, or SETTLE_S passes; the last share."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        share = await share_now(customer, await grab())
        if share < TARGET or time.monotonic() > deadline:
            return share
        await customer.wait_for_timeout(250)  # Polls two browsers: no single event to wait on.


async def _open_customer(context: BrowserContext, url: str) -> Page:
    page = await context.new_page()
    await page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    return page


@dataclass
class Joined:
    """A live session: the customer's page, and the agent's view of it."""

    customer: Page
    view: Locator

    async def grab(self) -> Image.Image:
        data_url = str(await self.view.evaluate(VIEW_JS))
        return image_of_data_url(data_url)


@contextlib.asynccontextmanager
async def joined(
    browser: Browser, server_url: str, url: str, device: dict[str, Any] | None = None
) -> AsyncIterator[Joined]:
    """A real session on ``url`` in ``device``'s browser (a desktop's by default): Co-browse ->
    Yes on the page (the script added if the page lacks it), an agent joins; ended by the
    customer afterwards."""
    customer_context = await browser.new_context(**(device or DESKTOP))
    agent_context = await browser.new_context(viewport={"width": 1600, "height": 1100})
    try:
        customer = await _open_customer(customer_context, url)
        if not await customer.evaluate("() => Boolean(window.__cobrowse)"):
            await customer.add_script_tag(url=f"{server_url}/cobrowse.js")
        await customer.get_by_role("button", name="Co-browse", exact=True).click(timeout=TIMEOUT_MS)
        await customer.get_by_role("button", name="Yes").click()
        id_element = customer.locator("[data-cobrowse-session-id]")
        await id_element.wait_for(timeout=TIMEOUT_MS)
        session_id = await id_element.get_attribute("data-cobrowse-session-id") or ""
        agent = await agent_context.new_page()
        await agent.goto(f"{server_url}/agent")
        await agent.get_by_label("Session ID").fill(session_id)
        await agent.get_by_role("button", name="Join").click()
        view = agent.locator("[data-cobrowse-view][data-frames]")
        await view.wait_for(timeout=TIMEOUT_MS)
        yield Joined(customer, view)
        exit_button = customer.get_by_role("button", name="Exit co-browse session")
        if await exit_button.is_visible():
            # Dispatched, not clicked: on a page zoomed in, the page covers the fixed widget.
            await exit_button.dispatch_event("click")
    finally:
        await customer_context.close()
        await agent_context.close()


async def _mirror_share(browser: Browser, server_url: str, page: PageFidelity) -> float:
    """The agent's view of a real session, compared once it has settled."""
    async with joined(browser, server_url, page.url, DEVICES[page.device]) as session:
        if page.pinch != 1:
            await settled(session.customer, session.grab)
            await pinch(session.customer, page.pinch)
        return await settled(session.customer, session.grab)


async def _baseline_share(
    browser: Browser, relay: Relay, bundles: Bundles, page: PageFidelity, room: str
) -> float:
    """Plain DOM streaming: rrweb's replay of the page in the agent's own browser (a desktop's,
    at the customer's screen's size)."""
    device = DEVICES[page.device]
    agent_context = await browser.new_context(viewport=device["viewport"])
    customer_context = await browser.new_context(**device)
    try:
        agent = await agent_context.new_page()
        await agent.goto(f"{relay.url}/?room={room}")
        await agent.wait_for_function("() => window.__benchBaseline.open", timeout=TIMEOUT_MS)
        customer = await _open_customer(customer_context, page.url)
        await customer.add_script_tag(path=bundles.record_js)
        socket = relay.url.replace("http://", "ws://", 1) + f"/ws/{room}/customer"
        await customer.evaluate("(url) => benchRecord.start(url)", socket)
        await agent.wait_for_function(
            "() => window.__benchBaseline.batches > 0", timeout=TIMEOUT_MS
        )

        async def grab() -> Image.Image:
            size = device["viewport"]
            clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"]}
            return image_of(await agent.screenshot(clip=clip))  # type: ignore[arg-type]

        if page.pinch != 1:
            await settled(customer, grab)
            await pinch(customer, page.pinch)
        return await settled(customer, grab)
    finally:
        await customer_context.close()
        await agent_context.close()


async def measure_fidelity(
    server_url: str, pages: list[PageFidelity], baseline: bool = True
) -> list[PageFidelity]:
    """For each page (its URL, device and zoom): the mirror's share of differing blocks and,
    with ``baseline``, plain DOM streaming's; a page that fails on one path keeps the other
    figure and says why."""
    bundles = await asyncio.to_thread(build) if baseline else None
    results = pages
    async with contextlib.AsyncExitStack() as stack:
        playwright = await stack.enter_async_context(async_playwright())
        browser, _ = await launch(playwright)
        stack.push_async_callback(browser.close)
        relay = await stack.enter_async_context(Relay(bundles)) if bundles else None
        for index, result in enumerate(results):  # One at a time: the figures are not timings.
            await _measure_one(browser, server_url, relay, bundles, result, index)
    return results


async def _measure_one(
    browser: Browser,
    server_url: str,
    relay: Relay | None,
    bundles: Bundles | None,
    result: PageFidelity,
    index: int,
) -> None:
    try:
        result.mirror = await _mirror_share(browser, server_url, result)
    except Exception as exc:  # noqa: BLE001 - a page's failure is a figure, not a crash.
        result.error = f"mirror: {exc}"
    if relay is None or bundles is None:
        return
    try:
        room = f"fidelity-{index}"
        result.baseline = await _baseline_share(browser, relay, bundles, result, room)
    except Exception as exc:  # noqa: BLE001
        result.error = (result.error + "; " if result.error else "") + f"baseline: {exc}"
