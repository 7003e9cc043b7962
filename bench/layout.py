"""Layout agreement (``python -m bench --layout``): where WebKit, Safari's engine, puts each
element of the fixture pages against where Chromium does, which is where the agent's view shows
it (the render page is Chromium and the view is its picture). For every element with a box, the
vertical and horizontal offsets between the two engines' layouts of the unscrolled page in a
window of the same size; their medians and 90th percentiles, page by page: first with Chromium's
own default fonts, then with the customer's taken as the render page takes them
(mirror/render/fonts.py). The pages are served as the e2e tests serve them; the customer's WebKit
runs as in tests/e2e/test_webkit_customer.py (mirror/testing/webkit.py)."""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from bench.join_cost import served
from bench.options import FIXTURES
from mirror.assets import package_file
from mirror.render.browser import LEAN_ARGS
from mirror.render.fonts import SETTINGS, LocalFonts, choose, probe_families
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
GENERICS = [*SETTINGS, "system-ui"]
READY_JS = "return document.readyState === 'complete' && document.fonts.status === 'loaded'"


def _metrics_js() -> str:
    """mirror/web/fonts.js as a function body returning fontMetrics(families), in either engine."""
    source = package_file("web/fonts.js").decode("utf-8").replace("export ", "")
    return f"{source}\nreturn JSON.stringify(fontMetrics(families));"


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
    pages: dict[str, list[dict[str, Any]]] = {"own": [], "customers": []}
    with (
        served(FIXTURES, Path(tempfile.mkdtemp(prefix="cobrowse-layout-"))) as (_, site),
        virtual_display() as display,
        minibrowser(display, *WINDOW) as webkit,
        sync_playwright() as playwright,
    ):
        options = {"args": LEAN_ARGS, "headless": True}
        browser = with_fallback(playwright.chromium.launch, options, "chromium")
        for path in PAGES:
            webkit.get(f"{site}/{path}")
            WebDriverWait(webkit, 20).until(lambda driver: driver.execute_script(READY_JS))
            theirs = webkit.execute_script(BOXES_JS)
            for mapped, found in ((False, pages["own"]), (True, pages["customers"])):
                boxes = _chromium_boxes(browser, webkit, f"{site}/{path}", mapped)
                found.append(_page(path, _offsets(theirs, boxes)))
        browser.close()
    return {"window": list(WINDOW), "pages": pages["own"], "mapped": pages["customers"]}


def _chromium_boxes(browser: Browser, webkit: WebDriver, url: str, mapped: bool) -> Any:
    """The page's boxes in a fresh Chromium page of WebKit's viewport; with ``mapped``, given
    the default fonts WebKit's page reports, as the render page takes them."""
    width, height = webkit.execute_script("return [innerWidth, innerHeight]")
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(url)
        if mapped:
            script = _metrics_js()
            theirs = webkit.execute_script(f"const families = arguments[0]; {script}", GENERICS)
            ours = page.evaluate(f"(families) => {{ {script} }}", probe_families())
            choice = choose(json.loads(theirs), LocalFonts.measured(json.loads(ours)))
            cdp = page.context.new_cdp_session(page)
            cdp.send("Page.setFontFamilies", {"fontFamilies": choice.families})
            if choice.sizes:
                cdp.send("Page.setFontSizes", {"fontSizes": choice.sizes})
        page.wait_for_function(f"() => {{ {READY_JS} }}")
        return page.evaluate(f"() => {{ {BOXES_JS} }}")
    finally:
        page.close()


def markdown(data: dict[str, Any]) -> str:
    if "error" in data:
        return f"Not measured: {data['error']}\n"
    text = "Chromium's own default fonts:\n\n" + _table(data["pages"])
    text += "\nThe customer's default fonts, as the render page takes them:\n\n"
    return text + _table(data["mapped"])


def _table(pages: list[dict[str, Any]]) -> str:
    lines = [
        "| Page | Elements | Vertical offset, median / p90 (px) | Horizontal, median / p90 (px) |",
        "|---|---|---|---|",
    ]
    for page in pages:
        lines.append(
            f"| {page['page']} | {page['elements']} | {page['dy_median']:.1f} / "
            f"{page['dy_p90']:.1f} | {page['dx_median']:.1f} / {page['dx_p90']:.1f} |"
        )
    return "\n".join(lines) + "\n"
