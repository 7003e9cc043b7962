"""One co-browse session under test: the customer's page, the agent's page, and what the agent
can do and see, driven through the view exactly as a person would."""

from __future__ import annotations

import base64
import contextlib
import io
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image
from playwright.sync_api import Locator, Page, expect

from mirror.fidelity import differing_share
from mirror.redact import EDGE_PX, TOLERANCE
from mirror.testing.errors import ActionRefused, CobrowseUsageError
from mirror.testing.server import CobrowseServer
from mirror.testing.wire import Wire

STATUS_TIMEOUT_MS = 15_000
# An element "is shown" when at most this share of its 8x8 blocks differ (mirror/fidelity.py).
MAX_DIFFERING_SHARE = 0.05
# Around an element about to be clicked, the view must match this far out (context to compare).
SETTLE_MARGIN_PX = 32


# Whether the element itself is what lies at its centre (nothing of the page's covers it).
IN_SIGHT_JS = """el => {
  const r = el.getBoundingClientRect();
  let hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  while (hit && hit.shadowRoot && !hit.hasAttribute("data-cobrowse-widget")) {
    const inner = hit.shadowRoot.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!inner || inner === hit) break;
    hit = inner;
  }
  return !hit || el === hit || el.contains(hit) || hit.closest("[data-cobrowse-widget]") !== null
    || (el.labels && Array.from(el.labels).some((label) => label.contains(hit)));
}"""

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


def _relative(
    rect: tuple[int, int, int, int], origin: tuple[int, int, int, int]
) -> tuple[int, int, int, int]:
    return rect[0] - origin[0], rect[1] - origin[1], rect[2] - origin[0], rect[3] - origin[1]


def _around(
    rect: tuple[int, int, int, int], margin: int, width: int, height: int
) -> tuple[int, int, int, int]:
    left, top, right, bottom = rect
    return (
        max(0, left - margin),
        max(0, top - margin),
        min(width, right + margin),
        min(height, bottom + margin),
    )


def _value(field: Locator) -> str:
    return str(field.evaluate("el => el.isContentEditable ? el.innerText : el.value"))


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


@dataclass
class CobrowseSession:
    """A live session started on ``customer``; ``join`` opens the agent's page."""

    server: CobrowseServer
    customer: Page
    id: str
    wire_log: Wire
    agent: Page | None = None
    ended: bool = False

    @property
    def uuid(self) -> str:
        return str(self.wire_log.sessions[-1]["uuid"])

    @property
    def customer_status(self) -> Locator:
        """The widget's ``role=status`` notice on the customer's page."""
        return self.customer.locator("[data-cobrowse-widget]").get_by_role("status")

    @property
    def view(self) -> Locator:
        return self._agent().locator("[data-cobrowse-view]")

    def _agent(self) -> Page:
        if self.agent is None:
            raise CobrowseUsageError("no agent yet: call session.join() first")
        return self.agent

    def join(self, interaction: str | None = None) -> Page:
        """Open /agent in a fresh browser context, join with the ID, wait for the first frame."""
        browser = self.customer.context.browser
        assert browser is not None
        agent = browser.new_context(viewport={"width": 1600, "height": 1100}).new_page()
        self.wire_log.watch(agent, "agent")
        query = f"?interaction={interaction}" if interaction else ""
        agent.goto(f"{self.server.url}/agent{query}")
        agent.get_by_label("Session ID").fill(self.id)
        agent.get_by_role("button", name="Join").click()
        expect(agent.get_by_role("status")).to_contain_text("active", timeout=STATUS_TIMEOUT_MS)
        expect(agent.locator("[data-cobrowse-view][data-frames]")).to_be_visible(
            timeout=STATUS_TIMEOUT_MS
        )
        self.agent = agent
        return agent

    def view_image(self) -> Image.Image:
        """The agent's current view as a ``PIL.Image.Image``: the canvas's own pixels, one per CSS
        pixel of the customer's viewport whatever the agent's zoom."""
        data_url = self.view.evaluate("canvas => canvas.toDataURL('image/png')")
        return _image(base64.b64decode(str(data_url).split(",", 1)[1]))

    def assert_shown_to_agent(self, selector: str, timeout_s: float = 10.0) -> None:
        """Wait until the element's area in the agent's view matches the customer's screen."""
        share = self._wait_until_shown(self._viewport_rect(selector), timeout_s)
        if share > MAX_DIFFERING_SHARE:
            evidence = self.save_evidence()
            raise AssertionError(
                f"{selector}: the agent's view differs from the customer's screen "
                f"({share:.1%} of 8x8 blocks differ); both screens are in {evidence}"
            )

    def save_evidence(self) -> Path:
        """Write the agent's view and the customer's screen as PNGs; returns their folder."""
        folder = Path(tempfile.mkdtemp(prefix="cobrowse-evidence-"))
        self.customer.screenshot(path=folder / "customer.png")
        if self.agent is not None:
            self.view_image().save(folder / "agent-view.png")
        return folder

    def assert_hidden_from_agent(self, selector: str, timeout_s: float = 10.0) -> None:
        """Wait until the element's area in the agent's view is one flat colour (masked)."""
        rect = self._viewport_rect(selector)
        width, height = self._viewport_size()
        # First the view must show the customer's screen as it is now (scrolled alike).
        self._wait_until_shown(_around(rect, SETTLE_MARGIN_PX, width, height), timeout_s / 2)
        inner = (rect[0] + EDGE_PX, rect[1] + EDGE_PX, rect[2] - EDGE_PX, rect[3] - EDGE_PX)
        deadline = time.monotonic() + timeout_s
        while True:
            frames = self.view.get_attribute("data-frames") or ""
            spread = max(high - low for low, high in self.view_image().crop(inner).getextrema())  # type: ignore[misc]
            remaining_ms = (deadline - time.monotonic()) * 1000
            if spread <= TOLERANCE:
                return
            if remaining_ms <= 0:
                raise AssertionError(
                    f"{selector}: the agent's view shows it (levels vary by {spread})"
                )
            with contextlib.suppress(AssertionError):  # Wait for the next frame, not a fixed time.
                expect(self.view).not_to_have_attribute("data-frames", frames, timeout=remaining_ms)

    def _wait_until_shown(self, rect: tuple[int, int, int, int], timeout_s: float) -> float:
        """Wait, frame by frame, until the view matches the customer's screen over ``rect``;
        returns the last share of differing blocks."""
        deadline = time.monotonic() + timeout_s
        while True:
            # The whole viewport, cropped here: a screenshot's clip is in page coordinates.
            expected = _image(self.customer.screenshot(caret="hide")).crop(rect)
            frames = self.view.get_attribute("data-frames")
            ignore = [_relative(r, rect) for r in self._private_rects()]
            share = differing_share(expected, self.view_image().crop(rect), ignore)
            remaining_ms = (deadline - time.monotonic()) * 1000
            if share <= MAX_DIFFERING_SHARE or remaining_ms <= 0:
                return share
            with contextlib.suppress(AssertionError):  # Wait for the next frame, not a fixed time.
                expect(self.view).not_to_have_attribute(
                    "data-frames", frames or "", timeout=remaining_ms
                )

    def _private_rects(self) -> list[tuple[int, int, int, int]]:
        """Areas that legitimately differ between the two screens: masked elements, and the
        co-browse widget and agent pointer (drawn on the customer's page only)."""
        boxes = self.customer.evaluate(PRIVATE_RECTS_JS)
        return [(int(b[0]), int(b[1]), int(b[2]), int(b[3])) for b in boxes]

    def _viewport_rect(self, selector: str) -> tuple[int, int, int, int]:
        """The element's box on the customer's viewport, clipped to it."""
        box = self._locate(selector).bounding_box()
        width, height = self._viewport_size()
        if box is None:
            raise CobrowseUsageError(f"{selector!r} is not visible on the customer's page")
        left, top = max(0, int(box["x"])), max(0, int(box["y"]))
        right = min(width, int(box["x"] + box["width"]))
        bottom = min(height, int(box["y"] + box["height"]))
        if right <= left or bottom <= top:
            raise CobrowseUsageError(f"{selector!r} is outside the customer's viewport")
        return left, top, right, bottom

    # -- the agent's actions, through the view, as a person's pointer and keys -------------------

    def agent_click(self, selector: str) -> dict[str, Any]:
        """Click the element's centre in the agent's view; returns the customer page's answer."""
        x, y = self._view_point(selector)
        return self._act(lambda: self._agent().mouse.click(x, y))

    def agent_fill(self, selector: str, text: str) -> None:
        """Click into the field, select all, and type ``text``, as an agent would."""
        self.agent_click(selector)
        self._act(lambda: self._agent().keyboard.press("Control+a"))
        if not text:
            self._act(lambda: self._agent().keyboard.press("Backspace"))
            return
        before = len(self.wire_log.answers)
        self._agent().keyboard.type(text)
        field = self.customer.locator(selector).first
        self._wait(
            lambda: self._refusal_since(before) or _value(field) == text,
            f"{selector} to hold the text",
        )
        self._raise_refusal_since(before)

    def agent_press(self, key: str) -> dict[str, Any]:
        """Press ``key`` (Playwright's names, such as "Tab" or "Control+a") on the view."""
        self.view.focus()  # Keys go to the view, as after an agent's click on it.
        return self._act(lambda: self._agent().keyboard.press(key))

    def agent_scroll(self, dx: float, dy: float, at: str | None = None) -> dict[str, Any]:
        """Turn the mouse wheel over the middle of the view (or over the element ``at``)."""
        agent = self._agent()
        if at is not None:
            x, y = self._view_point(at)
        else:
            box = self.view.bounding_box()
            assert box is not None
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        agent.mouse.move(x, y)
        return self._act(lambda: agent.mouse.wheel(dx, dy))

    def _act(self, do: Any) -> dict[str, Any]:
        """Do one agent action and wait for its answer; raise ActionRefused if it was refused."""
        before = len(self.wire_log.answers)
        do()
        self._wait(lambda: len(self.wire_log.answers) > before, "an answer to the agent's action")
        self._raise_refusal_since(before)
        return self.wire_log.answers[before]

    def _refusal_since(self, index: int) -> dict[str, Any] | None:
        return next((a for a in self.wire_log.answers[index:] if a["type"] == "refused"), None)

    def _raise_refusal_since(self, index: int) -> None:
        refusal = self._refusal_since(index)
        if refusal is not None:
            raise ActionRefused(str(refusal["reason"]))

    def _wait(self, condition: Any, what: str, timeout_s: float = 10.0) -> None:
        """Let Playwright deliver page events until ``condition()`` holds."""
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            self.customer.wait_for_timeout(10)  # Pumps Playwright's events; no fixed wait.

    def _view_point(self, selector: str) -> tuple[float, float]:
        """The element's centre on the agent's screen, scrolled into view first if needed."""
        rect = self._scrolled_into_view(selector)
        box = self.view.bounding_box()
        assert box is not None
        width, _ = self._viewport_size()
        scale = box["width"] / width
        return box["x"] + (rect[0] + rect[2]) / 2 * scale, box["y"] + (
            rect[1] + rect[3]
        ) / 2 * scale

    def _scrolled_into_view(self, selector: str) -> tuple[int, int, int, int]:
        """Like a person: if the element is off screen or covered (a sticky header), scroll the
        view until it is in sight."""
        locator = self._locate(selector)
        width, height = self._viewport_size()
        for attempt in range(20):
            box = locator.bounding_box()
            if box is None:
                raise CobrowseUsageError(f"{selector!r} is not visible on the customer's page")
            middle = box["y"] + box["height"] / 2
            on_screen = 0 <= middle < height and 0 <= box["x"] + box["width"] / 2 < width
            centred = abs(middle - height / 2) < 2
            if on_screen and (centred or attempt > 2 or locator.evaluate(IN_SIGHT_JS)):
                rect = self._viewport_rect(selector)
                # A person clicks what they see: wait until the view shows the element where the
                # customer has it (a masked field never matches, hence the short wait).
                self._wait_until_shown(_around(rect, SETTLE_MARGIN_PX, width, height), 3.0)
                return rect
            self.agent_scroll(0, middle - height / 2)
        raise CobrowseUsageError(f"{selector!r} could not be scrolled into the customer's view")

    def _locate(self, selector: str) -> Locator:
        locator = self.customer.locator(selector).first
        if locator.count() == 0:
            raise CobrowseUsageError(f"{selector!r} matches nothing on {self.customer.url}")
        return locator

    def _viewport_size(self) -> tuple[int, int]:
        size = self.customer.viewport_size or self.customer.evaluate(
            "() => ({width: innerWidth, height: innerHeight})"
        )
        return int(size["width"]), int(size["height"])

    def wire(self) -> list[bytes]:
        """Every WebSocket message the customer's and the agent's pages sent or received."""
        return list(self.wire_log.messages)

    def assert_never_sent(self, value: str) -> None:
        """Fail if ``value`` appears in any WebSocket message of either page."""
        needle = value.encode()
        for index, message in enumerate(self.wire_log.messages):
            if needle in message:
                raise AssertionError(f"{value!r} was sent over the wire (message {index})")

    def end(self, by: Literal["customer", "agent"] = "customer") -> dict[str, Any]:
        """Press "Exit co-browse session" on one side; returns the ended history record."""
        page = self.customer if by == "customer" else self._agent()
        if (
            by == "customer"
            and not page.get_by_role("button", name="Exit co-browse session").is_visible()
        ):
            page.get_by_role("button", name="Co-browse").click()
        page.get_by_role("button", name="Exit co-browse session").click()
        expect(self.customer_status).to_contain_text("ended", timeout=STATUS_TIMEOUT_MS)
        if self.agent is not None:
            expect(self.agent.get_by_role("status")).to_contain_text(
                "ended", timeout=STATUS_TIMEOUT_MS
            )
        self.ended = True
        return self.wait_for_record(lambda r: r["state"] == "ended")

    def wait_for_record(self, condition: Any, timeout_s: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            record = self.server.record(self.uuid)
            if condition(record) or time.monotonic() > deadline:
                return record
            time.sleep(0.05)  # Polling an HTTP API: there is no event to wait on.
