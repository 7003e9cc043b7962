"""Agent action -> event dispatched on the customer's page, in the browsers.

The agent clicks the probe square on its view (Playwright's mouse, at the view's origin plus the
square's centre: the view is 1:1 with the customer's viewport at zoom 100 %). The agent's page
stamps each ``pointerdown`` on the view, the customer's page each untrusted ``click`` the player
dispatches on the square, both with ``Date.now()`` in capture phase.
"""

from __future__ import annotations

import asyncio
import time

from playwright.async_api import Page

from bench.probes import PROBE_ID, PROBE_X, PROBE_Y

VIEW = "[data-cobrowse-view]"

_AGENT_JS = """
(selector) => {
  const log = window.__benchPressed = [];
  const view = document.querySelector(selector);
  view.addEventListener("pointerdown", () => log.push(Date.now()), true);
}
"""

_CUSTOMER_JS = """
(id) => {
  const log = window.__benchDispatched = [];
  window.addEventListener("click", (e) => {
    if (!e.isTrusted && e.target && e.target.id === id) log.push(Date.now());
  }, true);
}
"""


async def watch_agent(agent: Page) -> None:
    """Start stamping presses on the agent's view; call before the first click."""
    await agent.evaluate(_AGENT_JS, VIEW)


async def watch_customer(customer: Page) -> None:
    """Start stamping the clicks the player dispatches on the square."""
    await customer.evaluate(_CUSTOMER_JS, PROBE_ID)


async def click_probe(agent: Page, count: int, interval_ms: int) -> None:
    """Click the square on the agent's view ``count`` times, one every ``interval_ms``."""
    box = await agent.locator(VIEW).bounding_box()
    if box is None:
        raise RuntimeError("the agent's view is not shown")
    x, y = box["x"] + PROBE_X, box["y"] + PROBE_Y
    for _ in range(count):
        began = time.monotonic()
        await agent.mouse.click(x, y)
        await asyncio.sleep(max(0.0, interval_ms / 1000 - (time.monotonic() - began)))


async def pressed(agent: Page) -> list[float]:
    """``Date.now()`` of each pointerdown on the agent's view."""
    times: list[int] = await agent.evaluate("() => window.__benchPressed")
    return [float(t) for t in times]


async def dispatched(customer: Page) -> list[float]:
    """``Date.now()`` of each click the player dispatched on the customer's square."""
    times: list[int] = await customer.evaluate("() => window.__benchDispatched")
    return [float(t) for t in times]
