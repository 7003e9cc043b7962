"""Canvases reach the agent as pictures: a WebGL map drawn before the session and redrawn during
it, and never a canvas inside a private area.

The stores page draws its map with WebGL and the context's default attributes, so the drawing
buffer is cleared once shown: the hard case for reading a canvas.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from mirror.testing import Cobrowse, CobrowseSession
from mirror.testing.fidelity import is_blank
from tests.e2e.matching import AREA_TARGET, area_of, changed, screen, start, wait_for_area

SIGNATURE_PICTURE = re.compile(rb'"args":\[0,0,246,90\]')  # The pad's size: a picture of it.
SNAPSHOT_PICTURE_OF_MAP = re.compile(rb'"id":"map"[^{}]*"rr_dataURL"')
SNAPSHOT_PICTURE_OF_SIGNATURE = re.compile(rb'"id":"signature"[^{}]*"rr_dataURL"')


def redraw_the_map_and_see_it(page: Page, session: CobrowseSession) -> None:
    """The map shows in the view, then its night drawing once the customer switches to it."""
    map_area = area_of(page, "#map", margin=0)
    assert wait_for_area(session, map_area) < AREA_TARGET
    day = screen(page).crop(map_area)
    page.locator("#night").click()
    assert changed(day, screen(page).crop(map_area))
    assert wait_for_area(session, map_area) < AREA_TARGET


def test_a_webgl_map_drawn_before_the_session_shows_in_the_view(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/stores/")
    map_area = area_of(page, "#map", margin=0)
    assert not is_blank(screen(page).crop(map_area))
    assert wait_for_area(session, map_area) < AREA_TARGET


def test_a_webgl_map_redrawn_during_the_session_shows_the_new_drawing(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/stores/")
    redraw_the_map_and_see_it(page, session)
    # The moon's context was made before the script ran: its drawing buffer is cleared once
    # shown, so the capture copies each drawing at the end of the task that drew it.
    assert wait_for_area(session, area_of(page, "#moon", margin=0)) < AREA_TARGET


def test_a_browser_without_offscreen_canvas_still_sends_the_redrawn_map(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    # As Safari before 16.4: the pictures are encoded on a canvas element instead.
    page.add_init_script("delete globalThis.OffscreenCanvas")
    redraw_the_map_and_see_it(page, start(page, cobrowse, f"{sample_site}/stores/"))


def test_a_canvas_in_a_private_area_never_leaves_the_customers_browser(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/stores/")
    page.locator("#sign").click()  # Signed before the agent joins: in the first snapshot.
    session = cobrowse.start(page)
    session.join()
    page.locator("#sign").click()  # And again while the agent watches.
    page.locator("#night").click()  # A canvas that may be shown, drawn after it.
    assert wait_for_area(session, area_of(page, "#map", margin=0)) < AREA_TARGET
    expect(page.locator("#signature")).to_be_visible()
    wire = session.wire()
    assert [m for m in wire if SNAPSHOT_PICTURE_OF_MAP.search(m)], "pictures do travel"
    assert not [m for m in wire if SNAPSHOT_PICTURE_OF_SIGNATURE.search(m)]
    assert not [m for m in wire if SIGNATURE_PICTURE.search(m)]
