"""A customer in WebKit (Safari's engine) or Firefox (tests/e2e/engines.py) and the agent in
Chromium: the main journeys. Those engines lay the page out otherwise than the server's Chromium,
so where the agent's view shows an element is read from a reference page: the same page in
Chromium at the customer's viewport, which is the view's layout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from mirror.testing import CobrowseServer, firefox, webkit
from mirror.testing.fidelity import (
    PRIVATE_AREAS_JS,
    Box,
    as_rects,
    differing_blocks,
    differing_share,
)
from mirror.testing.view import TOLERANCE, view_image, wait_until_flat
from mirror.testing.xdisplay import virtual_display
from tests.e2e.engines import EngineCustomer, FirefoxCustomer, WebKitCustomer
from tests.e2e.matching import READY_JS, screen
from tests.e2e.test_anchored_pointer import POINTER_JS
from tests.e2e.test_fidelity_state import pointer_area
from tests.waiting import wait_for

PAGE = "/shop/checkout.html"
WINDOW = (1280, 900)
CANARY = "4929 1111 2222 3333"
# tests/conftest.py's [masking] hidden and blocked: the view shows them as boxes.
MASKED = "input[type=password], [autocomplete^='cc-'], #loyalty"
MASKED_AREAS_JS = """(selector) => [...document.querySelectorAll(selector)].map((el) => {
  const r = el.getBoundingClientRect();
  const [left, top] = [Math.floor(r.left) - 4, Math.floor(r.top) - 4];
  return [left, top, Math.ceil(r.right) + 4, Math.ceil(r.bottom) + 4];
})"""
TIMEOUT_MS = 20_000
HEADER_PX = 70  # The page's sticky header, which no scroll moves.
COLUMN_JS = """(selector) => {
  const box = document.querySelector(selector).closest("fieldset").getBoundingClientRect();
  return [Math.floor(box.left), Math.ceil(box.right)];
}"""
MAX_OFFSET_PX = 8  # How far the view may sit from Chromium's own layout after a scroll.


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    lacking = webkit.missing()
    assert lacking is None, f"{lacking} is missing: `make setup` installs it"
    with virtual_display() as number:
        yield number


@pytest.fixture(params=["webkit", "firefox"])
def customer(request: pytest.FixtureRequest) -> Iterator[EngineCustomer]:
    if request.param == "webkit":
        with webkit.minibrowser(request.getfixturevalue("display"), *WINDOW) as driver:
            yield WebKitCustomer(driver)
        return
    lacking = firefox.missing()
    assert lacking is None, f"{lacking} is missing: `make setup` installs it"
    with firefox.firefox() as bidi:
        yield FirefoxCustomer(bidi, *WINDOW)


class Joined:
    """The agent's page joined to the customer's session, and the reference page."""

    def __init__(self, agent: Page, reference: Page, customer: EngineCustomer) -> None:
        self.agent, self.reference, self.customer = agent, reference, customer
        self.view = agent.locator("[data-cobrowse-view]")

    def view_point(self, selector: str) -> tuple[float, float]:
        """Where the view shows the element's centre, on the agent's screen."""
        box = self.reference.locator(selector).bounding_box()
        view = self.view.bounding_box()
        assert box is not None and view is not None, selector
        scale = view["width"] / self.customer.viewport()[0]
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        return view["x"] + x * scale, view["y"] + y * scale

    def in_view(self, selector: str) -> Box:
        box = self.reference.locator(selector).bounding_box()
        assert box is not None, selector
        left, top = int(box["x"]), int(box["y"])
        return (left, top, left + int(box["width"]), top + int(box["height"]))

    def wait_for_pointer_on(self, selector: str) -> None:
        """Until the customer's page shows the agent's pointer inside the element."""
        target = self.customer.rect(selector)

        def pointed() -> bool:
            at = self.customer.js(f"return ({POINTER_JS})()")
            return at is not None and (
                target["x"] <= at[0] <= target["x"] + target["width"]
                and target["y"] <= at[1] <= target["y"] + target["height"]
            )

        wait_for(pointed, f"the agent's pointer on the customer's {selector}", 20)

    def scroll_to(self, selector: str) -> int:
        """The customer scrolls the element to the middle of the screen (so does the reference,
        in its layout), and the view follows: it shows the reference's picture, give or take
        the few pixels by which the other engine's layout differs above the element the scroll
        is anchored to. Returns those pixels (the view's content lower than the reference's:
        positive)."""
        scroll = f"document.querySelector({selector!r}).scrollIntoView({{block: 'center'}})"
        self.customer.js(scroll)
        self.reference.evaluate(f"() => {scroll}")
        found: list[int] = []
        # The column the element is in: the order summary beside it is sticky (never moves).
        column = self.reference.evaluate(COLUMN_JS, selector)

        def aligned() -> bool:
            offset, share = self.alignment(column)
            found[:] = [offset]
            return share < 0.01

        wait_for(aligned, f"the view scrolled to {selector}", 20)
        return found[0]

    def private(self) -> list[Box]:
        """The widgets (each side's) and the masked fields, which the reference shows as is."""
        private = as_rects(self.reference.evaluate(PRIVATE_AREAS_JS))
        private += as_rects(self.customer.js(f"return ({PRIVATE_AREAS_JS})()"))
        return private + as_rects(self.reference.evaluate(MASKED_AREAS_JS, MASKED))

    def share(self) -> float:
        """Differing 8x8 blocks between the view and the reference, the private areas aside."""
        return differing_share(screen(self.reference), view_image(self.view), self.private())

    def alignment(self, column: tuple[int, int]) -> tuple[int, float]:
        """The view's vertical offset from the reference in the column (left, right) below the
        sticky header, within MAX_OFFSET_PX, that differs least, and that share of blocks."""
        expected, actual = screen(self.reference), view_image(self.view)
        (left, right), height = column, expected.height
        top, bottom = HEADER_PX + MAX_OFFSET_PX, height - MAX_OFFSET_PX
        best = (0, 1.0)
        for offset in range(-MAX_OFFSET_PX, MAX_OFFSET_PX + 1):
            ignore = [
                (r[0] - left, r[1] - top - shift, r[2] - left, r[3] - top - shift)
                for r in self.private()
                for shift in (0, offset)
            ]
            share = differing_share(
                expected.crop((left, top, right, bottom)),
                actual.crop((left, top + offset, right, bottom + offset)),
                ignore,
            )
            best = min(best, (offset, share), key=lambda found: (found[1], abs(found[0])))
        return best


@pytest.fixture
def path() -> str:
    return PAGE


@pytest.fixture
def joined(
    customer: EngineCustomer,
    page: Page,
    browser: Browser,
    sample_site: str,
    cobrowse_server: CobrowseServer,
    path: str,
) -> Iterator[Joined]:
    customer.open(f"{sample_site}{path}")
    width, height = customer.viewport()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{sample_site}{path}")
    page.wait_for_function(READY_JS)
    session_id = customer.start()
    agent = browser.new_context(viewport={"width": 1700, "height": 1200}).new_page()
    agent.goto(f"{cobrowse_server.url}/agent")
    agent.get_by_label("Session ID").fill(session_id)
    agent.get_by_role("button", name="Join").click()
    expect(agent.get_by_role("status").filter(has_text="active").first).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(agent.locator("[data-cobrowse-view][data-frames]")).to_be_visible(timeout=TIMEOUT_MS)
    yield Joined(agent, page, customer)
    agent.context.close()


def test_the_agent_sees_the_customers_page_and_acts_in_it(joined: Joined) -> None:
    customer = joined.customer
    # The view is the page as Chromium lays it out, whole: the capture in the other engine lost
    # nothing.
    wait_for(lambda: joined.share() < 0.01, "the view matching the page in Chromium", 20)
    expect(joined.agent.get_by_text(customer.js("return document.title"))).to_be_visible()
    joined.agent.mouse.click(*joined.view_point("#email"))
    wait_for(lambda: customer.js("return document.activeElement.id") == "email", "focus", 20)
    joined.agent.keyboard.type("agent@example.com")
    wait_for(lambda: customer.value("#email") == "agent@example.com", "the agent's typing", 20)
    assert abs(joined.scroll_to("label[for=shipping-express]")) <= MAX_OFFSET_PX
    joined.agent.mouse.click(*joined.view_point("label[for=shipping-express]"))
    wait_for(
        lambda: customer.js("return document.querySelector('#shipping-express').checked"),
        "the agent's click on Express",
        20,
    )


def test_pointers_and_scrolling_land_on_the_same_elements(joined: Joined) -> None:
    # The agent points at the Pay button in the view: the customer sees the pointer on it.
    joined.agent.mouse.move(*joined.view_point("#pay"), steps=4)
    joined.wait_for_pointer_on("#pay")
    # The customer scrolls the card's section into sight: the view shows the same part.
    assert abs(joined.scroll_to("#cc-number")) <= MAX_OFFSET_PX


def test_the_customers_pointer_shows_on_the_element_it_is_over(joined: Joined) -> None:
    left, top, right, bottom = joined.in_view("#email")
    x, y = (left + right) // 2, (top + bottom) // 2
    joined.reference.mouse.move(x, y)  # Hovered in the reference too: only the pointer differs.
    joined.customer.hover("#email")
    area = pointer_area(x, y)

    def drawn() -> bool:  # A few blocks differ: the pointer, a dot and an arrow.
        expected, actual = screen(joined.reference).crop(area), view_image(joined.view).crop(area)
        return len(differing_blocks(expected, actual)[0]) >= 2

    wait_for(drawn, "the customer's pointer on the view's email field", 20)


def test_the_customers_private_field_stays_private(joined: Joined) -> None:
    customer = joined.customer
    offset = joined.scroll_to("#cc-number")
    customer.type_into("#cc-number", CANARY)
    assert customer.value("#cc-number") == CANARY
    left, top, right, bottom = joined.in_view("#cc-number")
    spread = wait_until_flat(joined.view, (left, top + offset, right, bottom + offset), 20)
    assert spread <= TOLERANCE, "the card number shows in the view"
    sent = customer.sent()
    assert sent, "the customer's page sent nothing"
    digits = CANARY.replace(" ", "")
    assert not any(CANARY in message or digits in message for message in sent)


@pytest.mark.parametrize("path", ["/site/policies.html"])
def test_a_page_in_the_default_font_is_laid_out_as_the_customer_sees_it(joined: Joined) -> None:
    # The page names no font: each engine sets it in its own default (WebKit's is a sans-serif,
    # Chromium's a serif). The
    # render page takes the customer's default fonts (mirror/render/fonts.py), so its paragraphs
    # wrap as on the customer's screen and the button below them is where the customer has it:
    # the agent points at that spot of the view and the customer sees the pointer on the button.
    customer = joined.customer
    target = customer.rect("#book")
    view = joined.view.bounding_box()
    assert view is not None
    scale = view["width"] / customer.viewport()[0]
    x, y = target["x"] + target["width"] / 2, target["y"] + target["height"] / 2
    joined.agent.mouse.move(view["x"] + x * scale, view["y"] + y * scale, steps=4)
    joined.wait_for_pointer_on("#book")
