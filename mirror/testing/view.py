"""The agent's view against the customer's screen: where an element is, what the view shows
there, and waiting frame by frame until the two agree (or the area is masked)."""

from __future__ import annotations

import base64
import contextlib
import io
import time

from PIL import Image
from playwright.sync_api import Locator, Page, expect

from mirror.frames.redact import EDGE_PX, TOLERANCE
from mirror.testing.fidelity import Box, differing_share

# Boxes here are in CSS pixels of the customer's viewport.

# An element "is shown" when at most this share of its 8x8 blocks differ (testing/fidelity.py).
MAX_DIFFERING_SHARE = 0.05

PRIVATE_RECTS_JS = """() => {
  const boxes = [];
  const add = (el) => {
    for (const r of el.getClientRects()) boxes.push([r.left, r.top, r.right, r.bottom]);
  };
  document.querySelectorAll("[data-cobrowse-masked]").forEach(add);
  document.querySelectorAll("[data-cobrowse-widget]").forEach((host) =>
    host.shadowRoot && host.shadowRoot.querySelectorAll("*").forEach(add));
  const m = 4;  // The masked marking's outline lies just outside the element.
  const grow = ([l, t, r, b]) =>
    [Math.floor(l) - m, Math.floor(t) - m, Math.ceil(r) + m, Math.ceil(b) + m];
  return boxes.map(grow);
}"""


# The mirror has no focus, so the customer's focus ring is on their screen only: the view is
# compared with the screen as it is and with focused elements' rings left out.
NO_FOCUS_RING_CSS = (
    "*:focus, *:focus-visible { outline: none !important; box-shadow: none !important; }"
)


def relative(rect: Box, origin: Box) -> Box:
    return rect[0] - origin[0], rect[1] - origin[1], rect[2] - origin[0], rect[3] - origin[1]


def around(rect: Box, margin: int, width: int, height: int) -> Box:
    """``rect`` grown by ``margin`` on each side, clipped to the viewport."""
    left, top, right, bottom = rect
    return (
        max(0, left - margin),
        max(0, top - margin),
        min(width, right + margin),
        min(height, bottom + margin),
    )


def png_image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def view_image(view: Locator) -> Image.Image:
    """The view canvas's own pixels: one per CSS pixel of the customer's viewport, whatever the
    agent's zoom."""
    data_url = view.evaluate("canvas => canvas.toDataURL('image/png')")
    return png_image(base64.b64decode(str(data_url).split(",", 1)[1]))


def viewport_size(page: Page) -> tuple[int, int]:
    size = page.viewport_size or page.evaluate("() => ({width: innerWidth, height: innerHeight})")
    return int(size["width"]), int(size["height"])


def private_rects(customer: Page) -> list[Box]:
    """Areas that legitimately differ between the two screens: masked elements, and the co-browse
    widget and agent pointer (drawn on the customer's page only)."""
    boxes = customer.evaluate(PRIVATE_RECTS_JS)
    return [(int(b[0]), int(b[1]), int(b[2]), int(b[3])) for b in boxes]


def wait_for_next_frame(view: Locator, frames: str, remaining_ms: float) -> None:
    """Wait until the view draws another frame (its ``data-frames`` count changes)."""
    with contextlib.suppress(AssertionError):  # No new frame in time: the caller decides.
        expect(view).not_to_have_attribute("data-frames", frames, timeout=max(remaining_ms, 1))


def wait_until_shown(
    customer: Page, view: Locator, rect: Box, timeout_s: float, leave_out: Box | None = None
) -> float:
    """Wait, frame by frame, until the view matches the customer's screen over ``rect`` (but
    ``leave_out``); returns the last share of differing 8x8 blocks."""
    deadline = time.monotonic() + timeout_s
    while True:
        frames = view.get_attribute("data-frames") or ""
        actual = view_image(view).crop(rect)
        left_out = private_rects(customer) + ([leave_out] if leave_out else [])
        ignore = [relative(r, rect) for r in left_out]
        share = 1.0
        for style in (None, NO_FOCUS_RING_CSS):
            # The whole viewport, cropped here: a screenshot's clip is in page coordinates.
            expected = png_image(customer.screenshot(caret="hide", style=style)).crop(rect)
            share = min(share, differing_share(expected, actual, ignore))
            if share <= MAX_DIFFERING_SHARE:
                break
        remaining_ms = (deadline - time.monotonic()) * 1000
        if share <= MAX_DIFFERING_SHARE or remaining_ms <= 0:
            return share
        wait_for_next_frame(view, frames, remaining_ms)


def wait_until_flat(view: Locator, rect: Box, timeout_s: float) -> int:
    """Wait, frame by frame, until the view is one flat colour inside ``rect`` (a mask's
    blurred edge aside); returns the last spread of levels."""
    inner = (rect[0] + EDGE_PX, rect[1] + EDGE_PX, rect[2] - EDGE_PX, rect[3] - EDGE_PX)
    if inner[2] <= inner[0] or inner[3] <= inner[1]:
        inner = rect  # Too small to leave the edge out.
    deadline = time.monotonic() + timeout_s
    while True:
        frames = view.get_attribute("data-frames") or ""
        extrema = view_image(view).crop(inner).getextrema()
        spread = max(int(high) - int(low) for low, high in extrema)  # type: ignore[misc]
        remaining_ms = (deadline - time.monotonic()) * 1000
        if spread <= TOLERANCE or remaining_ms <= 0:
            return spread
        wait_for_next_frame(view, frames, remaining_ms)
