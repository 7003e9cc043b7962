"""The scripts the benchmark puts into the pages, and how it reads what they recorded.

The customer's page gets a fixed 40x40 square whose colour the page itself changes on a timer,
stamping each change with ``Date.now()``. The agent's page gets a MutationObserver on the view's
``data-frames`` attribute (agent.js bumps it after each draw) that stamps every drawn frame with
``Date.now()`` and reads the view's pixel at the centre of the square. Both pages run on this
machine, so the two ``Date.now()`` clocks are one.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Page

PROBE_ID = "bench-probe"
PROBE_LEFT, PROBE_TOP, PROBE_SIZE = 600, 300, 40
PROBE_X, PROBE_Y = PROBE_LEFT + PROBE_SIZE // 2, PROBE_TOP + PROBE_SIZE // 2
# Very distinct colours, in turn, so two consecutive changes never share one: the six pure ones
# (red first: the recorded stream's square starts red), then the rest with a channel at 128,
# greys left out (a page's own). A colour comes round every 24 changes (4.8 s at 5 a second): a
# view further behind than that would be matched to too recent a change.
_PURE = ((255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (255, 0, 255), (0, 255, 255))
_MIXED = tuple(
    (r, g, b)
    for r in (0, 128, 255)
    for g in (0, 128, 255)
    for b in (0, 128, 255)
    if 128 in (r, g, b) and not r == g == b
)
COLOURS: tuple[tuple[int, int, int], ...] = _PURE + _MIXED
TOLERANCE = 40  # per channel: JPEG at quality 70 moves a flat colour by a few units only.


def now_ms() -> float:
    """Wall-clock milliseconds: the clock ``Date.now()`` reads in the pages."""
    return time.time() * 1000


_CUSTOMER_JS = """
({id, left, top, size, colours}) => {
  const css = (c) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
  const square = document.createElement("div");
  square.id = id;
  square.style.cssText = `position:fixed;left:${left}px;top:${top}px;width:${size}px;` +
    `height:${size}px;z-index:2147483646;margin:0;border:0;background-color:${css(colours[0])}`;
  document.body.append(square);
  const state = { stamps: [] };
  state.run = (count, intervalMs) => new Promise((resolve) => {
    let i = 0;
    const timer = setInterval(() => {
      const colour = (state.stamps.length + 1) % colours.length;
      square.style.backgroundColor = css(colours[colour]);
      state.stamps.push([Date.now(), colour]);
      if (++i >= count) {
        clearInterval(timer);
        resolve(state.stamps.slice(-count));
      }
    }, intervalMs);
  });
  window.__benchCustomer = state;
}
"""

_AGENT_JS = """
({x, y}) => {
  const view = document.querySelector("[data-cobrowse-view]");
  const context = view.getContext("2d");
  // waiters: checks run after each drawn frame, each dropped once it returns true.
  const log = { joinAt: null, frames: [], pixels: [], waiters: [] };
  window.__benchAgent = log;
  document.addEventListener("click", (e) => {
    const join = e.target.closest && e.target.closest("#join");
    if (join && log.joinAt === null) log.joinAt = Date.now();
  }, true);
  new MutationObserver(() => {
    const t = Date.now();
    let rgb = null;
    if (view.width > x && view.height > y) {
      const d = context.getImageData(x, y, 1, 1).data;
      rgb = [d[0], d[1], d[2]];
    }
    log.frames.push([t, Number(view.dataset.frames || 0)]);
    log.pixels.push(rgb);
    log.waiters = log.waiters.filter((done) => !done());
  }).observe(view, { attributes: true, attributeFilter: ["data-frames"] });
}
"""

# Resolves once a drawn frame shows the colour (or the first frame, with no colour): waited on
# from the probe's observer rather than polled, since Playwright's polling runs every animation
# frame in the agent's page and took CPU from the join it was timing.
_DRAWN_JS = """
([colour, tolerance]) => new Promise((resolve) => {
  const log = window.__benchAgent;
  const shows = () => {
    if (!colour) return log.frames.length > 0;
    const last = log.pixels.length ? log.pixels[log.pixels.length - 1] : null;
    return Boolean(last) && last.every((v, i) => Math.abs(v - colour[i]) <= tolerance);
  };
  const done = () => shows() && (resolve(), true);
  if (!done()) log.waiters.push(done);
})
"""


@dataclass
class AgentLog:
    """What the agent's probe recorded: the Join click, and each drawn frame with its pixel."""

    join_at: float | None
    frame_times: list[float]
    pixels: list[tuple[int, int, int] | None]


async def install_customer_probe(page: Page) -> None:
    """Add the square (in its first colour) to the customer's page, before the snapshot."""
    await page.evaluate(
        _CUSTOMER_JS,
        {
            "id": PROBE_ID,
            "left": PROBE_LEFT,
            "top": PROBE_TOP,
            "size": PROBE_SIZE,
            "colours": list(COLOURS),
        },
    )


async def run_changes(page: Page, count: int, interval_ms: int) -> list[tuple[float, int]]:
    """Change the square's colour ``count`` times; returns ``(Date.now(), colour index)`` each."""
    stamps: list[list[int]] = await page.evaluate(
        "([n, ms]) => window.__benchCustomer.run(n, ms)", [count, interval_ms]
    )
    return [(float(t), int(c)) for t, c in stamps]


async def install_agent_probe(page: Page) -> None:
    """Watch the agent's view; call after /agent has loaded and before Join is clicked."""
    await page.evaluate(_AGENT_JS, {"x": PROBE_X, "y": PROBE_Y})


async def wait_for_colour(page: Page, colour: int, timeout_ms: float) -> None:
    """Wait until the last drawn frame shows ``COLOURS[colour]`` at the square."""
    await _wait_drawn(page, [list(COLOURS[colour]), TOLERANCE], timeout_ms)


async def wait_for_first_frame(page: Page, timeout_ms: float) -> None:
    await _wait_drawn(page, [None, 0], timeout_ms)


async def _wait_drawn(page: Page, arg: list[Any], timeout_ms: float) -> None:
    try:
        await asyncio.wait_for(page.evaluate(_DRAWN_JS, arg), timeout_ms / 1000)
    except TimeoutError:
        raise TimeoutError(f"the agent's view drew no such frame in {timeout_ms:.0f} ms") from None


async def read_agent_log(page: Page) -> AgentLog:
    raw: dict[str, Any] = await page.evaluate("() => window.__benchAgent")
    return AgentLog(
        join_at=float(raw["joinAt"]) if raw.get("joinAt") is not None else None,
        frame_times=[float(t) for t, _ in raw["frames"]],
        pixels=[(int(p[0]), int(p[1]), int(p[2])) if p else None for p in raw["pixels"]],
    )


def classify(rgb: tuple[int, int, int] | None) -> int | None:
    """The index of the probe colour ``rgb`` shows, or None if it shows none of them."""
    if rgb is None:
        return None
    for index, colour in enumerate(COLOURS):
        if all(abs(a - b) <= TOLERANCE for a, b in zip(rgb, colour, strict=True)):
            return index
    return None


async def change_phase(page: Page, count: int, interval_ms: int, settle_s: float) -> ChangePhase:
    """Settle, make ``count`` changes at ``interval_ms``, settle again so the last one lands."""
    await asyncio.sleep(settle_s)
    stamps = await run_changes(page, count, interval_ms)
    await asyncio.sleep(settle_s)
    return ChangePhase(stamps, (float(stamps[0][0]), float(stamps[-1][0] + interval_ms)))


@dataclass
class ChangePhase:
    stamps: list[tuple[float, int]]  # (Date.now(), colour index) of each change
    window: tuple[float, float]  # When the changes ran, in Date.now() milliseconds
