"""What the e2e tests share: starting a joined session on a sample page, and comparing the agent's
view with the customer's screen (the whole viewport or one area) frame by frame until they match.

The measure is mirror/testing/fidelity.py's: the share of 8x8 blocks of grey that differ; the
widget, masked fields and private cross-origin frames are left out.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable

from PIL import Image
from playwright.sync_api import Page, expect

from mirror.testing import Cobrowse, CobrowseSession
from mirror.testing.fidelity import PRIVATE_AREAS_JS, Box, as_rects, differing_share

TARGET = 0.01  # Share of 8x8 blocks that may differ over the whole viewport.
MATCH_TIMEOUT_S = 20.0
AREA_TARGET = 0.02  # Share of 8x8 blocks that may differ in a compared area.
AREA_TIMEOUT_S = 20.0
RING_PX = 10  # Focus rings and outlines lie outside the element's box.

# Playwright's selector step into a frame: "#outer >> internal:control=enter-frame >> #field".
ENTER_FRAME = " >> internal:control=enter-frame >> "

# The page has loaded (its own scripts have run) before the customer starts co-browsing.
READY_JS = "() => document.readyState === 'complete'"


def start(page: Page, cobrowse: Cobrowse, url: str) -> CobrowseSession:
    """Open ``url`` as the customer, start a session once the page has loaded, and join it."""
    page.goto(url)
    page.wait_for_function(READY_JS)
    session = cobrowse.start(page)
    session.join()
    return session


def agent_of(session: CobrowseSession) -> Page:
    """The joined session's agent page."""
    assert session.agent is not None, "the session has no agent: start() joins one"
    return session.agent


def screen(page: Page) -> Image.Image:
    """The customer's viewport, one pixel per CSS pixel."""
    return Image.open(io.BytesIO(page.screenshot(caret="hide", scale="css"))).convert("RGB")


def area_of(page: Page, selector: str, margin: int = RING_PX) -> Box:
    """The element's box on the customer's viewport, widened by ``margin`` on each side."""
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not visible"
    left, top = int(box["x"]) - margin, int(box["y"]) - margin
    return (left, top, left + int(box["width"]) + 2 * margin, top + int(box["height"]) + 2 * margin)


def changed(before: Image.Image, after: Image.Image) -> bool:
    """The customer's screen shows the state (so matching it means the agent sees it too)."""
    return differing_share(before, after) > 0.1


def share_now(session: CobrowseSession, masked: tuple[str, ...] = ()) -> float:
    """The share of differing blocks between the customer's viewport and the agent's view;
    ``masked`` selectors name private fields the customer's page does not mark itself (inside
    shadow roots), left out too."""
    customer = session.customer
    private = as_rects(customer.evaluate(PRIVATE_AREAS_JS))
    for selector in masked:
        box = customer.locator(selector).bounding_box()
        if box is not None:
            left, top = int(box["x"]) - 4, int(box["y"]) - 4
            private.append((left, top, left + int(box["width"]) + 8, top + int(box["height"]) + 8))
    return differing_share(screen(customer), session.view_image(), private)


def area_share(session: CobrowseSession, area: Box) -> float:
    """Differing blocks over ``area``; the widget and marked private fields are left out."""
    private = as_rects(session.customer.evaluate(PRIVATE_AREAS_JS))
    ignore = [(r[0] - area[0], r[1] - area[1], r[2] - area[0], r[3] - area[1]) for r in private]
    expected, actual = screen(session.customer).crop(area), session.view_image().crop(area)
    return differing_share(expected, actual, ignore)


def screens(session: CobrowseSession) -> str:
    """The customer's screen as the page sees it, for a mismatch's evidence."""
    return str(
        session.customer.evaluate(
            """() => ({inner: [innerWidth, innerHeight], ratio: devicePixelRatio,
                visual: [visualViewport.offsetLeft, visualViewport.offsetTop,
                         visualViewport.width, visualViewport.height, visualViewport.scale]})"""
        )
    )


def until_matched(
    session: CobrowseSession, measure: Callable[[], float], target: float, timeout_s: float
) -> float:
    """Frame by frame, until ``measure()`` (a share of differing blocks) is under ``target``;
    the last share. On a mismatch both screens are saved as evidence."""
    deadline = time.monotonic() + timeout_s
    while True:
        frames = session.view.get_attribute("data-frames") or ""
        share = measure()
        remaining_ms = (deadline - time.monotonic()) * 1000
        if share < target or remaining_ms <= 0:
            if share >= target:
                print(f"evidence in {session.save_evidence()}")
                size = session.view_image().size
                print(f"view {size}, {frames} frames drawn; customer {screens(session)}")
            return share
        # The customer's page may still be animating while the view is settled: wait for
        # whichever comes first, a new frame or a short while for the page.
        with contextlib.suppress(AssertionError):
            expect(session.view).not_to_have_attribute(
                "data-frames", frames, timeout=min(remaining_ms, 1000)
            )


def wait_for_match(
    session: CobrowseSession, timeout_s: float = MATCH_TIMEOUT_S, masked: tuple[str, ...] = ()
) -> float:
    """Until the view matches the customer's whole viewport; the last share."""
    return until_matched(session, lambda: share_now(session, masked), TARGET, timeout_s)


def wait_for_area(session: CobrowseSession, area: Box) -> float:
    """Frame by frame, until the view matches the customer's screen over ``area``."""
    return until_matched(session, lambda: area_share(session, area), AREA_TARGET, AREA_TIMEOUT_S)
