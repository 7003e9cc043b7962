"""How soon the agent's view matches the customer's screen again after a change (issue target:
within 200 ms): typing, scrolling, opening a menu in a web component, a canvas redraw, an
iframe navigation, a pinch zoom on a phone, on the fixture pages.

The agent's page notes the wall-clock time of every frame it draws, with a copy of the view, and
the customer's screen is recorded the same way (its own screencast). Once the customer's page has
settled, every copy on both sides is compared with the customer's final screen, over the whole
screen and over the blocks the change altered: the time from the first customer frame that
matches (the change fully shown to the customer: an animated menu or chart, a frame's page loading
take their own time) to the first view frame that matches is the figure. Both pages run on this
machine, so their clocks are one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from PIL import Image
from playwright.async_api import Page, async_playwright

from bench.fidelity import (
    DEVICES,
    TARGET,
    image_of,
    image_of_data_url,
    joined,
    pinch,
    settled,
)
from bench.pages import launch
from bench.servers import serving
from mirror.testing.fidelity import PRIVATE_AREAS_JS, Block, Box, as_rects, differing_blocks

SETTLE_S = 1.5  # The customer's page is still by then (menus and charts animate for less).

# Each frame the view draws: its time and a copy (JPEG: the metric ignores its artefacts).
RECORD_JS = """view => {
  window.__rematch = [];
  new MutationObserver(() => {
    const at = Date.now();
    window.__rematch.push([at, view.toDataURL('image/jpeg', 0.92)]);
  }).observe(view, { attributes: true, attributeFilter: ['data-frames'] });
}"""


async def _type(page: Page) -> None:
    await page.locator("#text").fill("Typed by the customer")


async def _scroll(page: Page) -> None:
    await page.mouse.wheel(0, 900)


async def _open_menu(page: Page) -> None:
    await page.get_by_role("button", name="Alex Morgan").click()


async def _redraw(page: Page) -> None:
    await page.locator("#refresh").click()


async def _redraw_webgl(page: Page) -> None:
    await page.locator("#night").click()


async def _navigate_frame(page: Page) -> None:
    await page.locator("#link-shipping").click()


async def _pinch(page: Page) -> None:
    await pinch(page, 2.0)


Change = Callable[[Page], Awaitable[None]]
# Each change: its name, the page, what the customer does, and the customer's device.
CHANGES: tuple[tuple[str, str, Change, str], ...] = (
    ("typing", "form/", _type, "desktop"),
    ("scrolling", "form/", _scroll, "desktop"),
    ("menu in a web component", "components/", _open_menu, "desktop"),
    ("canvas redraw", "dashboard/", _redraw, "desktop"),
    ("WebGL redraw", "stores/", _redraw_webgl, "desktop"),
    ("iframe navigation", "help/", _navigate_frame, "desktop"),
    ("pinch zoom on a phone", "phone/", _pinch, "phone"),
)


@dataclass
class Rematch:
    change: str
    page: str
    ms: float | None = None  # Customer's screen final -> the view matching; None: it never did.
    customer_ms: float | None = None  # From the action to the customer's screen being final.
    frames: int = 0  # Frames the view drew after the change.
    share: float | None = None  # The last frame's share of differing blocks.
    changed_blocks: int = 0  # Blocks of the customer's screen the change altered.
    error: str | None = None


@dataclass
class _Final:
    """The customer's final screen, and the blocks the change altered on it."""

    image: Image.Image
    private: list[Box]
    changed: set[Block]

    def matches(self, image: Image.Image) -> tuple[bool, float]:
        """Under 1 % of all blocks differ, and under 1 % of the changed ones (a menu or a field
        is a small share of the screen: the whole-screen share alone would pass it unchanged);
        with the whole-screen share."""
        differing, counted = differing_blocks(self.image, image, self.private)
        share = len(differing) / counted if counted else 0.0
        within = len(differing & self.changed) / len(self.changed) if self.changed else 0.0
        return share < TARGET and within < TARGET, share


async def _first_match(
    frames: list[tuple[float, Image.Image]], final: _Final
) -> tuple[float | None, float | None]:
    """The time of the first frame that matches the final screen, and the last frame's share."""
    first, share = None, None
    for at, image in frames:
        matches, share = await asyncio.to_thread(final.matches, image)
        if matches and first is None:
            first = at
    return first, share


async def _record_screen(page: Page) -> list[tuple[float, bytes]]:
    """The customer's screen, frame by frame with the time each arrived (screencast)."""
    frames: list[tuple[float, bytes]] = []
    cdp = await page.context.new_cdp_session(page)

    def on_frame(params: dict[str, Any]) -> None:
        frames.append((time.time() * 1000, base64.b64decode(params["data"])))
        ack = cdp.send("Page.screencastFrameAck", {"sessionId": params["sessionId"]})
        asyncio.ensure_future(ack)

    cdp.on("Page.screencastFrame", on_frame)
    size = page.viewport_size or {"width": 1280, "height": 800}
    # One pixel per CSS pixel, as the view, on a dense screen too.
    params = {
        "format": "jpeg",
        "quality": 90,
        "maxWidth": size["width"],
        "maxHeight": size["height"],
    }
    await cdp.send("Page.startScreencast", params)
    return frames


async def _measure_change(
    page: Page,
    view_frames: Callable[[], Awaitable[list[list[Any]]]],
    result: Rematch,
    change: Callable[[Page], Awaitable[None]],
) -> None:
    # The customer's caret blinks in the screencast (never in the view): hidden throughout, or a
    # blink in a field's few blocks would count as the field not matching yet.
    await page.add_style_tag(content="* { caret-color: transparent !important; }")
    before = image_of(await page.screenshot(caret="hide", scale="css"))
    screen = await _record_screen(page)
    started = time.time() * 1000
    await change(page)
    await asyncio.sleep(SETTLE_S)
    private = as_rects(await page.evaluate(PRIVATE_AREAS_JS))
    expected = image_of(await page.screenshot(caret="hide", scale="css"))
    changed, _ = await asyncio.to_thread(differing_blocks, before, expected, private)
    final_screen = _Final(expected, private, changed)
    result.changed_blocks = len(changed)
    shown = [(at, image_of(jpeg)) for at, jpeg in screen if at >= started]
    final, _ = await _first_match(shown, final_screen)
    final = started if final is None else final  # No frame after the action: final at once.
    result.customer_ms = final - started
    frames = [(at, image_of_data_url(url)) for at, url in await view_frames()]
    result.frames = len(frames)
    matched, result.share = await _first_match(frames, final_screen)
    if matched is not None:
        result.ms = max(0.0, matched - final)


async def _measure(server_url: str, site_url: str) -> list[Rematch]:
    results = []
    async with async_playwright() as playwright:
        browser, _ = await launch(playwright)
        try:
            for name, path, change, device in CHANGES:
                result = Rematch(name, path)
                results.append(result)
                url = f"{site_url}/{path}"
                try:
                    async with joined(browser, server_url, url, DEVICES[device]) as session:
                        await settled(session.customer, session.grab)
                        await session.view.evaluate(RECORD_JS)

                        async def view_frames(view: Any = session.view) -> list[list[Any]]:
                            return list(await view.evaluate("() => window.__rematch"))

                        await _measure_change(session.customer, view_frames, result, change)
                except Exception as exc:  # noqa: BLE001 - a failed change is a figure, not a crash.
                    result.error = str(exc)
        finally:
            with contextlib.suppress(Exception):
                await browser.close()
    return results


def measure() -> list[dict[str, Any]]:
    """Each change against a fresh server and site; one dict per change."""
    with serving() as served:
        return [asdict(r) for r in asyncio.run(_measure(served.server, served.site))]


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| Change | Page | blocks changed | customer's screen final after |"
        " view matches again after that | frames drawn | last frame differs |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ms = "never" if row["ms"] is None else f"{row['ms']:.0f} ms"
        share = "–" if row["share"] is None else f"{row['share']:.2%}"
        note = f" ({row['error']})" if row.get("error") else ""
        final = "–" if row["customer_ms"] is None else f"{row['customer_ms']:.0f} ms"
        lines.append(
            f"| {row['change']}{note} | {row['page']} | {row.get('changed_blocks', 0)} | {final} "
            f"| {ms} | {row['frames']} | {share} |"
        )
    return "\n".join(lines) + "\n"
