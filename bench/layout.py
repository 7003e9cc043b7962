"""Layout agreement (``python -m bench --layout``): where WebKit, Safari's engine, puts each
element of the fixture pages against where Chromium does, which is where the agent's view shows
it (the render page is Chromium and the view is its picture). For every element with a box, the
vertical and horizontal offsets between the two engines' layouts of the unscrolled page in a
window of the same size; their medians and 90th percentiles, page by page. The pages are served
as the e2e tests serve them; the customer's WebKit runs as in tests/e2e/test_webkit_customer.py
(mirror/testing/webkit.py)."""

from __future__ import annotations

import statistics
from typing import Any

from playwright.sync_api import sync_playwright
from selenium.webdriver.support.ui import WebDriverWait

from bench.join_cost import served
from bench.options import FIXTURES
from mirror.render.browser import LEAN_ARGS
from mirror.testing.chromium import with_fallback
from mirror.testing.webkit import minibrowser, missing, virtual_display

PAGES = ("shop/", "shop/checkout.html", "site/", "site/policies.html", "form/", "help/", "pay/")
WINDOW = (1280, 900)
# Each element's box in document coordinates, in document order: both engines have the same DOM
# (static pages), so the n-th element is the same element; the tag is checked anyway.
BOXES_JS = """
  return [...document.body.querySelectorAll("*")].map((el) => {
    const r = el.getBoundingClientRect();
    return [el.tagName, r.left + scrollX, r.top + scrollY, r.width, r.height];
  });
"""
READY_JS = "return document.readyState === 'complete' && document.fonts.status === 'loaded'"


def _offsets(webkit: list[list[Any]], chromium: list[list[Any]]) -> tuple[list[float], list[float]]:
    """The |dx| and |dy| of the elements both engines give a box, matched by order and tag."""
    dxs, dys = [], []
    for (tag, x, y, w, h), (tag2, x2, y2, w2, h2) in zip(webkit, chromium, strict=False):
        if tag != tag2 or not (w and h and w2 and h2):
            continue
        dxs.append(abs(x - x2))
        dys.append(abs(y - y2))
    return dxs, dys


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) > 1 else (values or [0.0])[0]


def _page(path: str, offsets: tuple[list[float], list[float]]) -> dict[str, Any]:
    dxs, dys = offsets
    return {
        "page": path,
        "elements": len(dys),
        "dy_median": statistics.median(dys) if dys else 0.0,
        "dy_p90": _p90(dys),
        "dx_median": statistics.median(dxs) if dxs else 0.0,
        "dx_p90": _p90(dxs),
    }


def measure() -> dict[str, Any]:
    lacking = missing()
    if lacking is not None:
        return {"error": f"{lacking} is missing: `make setup` installs it"}
    pages: list[dict[str, Any]] = []
    with (
        served(FIXTURES) as (_, site),
        virtual_display() as display,
        minibrowser(display, *WINDOW) as webkit,
        sync_playwright() as playwright,
    ):
        webkit.get(f"{site}/{PAGES[0]}")
        width, height = webkit.execute_script("return [innerWidth, innerHeight]")
        options = {"args": LEAN_ARGS, "headless": True}
        browser = with_fallback(playwright.chromium.launch, options, "chromium")
        chromium = browser.new_page(viewport={"width": width, "height": height})
        for path in PAGES:
            webkit.get(f"{site}/{path}")
            WebDriverWait(webkit, 20).until(lambda driver: driver.execute_script(READY_JS))
            chromium.goto(f"{site}/{path}")
            chromium.wait_for_function(f"() => {{ {READY_JS} }}")
            boxes = chromium.evaluate(f"() => {{ {BOXES_JS} }}")
            pages.append(_page(path, _offsets(webkit.execute_script(BOXES_JS), boxes)))
        browser.close()
    return {"window": list(WINDOW), "pages": pages}


def markdown(data: dict[str, Any]) -> str:
    if "error" in data:
        return f"Not measured: {data['error']}\n"
    lines = [
        "| Page | Elements | Vertical offset, median / p90 (px) | Horizontal, median / p90 (px) |",
        "|---|---|---|---|",
    ]
    for page in data["pages"]:
        lines.append(
            f"| {page['page']} | {page['elements']} | {page['dy_median']:.1f} / "
            f"{page['dy_p90']:.1f} | {page['dx_median']:.1f} / {page['dx_p90']:.1f} |"
        )
    return "\n".join(lines) + "\n"
