"""The render page plays the customer's changes on a monotonic clock: a step of the machine's
wall clock (NTP setting it right, a virtual machine resumed) holds no change back."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import expect

from tests.aio import in_thread
from tests.integration.joined import watched
from tests.wsclient import page_snapshot

# The render page's wall clock jumps a minute ahead; its monotonic clock does not.
WALL_CLOCK_STEPS = """() => {
  const wall = Date.now;
  Date.now = () => wall.call(Date) + 60000;
}"""


@in_thread
async def test_a_step_of_the_wall_clock_holds_no_change_back(tmp_path: Path) -> None:
    async with watched(tmp_path) as session:
        customer, mirror = session.customer, session.chromium
        await customer.send_json({"v": 1, "type": "events", "events": page_snapshot("Before")})
        await expect(mirror.frame_locator("iframe").get_by_text("Before")).to_be_visible()
        await mirror.evaluate(WALL_CLOCK_STEPS)
        await customer.send_json({"v": 1, "type": "events", "events": page_snapshot("After")})
        # Played at once, not a minute later (the expectation waits 5 s).
        await expect(mirror.frame_locator("iframe").get_by_text("After")).to_be_visible()
