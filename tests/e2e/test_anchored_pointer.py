"""Each side's pointer shows on the element it is over, and the view shows at its top the
element at the top of the customer's screen, where the customer's layout differs from the view's:
here the customer's system asks for reduced motion, for which the page sets larger text, and the
mirror does not copy that preference: the page's text wraps otherwise and everything below it
moves, as it does with another engine or another system's fonts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from mirror.testing import Cobrowse, CobrowseSession
from mirror.testing.fidelity import differing_blocks, differing_share
from tests.e2e.matching import screen
from tests.e2e.test_fidelity_state import pointer_area
from tests.waiting import wait_for

PAGE = "/site/policies.html"
VIEWPORT: ViewportSize = {"width": 1280, "height": 1000}
POINTER_JS = """() => {
  for (const host of document.querySelectorAll("[data-cobrowse-widget]")) {
    const m = /translate\\(([-\\d.]+)px, ([-\\d.]+)px\\)/.exec(host.style.transform);
    if (m) return [Number(m[1]), Number(m[2])];
  }
  return null;
}"""


@pytest.fixture
def larger_fonts(browser: Browser) -> Iterator[Page]:
    """A customer whose system asks for reduced motion, for which the page sets its text at
    22 px (fixtures/site/policies.html): the mirror does not copy that preference, so the two
    layouts differ as another engine's or another system's fonts make them differ."""
    context = browser.new_context(viewport=VIEWPORT, reduced_motion="reduce")
    yield context.new_page()
    context.close()


def box_of(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box


def center(box: dict[str, float]) -> tuple[int, int]:
    return round(box["x"] + box["width"] / 2), round(box["y"] + box["height"] / 2)


def two_layouts(
    customer: Page, reference: Page, site: str, cobrowse: Cobrowse
) -> tuple[CobrowseSession, dict[str, float], dict[str, float]]:
    """A session on the page, and the button's box in the view's layout (the same page at the
    mirror's default font, in ``reference``) and on the customer's screen."""
    reference.set_viewport_size(VIEWPORT)
    reference.goto(f"{site}{PAGE}")
    customer.goto(f"{site}{PAGE}")
    in_view, on_screen = box_of(reference, "#book"), box_of(customer, "#book")
    assert on_screen["y"] - in_view["y"] > 60, "the layouts should differ"
    session = cobrowse.start(customer)
    session.join()
    return session, in_view, on_screen


def test_the_agents_pointer_lands_on_the_element_it_points_at(
    larger_fonts: Page, page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    customer = larger_fonts
    session, in_view, on_screen = two_layouts(customer, page, sample_site, cobrowse)
    agent = session.agent
    assert agent is not None
    view = box_of(agent, "[data-cobrowse-view]")
    scale = view["width"] / VIEWPORT["width"]
    x, y = in_view["x"] + in_view["width"] * 0.5, in_view["y"] + in_view["height"] * 0.5
    agent.mouse.move(view["x"] + x * scale, view["y"] + y * scale, steps=4)

    def pointed() -> bool:
        at = customer.evaluate(POINTER_JS)
        return at is not None and (
            on_screen["x"] <= at[0] <= on_screen["x"] + on_screen["width"]
            and on_screen["y"] <= at[1] <= on_screen["y"] + on_screen["height"]
        )

    wait_for(pointed, "the agent's pointer on the customer's button", timeout_s=15)


def test_the_customers_pointer_shows_on_the_element_it_is_over(
    larger_fonts: Page, page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    customer = larger_fonts
    session, in_view, on_screen = two_layouts(customer, page, sample_site, cobrowse)
    (vx, vy), (cx, cy) = center(in_view), center(on_screen)
    page.mouse.move(vx, vy)  # The reference hovers its button too: only the pointer differs.
    customer.mouse.move(cx, cy)

    def drawn_at(x: int, y: int) -> bool:  # A few blocks differ: the pointer, a dot and arrow.
        area = pointer_area(x, y)
        differing, _ = differing_blocks(screen(page).crop(area), session.view_image().crop(area))
        return len(differing) >= 2

    wait_for(lambda: drawn_at(vx, vy), "the customer's pointer on the view's button", 15)
    assert not drawn_at(cx, cy)  # Not at the customer's own point, below it in the view.


SMALL: ViewportSize = {"width": 1280, "height": 400}
TOP_BAND = (0, 0, 1280, 160)


def small_windows(
    customer: Page, reference: Page, site: str, cobrowse: Cobrowse
) -> CobrowseSession:
    """The page in a short window on both sides, and a session on the customer's."""
    for each in (customer, reference):
        each.set_viewport_size(SMALL)
        each.goto(f"{site}{PAGE}")
    return cobrowse.start(customer)


def test_the_view_shows_at_its_top_the_element_at_the_top_of_the_customers_screen(
    larger_fonts: Page, page: Page, sample_site: str, cobrowse: Cobrowse
) -> None:
    customer = larger_fonts
    session = small_windows(customer, page, sample_site, cobrowse)

    def scrolled_to(selector: str) -> None:  # Both layouts: the view's and the customer's.
        scroll = f"() => document.querySelector({selector!r}).scrollIntoView()"
        page.evaluate(scroll)
        customer.evaluate(scroll)
        mirror_room = page.evaluate("document.documentElement.scrollHeight - innerHeight")
        # Not the same offset, and room in the view's layout to scroll past the customer's.
        assert mirror_room > customer.evaluate("scrollY") > page.evaluate("scrollY") + 60

    def alike() -> bool:
        expected, actual = screen(page).crop(TOP_BAND), session.view_image().crop(TOP_BAND)
        return differing_share(expected, actual) < 0.05

    scrolled_to("#book")  # Before the agent joins: the snapshot's offset.
    session.join()
    wait_for(alike, "the view's top showing the customer's top element at the join", 15)
    scrolled_to("#records")  # While shared.
    wait_for(alike, "the view's top showing the customer's top element", 15)


TERMS_TOP_JS = """([selector, gap]) => {
  const box = document.querySelector("#terms");
  box.scrollTop += document.querySelector(selector).getBoundingClientRect().top
    - box.getBoundingClientRect().top - box.clientTop - gap;
  box.scrollIntoView({ block: "center" });
  const r = box.getBoundingClientRect();
  return [Math.round(r.left), Math.round(r.top), Math.round(r.right), Math.round(r.bottom)];
}"""


# Term 3 right at the box's top, or a few pixels below it: the box's top line then falls in the
# gap between two terms, where only the box and what is around it are. Scrolled while shared,
# or before the join: then the box's offset comes in the customer's snapshot.
@pytest.mark.parametrize(("gap", "shared"), [(0, True), (4, True), (0, False)])
def test_an_inner_scroll_box_shows_the_customers_top_element_at_its_top(
    larger_fonts: Page, page: Page, sample_site: str, cobrowse: Cobrowse, gap: int, shared: bool
) -> None:
    # A box of its own scroll: the customer scrolls it so that a term is at its top; the view's
    # box shows that term at its top too, though its layout needs another offset for it.
    customer = larger_fonts
    session = small_windows(customer, page, sample_site, cobrowse)
    if shared:
        session.join()
    box = page.evaluate(TERMS_TOP_JS, ["#term-3", gap])
    customer.evaluate(TERMS_TOP_JS, ["#term-3", gap])
    if not shared:
        session.join()
    offsets = [
        each.evaluate("document.querySelector('#terms').scrollTop") for each in (customer, page)
    ]
    assert offsets[0] > offsets[1] + 40, "the layouts should need other offsets"
    inside = (box[0] + 2, box[1] + 2, box[2] - 2, box[1] + 60)  # The box's first lines.

    def alike() -> bool:
        expected, actual = screen(page).crop(inside), session.view_image().crop(inside)
        return differing_share(expected, actual) < 0.05

    wait_for(alike, "the view's box showing the customer's top term", 15)
