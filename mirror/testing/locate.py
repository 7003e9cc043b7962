"""Finding an element on the customer's page the way an agent would: it must exist, be visible,
lie on the page (not in the co-browse widget), and be scrolled into sight before it is used."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from mirror.testing.errors import CobrowseUsageError
from mirror.testing.fidelity import Box
from mirror.testing.view import viewport_size

IN_WIDGET_JS = """el => {
  for (let n = el; n; n = n.parentElement || (n.getRootNode() && n.getRootNode().host)) {
    if (n.nodeType === 1 && n.hasAttribute("data-cobrowse-widget")) return true;
  }
  return false;
}"""

# Where to turn the wheel, and by how much, to bring the element into sight: over the inner
# scroll container that hides it, else over a part of the page that no inner container covers
# (player.js scrolls the nearest container under the pointer). Also says whether the element
# is in sight already and whether something of the page covers it (a sticky header).
SCROLL_PLAN_JS = """el => {
  const vw = innerWidth, vh = innerHeight;
  const r = el.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  const parentOf = (n) => n.parentElement || (n.getRootNode() && n.getRootNode().host) || null;
  const isPage = (n) => n === document.body || n === document.documentElement;
  const scrolls = (n) => {
    const s = getComputedStyle(n);
    return (/(auto|scroll|overlay)/.test(s.overflowY) && n.scrollHeight > n.clientHeight)
      || (/(auto|scroll|overlay)/.test(s.overflowX) && n.scrollWidth > n.clientWidth);
  };
  for (let n = parentOf(el); n && !isPage(n); n = parentOf(n)) {
    if (!scrolls(n)) continue;
    const c = n.getBoundingClientRect();
    const left = c.left + n.clientLeft, top = c.top + n.clientTop;
    const right = left + n.clientWidth, bottom = top + n.clientHeight;
    if (cx >= left && cx < right && cy >= top && cy < bottom) continue;
    const vl = Math.max(left, 0), vt = Math.max(top, 0);
    const vr = Math.min(right, vw), vb = Math.min(bottom, vh);
    if (vr - vl < 4 || vb - vt < 4) continue;  // The container is off screen: the page first.
    return { inSight: false, covered: false, x: (vl + vr) / 2, y: (vt + vb) / 2,
             dx: cx - (left + right) / 2, dy: cy - (top + bottom) / 2 };
  }
  const onScreen = cx >= 0 && cx < vw && cy >= 0 && cy < vh;
  let hit = onScreen ? document.elementFromPoint(cx, cy) : null;
  while (hit && hit.shadowRoot && !hit.hasAttribute("data-cobrowse-widget")) {
    const inner = hit.shadowRoot.elementFromPoint(cx, cy);
    if (!inner || inner === hit) break;
    hit = inner;
  }
  const covered = onScreen && hit !== null && !(el === hit || el.contains(hit)
    || hit.closest("[data-cobrowse-widget]") !== null
    || (el.labels && Array.from(el.labels).some((label) => label.contains(hit))));
  const free = (x, y) => {
    for (let n = document.elementFromPoint(x, y); n && !isPage(n); n = parentOf(n)) {
      if (scrolls(n)) return false;
    }
    return true;
  };
  const points = [[vw / 2, vh / 2]];
  for (const fy of [0.25, 0.75, 0.1, 0.9]) {
    for (const fx of [0.5, 0.1, 0.9]) points.push([vw * fx, vh * fy]);
  }
  const [x, y] = points.find(([px, py]) => free(px, py)) || points[0];
  return { inSight: onScreen, covered, x, y,
           dx: cx >= 0 && cx < vw ? 0 : cx - vw / 2, dy: cy - vh / 2 };
}"""


def locate(customer: Page, selector: str, timeout_ms: float) -> Locator:
    """The first element ``selector`` matches on the customer's page, once it is there and
    visible (a page may still be rendering, so it waits as Playwright's own actions do); a
    CobrowseUsageError naming the selector otherwise."""
    locator = customer.locator(selector).first
    seconds = f"{timeout_ms / 1000:g} s"
    try:
        locator.wait_for(state="attached", timeout=timeout_ms)
    except PlaywrightTimeout:
        raise CobrowseUsageError(
            f"{selector!r} matches nothing on the customer's page {customer.url} (waited {seconds})"
        ) from None
    except PlaywrightError as exc:
        raise CobrowseUsageError(
            f"{selector!r} is not a selector Playwright understands: {exc}"
        ) from None
    if locator.evaluate(IN_WIDGET_JS):
        raise CobrowseUsageError(
            f"{selector!r} is part of the co-browse widget, which the agent's view never shows"
        )
    try:
        locator.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeout:
        raise CobrowseUsageError(
            f"{selector!r} matches an element the customer cannot see on {customer.url} "
            f"(hidden, display:none or of no size; waited {seconds})"
        ) from None
    return locator


def scroll_plan(locator: Locator) -> dict[str, Any]:
    return dict(locator.evaluate(SCROLL_PLAN_JS))


def viewport_rect(customer: Page, locator: Locator, selector: str) -> Box:
    """The element's box on the customer's viewport, clipped to it."""
    box = locator.bounding_box()
    width, height = viewport_size(customer)
    if box is None:
        raise CobrowseUsageError(f"{selector!r} is not visible on the customer's page")
    left, top = max(0, int(box["x"])), max(0, int(box["y"]))
    right = min(width, int(box["x"] + box["width"]))
    bottom = min(height, int(box["y"] + box["height"]))
    if right <= left or bottom <= top:
        raise CobrowseUsageError(
            f"{selector!r} is outside the customer's viewport (at x={box['x']:.0f}, "
            f"y={box['y']:.0f} of a {width}x{height} viewport)"
        )
    return left, top, right, bottom


def in_viewport(customer: Page, locator: Locator) -> bool:
    box = locator.bounding_box()
    width, height = viewport_size(customer)
    return box is not None and (
        box["x"] < width
        and box["y"] < height
        and box["x"] + box["width"] > 0
        and box["y"] + box["height"] > 0
    )
