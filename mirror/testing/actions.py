"""The agent's actions, done as a person does them: find the element on the customer's page,
scroll the view until it is in sight, then pointer and keys on the agent's view at the mapped
point; each waits until the customer's page has applied it, or raises ActionRefused."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from mirror.testing.errors import ActionRefused, CobrowseUsageError
from mirror.testing.fidelity import Box
from mirror.testing.locate import locate, scroll_plan, viewport_rect
from mirror.testing.view import around, viewport_size, wait_until_shown
from mirror.testing.wire import Wire

# How long an element may take to appear and an action to be answered (--cobrowse-timeout).
DEFAULT_TIMEOUT_S = 10.0
# Around an element about to be clicked, the view must match this far out (context to compare).
SETTLE_MARGIN_PX = 32
# Turns of the wheel before giving up on bringing an element into sight.
MAX_SCROLLS = 12
# Typed with the keyboard; anything else (é, 名) is pasted, as a person without that key would.
KEYBOARD_CHARS = frozenset(chr(c) for c in range(32, 127)) | {"\n", "\r", "\t"}
KEY_CHARS = frozenset({"\n", "\r", "\t"})  # Sent as keys (Enter, Tab), not as text.

FIELD_TEXT_JS = "el => el.isContentEditable ? el.innerText : el.value"
PASTE_JS = """(view, text) => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  view.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
}"""


def _value(field: Locator) -> str | None:
    """The field's text, or None while it cannot be read (the page is navigating away)."""
    try:
        value = field.evaluate(FIELD_TEXT_JS, timeout=1_000)
    except PlaywrightError:
        return None
    return str(value)


def runs(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into runs of (typed on the keyboard?, characters): ``agent_fill`` types the
    first kind on the view and pastes the second."""
    cut: list[tuple[bool, str]] = []
    for char in text:
        typed = char in KEYBOARD_CHARS
        if cut and cut[-1][0] == typed:
            cut[-1] = (typed, cut[-1][1] + char)
        else:
            cut.append((typed, char))
    return cut


class AgentActions:
    """Mixed into CobrowseSession: what the agent does through the view."""

    customer: Page
    wire_log: Wire
    timeout_s: float

    @property
    def view(self) -> Locator:
        raise NotImplementedError

    def _agent(self) -> Page:
        raise NotImplementedError

    def agent_click(self, selector: str) -> dict[str, Any]:
        """Click the element's centre in the agent's view; returns the customer page's answer."""
        x, y = self._view_point(selector)
        return self._act(lambda: self._agent().mouse.click(x, y), f"the click on {selector!r}")

    def agent_fill(self, selector: str, text: str) -> None:
        """Click into the field, select all, and type ``text``, as an agent would; waits until
        every key has reached the customer's page."""
        self.agent_click(selector)
        self.agent_press("Control+a")
        if not text:
            self.agent_press("Backspace")
            return
        mark = self.wire_log.mark()
        for typed, run in runs(text):
            if typed:
                self._agent().keyboard.type(run)
            else:
                self.view.evaluate(PASTE_JS, run)
        texts = sum(1 for c in text if c not in KEY_CHARS)
        keys = len(text) - texts
        field = self.customer.locator(selector).first

        def sent_and_applied() -> bool:
            actions = self.wire_log.actions_since(mark)
            sent_text = sum(len(str(a.get("text", ""))) for a in actions if a["type"] == "text")
            sent_keys = sum(1 for a in actions if a["type"] == "key")
            return (
                sent_text >= texts and sent_keys >= keys and self.wire_log.all_answered_since(mark)
            )

        self._wait(
            lambda: self.wire_log.refusal_since(mark) is not None or sent_and_applied(),
            f"the customer's page to apply the typing of {text!r} into {selector!r}",
        )
        self._raise_refusal(mark, f"the typing of {text!r} into {selector!r}")
        # A site may reformat what was typed (a phone number, say): give its handlers a moment
        # to finish, but do not insist on the exact text.
        self._wait(lambda: _value(field) == text, "", timeout_s=1.0, required=False)

    def agent_press(self, key: str) -> dict[str, Any]:
        """Press ``key`` (Playwright's names, such as "Tab" or "Control+a") on the view."""
        self.view.focus()  # Keys go to the view, as after an agent's click on it.
        return self._act(lambda: self._agent().keyboard.press(key), f"the key {key!r}")

    def agent_scroll(self, dx: float, dy: float, at: str | None = None) -> dict[str, Any]:
        """Turn the mouse wheel over the middle of the view (or over the element ``at``)."""
        if at is not None:
            x, y = self._view_point(at)
        else:
            width, height = viewport_size(self.customer)
            x, y = self._agent_point(width / 2, height / 2)
        return self._wheel(x, y, dx, dy)

    def _wheel(self, x: float, y: float, dx: float, dy: float) -> dict[str, Any]:
        agent = self._agent()
        agent.mouse.move(x, y)
        return self._act(lambda: agent.mouse.wheel(dx, dy), "the turn of the wheel")

    # -- waiting for answers ---------------------------------------------------------------------

    def _act(self, do: Callable[[], None], what: str = "the agent's action") -> dict[str, Any]:
        """Do one agent action and wait for its answer; raise ActionRefused if it was refused."""
        mark = self.wire_log.mark()
        do()
        self._wait(
            lambda: (
                self.wire_log.refusal_since(mark) is not None
                or self.wire_log.all_answered_since(mark)
            ),
            f"the customer's page to apply {what}",
        )
        self._raise_refusal(mark, what)
        return self.wire_log.applied_since(mark) or {}

    def _raise_refusal(self, mark: tuple[int, int, int, int], what: str) -> None:
        reason = self.wire_log.refusal_since(mark)
        if reason is not None:
            refused = ActionRefused(reason)  # str() stays the bare reason, as documented.
            refused.add_note(f"refused: {what}")
            raise refused

    def _wait(
        self,
        condition: Callable[[], bool],
        what: str,
        timeout_s: float | None = None,
        required: bool = True,
    ) -> bool:
        """Let Playwright deliver page events until ``condition()`` holds."""
        timeout_s = self.timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                if required:
                    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
                return False
            self.customer.wait_for_timeout(10)  # Pumps Playwright's events; no fixed wait.
        return True

    # -- from the customer's page to the agent's screen ------------------------------------------

    def _view_point(self, selector: str) -> tuple[float, float]:
        """The element's centre on the agent's screen, scrolled into sight first if needed."""
        rect = self._scrolled_into_view(selector)
        return self._agent_point((rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2)

    def _agent_point(self, x: float, y: float) -> tuple[float, float]:
        """A point of the customer's viewport on the agent's screen (any zoom), with the agent's
        window made large enough to show it."""
        agent = self._agent()
        box = self.view.bounding_box()
        if box is None:
            raise CobrowseUsageError("the agent's view is not shown (has the session ended?)")
        width, _ = viewport_size(self.customer)
        scale = box["width"] / width
        point = box["x"] + x * scale, box["y"] + y * scale
        size = agent.viewport_size or {"width": 0, "height": 0}
        if point[0] >= size["width"] or point[1] >= size["height"]:
            agent.set_viewport_size(
                {
                    "width": max(size["width"], int(box["x"] + box["width"]) + 40),
                    "height": max(size["height"], int(box["y"] + box["height"]) + 40),
                }
            )
            return self._agent_point(x, y)
        return point

    def _scrolled_into_view(self, selector: str) -> Box:
        """Like a person: while the element is off screen, hidden in a scrolled box or covered
        (a sticky header), turn the wheel on the view to bring it into sight."""
        locator = locate(self.customer, selector, self.timeout_s * 1000)
        self._agent()  # Before any scrolling: a clear error if there is no agent yet.
        for attempt in range(MAX_SCROLLS):
            plan = scroll_plan(locator)
            centred = abs(plan["dy"]) < 2 and abs(plan["dx"]) < 2
            if plan["inSight"] and (not plan["covered"] or centred or attempt > 2):
                rect = viewport_rect(self.customer, locator, selector)
                width, height = viewport_size(self.customer)
                # A person clicks what they see: wait until the view shows the element's
                # surroundings where the customer has them (the view has caught up with the
                # scrolling), then briefly for the element itself: a read-only field is greyed
                # and a blocked one blanked in the view, so those never match.
                context = around(rect, SETTLE_MARGIN_PX, width, height)
                wait_until_shown(self.customer, self.view, context, 3.0, leave_out=rect)
                wait_until_shown(self.customer, self.view, context, 1.0)
                return rect
            before = locator.bounding_box()
            self._wheel(*self._agent_point(plan["x"], plan["y"]), plan["dx"], plan["dy"])
            moved = functools.partial(lambda box: locator.bounding_box() != box, before)
            # A site that scrolls smoothly on its own takes a moment; one that cannot scroll there
            # never moves the element.
            if not self._wait(moved, "", timeout_s=2.0, required=False):
                raise CobrowseUsageError(
                    f"{selector!r} lies outside the customer's page: turning the wheel does not "
                    f"bring it into sight (its box: {before})"
                )
        raise CobrowseUsageError(
            f"{selector!r} could not be scrolled into sight in {MAX_SCROLLS} turns of the wheel"
        )
