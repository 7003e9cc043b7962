"""Fidelity of the customer's state that the DOM alone does not carry: focus (and its ring),
the colour scheme, the pixel density, and media shown as their current frame.

Each test compares an area of the agent's view with the same area of the customer's screen, frame
by frame until they match, and checks the state was visible at all (the area changed on the
customer's screen), so a match means the agent saw it.
"""

from __future__ import annotations

import contextlib
import time

from PIL import Image, ImageStat
from playwright.sync_api import Browser, Page, expect

from mirror.testing import Cobrowse, CobrowseSession
from mirror.testing.fidelity import Box, differing_share
from tests.e2e.matching import (
    AREA_TARGET,
    AREA_TIMEOUT_S,
    TARGET,
    area_of,
    area_share,
    changed,
    screen,
    start,
    until_matched,
    wait_for_area,
    wait_for_match,
)

NEXT_FRAME_JS = "() => new Promise((done) => requestAnimationFrame(() => done(true)))"
RING_SHOWN = 15  # Mean grey change along a ring strip when the ring shows.
RING_MATCH = 8  # Mean grey difference along a ring strip between view and screen (JPEG).


def ring_strips(page: Page, selector: str) -> list[Box]:
    """Thin strips just outside the element's box, along the middle of each edge: where a focus
    ring (outline or box-shadow) is drawn. Too fine for the 8x8 block measure to see."""
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not visible"
    left, top = int(box["x"]), int(box["y"])
    right, bottom = int(box["x"] + box["width"]), int(box["y"] + box["height"])
    dx, dy = (right - left) // 5, (bottom - top) // 5
    return [
        (left + dx, top - 3, right - dx, top - 1),
        (left + dx, bottom + 1, right - dx, bottom + 3),
        (left - 3, top + dy, left - 1, bottom - dy),
        (right + 1, top + dy, right + 3, bottom - dy),
    ]


def colour_gap(a: Image.Image, b: Image.Image, strips: list[Box]) -> float:
    """The largest difference of mean grey (0..255) between a and b over a strip. Grey, because
    JPEG keeps colour at half resolution: a thin coloured line's hue bleeds, its lightness not."""
    grey_a, grey_b = a.convert("L"), b.convert("L")
    return max(
        abs(ImageStat.Stat(grey_a.crop(s)).mean[0] - ImageStat.Stat(grey_b.crop(s)).mean[0])
        for s in strips
    )


def wait_for_ring(session: CobrowseSession, strips: list[Box]) -> float:
    """Frame by frame, until the view's colours match the customer's along ``strips``."""
    deadline = time.monotonic() + AREA_TIMEOUT_S
    while True:
        frames = session.view.get_attribute("data-frames") or ""
        gap = colour_gap(screen(session.customer), session.view_image(), strips)
        remaining_ms = (deadline - time.monotonic()) * 1000
        if gap < RING_MATCH or remaining_ms <= 0:
            return gap
        with contextlib.suppress(AssertionError):
            expect(session.view).not_to_have_attribute(
                "data-frames", frames, timeout=min(remaining_ms, 1000)
            )


def wait_for_customer_ring(page: Page, before: Image.Image, strips: list[Box]) -> float:
    """Until the ring has appeared on the customer's screen (a component may fade it in)."""
    deadline = time.monotonic() + AREA_TIMEOUT_S
    while True:
        gap = colour_gap(before, screen(page), strips)
        if gap > RING_SHOWN or time.monotonic() > deadline:
            return gap
        page.wait_for_function(NEXT_FRAME_JS)


# -- focus ---------------------------------------------------------------------------------


def test_the_agent_sees_the_field_the_customer_tabbed_to(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/state/")
    form = area_of(page, "#profile")
    assert wait_for_area(session, form) < AREA_TARGET
    before = screen(page).crop(form)
    page.locator("#nickname").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#hometown")).to_be_focused()
    assert changed(before, screen(page).crop(form))  # Focus ring and :focus-within.
    assert wait_for_area(session, form) < AREA_TARGET


def test_a_focus_ring_shows_after_tab_and_not_after_a_click(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/state/")
    buttons, cancel = area_of(page, ".row"), area_of(page, "#cancel")
    page.locator("#save").click()  # :focus without :focus-visible: no ring.
    expect(page.locator("#save")).to_be_focused()
    assert wait_for_area(session, buttons) < AREA_TARGET
    clicked = screen(page).crop(cancel)
    page.keyboard.press("Tab")  # :focus-visible on Cancel: a ring.
    expect(page.locator("#cancel")).to_be_focused()
    assert changed(clicked, screen(page).crop(cancel))
    assert wait_for_area(session, buttons) < AREA_TARGET


def test_focus_leaving_the_page_leaves_the_view(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/state/")
    form = area_of(page, "#profile")
    page.locator("#hometown").focus()
    assert wait_for_area(session, form) < AREA_TARGET
    page.locator("#hometown").blur()
    assert wait_for_area(session, form) < AREA_TARGET


def test_focus_inside_a_web_component_shows_in_the_view(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/components/")
    strips = ring_strips(page, "#email [part=base]")
    assert wait_for_ring(session, strips) < RING_MATCH
    before = screen(page)
    page.locator("#full-name input").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#email input")).to_be_focused()
    assert wait_for_customer_ring(page, before, strips) > RING_SHOWN  # Shoelace's ring shows.
    assert wait_for_ring(session, strips) < RING_MATCH
    assert wait_for_match(session) < TARGET


# -- the customer's screen -----------------------------------------------------------------


def open_customer(browser: Browser, **screen_options: object) -> Page:
    """A customer's page in a browser set up like their screen (colour scheme, density)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, **screen_options)  # type: ignore[arg-type]
    return context.new_page()


def test_the_view_follows_the_customers_dark_colour_scheme(
    browser: Browser, sample_site: str, cobrowse: Cobrowse
) -> None:
    page = open_customer(browser, color_scheme="dark")
    try:
        session = start(page, cobrowse, f"{sample_site}/state/")
        expect(page.locator("#scheme")).to_be_visible()
        badge = area_of(page, "#scheme", margin=0)
        assert page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches")
        assert wait_for_match(session) < TARGET
        assert wait_for_area(session, badge) < AREA_TARGET  # "Dark theme", not "Light theme".
    finally:
        page.context.close()


def test_the_view_follows_the_colour_scheme_changing_during_the_session(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/state/")
    badge = area_of(page, "#scheme", margin=0)
    assert wait_for_area(session, badge) < AREA_TARGET  # "Light theme".
    light = screen(page)
    page.emulate_media(color_scheme="dark")  # The customer's system turns to dark mode.
    assert changed(light.crop(badge), screen(page).crop(badge))
    assert wait_for_area(session, badge) < AREA_TARGET  # "Dark theme".
    assert wait_for_match(session) < TARGET


def test_the_view_follows_the_customers_pixel_density_at_one_pixel_per_css_pixel(
    browser: Browser, sample_site: str, cobrowse: Cobrowse
) -> None:
    page = open_customer(browser, device_scale_factor=2)
    try:
        session = start(page, cobrowse, f"{sample_site}/state/")
        density = area_of(page, "#density", margin=0)
        assert wait_for_area(session, density) < AREA_TARGET  # The high-density style.
        assert session.view_image().size == (1280, 800)
        assert wait_for_area(session, (0, 0, 1280, 800)) < TARGET
    finally:
        page.context.close()


# -- media -----------------------------------------------------------------------------------


def test_a_video_not_played_yet_shows_its_poster(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/state/")
    page.wait_for_function("() => document.getElementById('clip').readyState >= 2")
    assert wait_for_area(session, area_of(page, "#clip", margin=0)) < AREA_TARGET
    assert wait_for_match(session) < TARGET


def play_then_pause(page: Page, clip: str) -> Box:
    """Play the video (``clip``: a JS expression) past 1.2 s and pause it; its area, which shows
    a frame and no longer the poster on the customer's screen."""
    video = area_of(page, "#clip", margin=0)
    poster = screen(page).crop(video)
    page.evaluate(f"() => {clip}.play()")
    page.wait_for_function(f"() => {clip}.currentTime > 1.2")
    page.evaluate(f"() => {clip}.pause()")
    assert changed(poster, screen(page).crop(video))
    return video


def test_a_paused_video_shows_the_frame_the_customer_sees(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/state/")
    video = play_then_pause(page, "document.getElementById('clip')")
    assert wait_for_area(session, video) < AREA_TARGET
    session.assert_shown_to_agent("#clip")


# The page's video moved into a web component's open shadow root (a video player component).
INTO_SHADOW_ROOT_JS = """() => {
  const clip = document.getElementById('clip');
  const host = document.createElement('div');
  host.id = 'player';
  clip.replaceWith(host);
  host.attachShadow({ mode: 'open' }).append(clip);
}"""


def test_a_paused_video_inside_a_web_component_shows_its_frame(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    page.goto(f"{sample_site}/state/")
    page.evaluate(INTO_SHADOW_ROOT_JS)
    session = start(page, cobrowse, f"{sample_site}/state/#")  # Same page: no reload.
    video = play_then_pause(page, "document.querySelector('#player').shadowRoot.firstChild")
    assert wait_for_area(session, video) < AREA_TARGET


# -- pressed (:active) -------------------------------------------------------------------------


def test_a_button_the_customer_holds_down_shows_pressed(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/state/")
    button = area_of(page, "#save", margin=0)
    released = screen(page).crop(button)
    x, y = (button[0] + button[2]) // 2, (button[1] + button[3]) // 2
    # The customer's pointer is drawn in the view (not on the customer's screen): left out.
    pointer = (x - button[0] - 12, y - button[1] - 12, x - button[0] + 28, y - button[1] + 32)

    def button_share() -> float:
        expected, actual = screen(page).crop(button), session.view_image().crop(button)
        return differing_share(expected, actual, [pointer])

    page.mouse.move(x, y)
    page.mouse.down()
    assert changed(released, screen(page).crop(button))  # :active shows for the customer...
    assert until_matched(session, button_share, AREA_TARGET, AREA_TIMEOUT_S) < AREA_TARGET
    page.mouse.up()  # ...and in the view, until released.
    assert not changed(released, screen(page).crop(button))
    assert until_matched(session, button_share, AREA_TARGET, AREA_TIMEOUT_S) < AREA_TARGET


def pointer_area(x: int, y: int) -> Box:
    """Where the view draws the customer's pointer at (x, y): a dot and an arrow below right."""
    return (x - 16, y - 16, x + 32, y + 40)


def test_the_customers_pointer_shows_where_it_came_to_rest(
    page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    session = start(page, cobrowse, f"{sample_site}/state/menu.html")
    page.mouse.move(700, 400)
    shown = pointer_area(700, 400)
    # Drawn there (the view differs from the screen, which shows no pointer)...
    alike = until_matched(session, lambda: 1 - area_share(session, shown), 0.9, AREA_TIMEOUT_S)
    assert 1 - alike > 0.1
    # ...then a move and, at once, another: the last one lands within the sampling interval.
    page.mouse.move(710, 405)
    page.mouse.move(1100, 700)
    assert wait_for_area(session, pointer_area(705, 402)) < AREA_TARGET
