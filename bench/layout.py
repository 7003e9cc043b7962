"""Layout agreement (``python -m bench --layout``): where a customer's browser puts each element of
the fixture pages against where the server's Chromium does, which is where the agent's view shows
it (the render page is that Chromium and the view is its picture). Two customers: WebKit, Safari's
engine, Firefox (both run as in tests/e2e/test_other_engines.py), and Chromium with another
system's fonts (mirror/testing/fontconfig.py). For every element with a box, the
vertical and horizontal offsets between the two layouts of the unscrolled page in a window of
the same size; their medians and 90th percentiles, page by page: first with the server's own
fonts, then with the customer's taken as the render page takes them (mirror/render/fonts.py and
mirror/web/render/fonts.js)."""

from __future__ import annotations

import json
import statistics
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Playwright, sync_playwright
from selenium.webdriver.support.ui import WebDriverWait

from bench.join_cost import served
from bench.options import FIXTURES
from mirror.assets import package_file
from mirror.render.browser import LEAN_ARGS, SERVER_ARGS, server_chromium
from mirror.render.fonts import CANDIDATES, GENERICS, LocalFonts, choose, named_fonts
from mirror.render.page_fonts import faces_for, local_faces
from mirror.testing import firefox
from mirror.testing.chromium import with_fallback
from mirror.testing.fontconfig import other_system_fonts
from mirror.testing.webkit import minibrowser, missing
from mirror.testing.xdisplay import virtual_display

PAGES = (
    "shop/",
    "shop/checkout.html",
    "site/",
    "site/policies.html",
    "site/visit.html",
    "form/",
    "help/",
    "pay/",
)
WINDOW = (1280, 900)
# Each element's box in document coordinates, in document order: both engines have the same DOM
# (static pages), so the n-th element is the same element; the tag is checked anyway.
BOXES_JS = """
  return [...document.body.querySelectorAll("*")].map((el) => {
    const r = el.getBoundingClientRect();
    return [el.tagName, r.left + scrollX, r.top + scrollY, r.width, r.height];
  });
"""
# The size the page is laid out at, less classic scroll bars, as the capture tells the server.
SIZE_JS = "const size = layoutSize(document); return [size.width, size.height];"
READY_JS = "return document.readyState === 'complete' && document.fonts.status === 'loaded'"
# The customer's report, as mirror/web/embed/capture.js sends it.
REPORT_JS = (
    "return JSON.stringify({metrics: fontMetrics(arg), named: namedFontMetrics(pageFontNames())});"
)
ALIASES_JS = "const aliases = new FontAliases(); aliases.set(arg); aliases.apply(document, []);"

# A customer's page: open(url), and run(body, arg), a function body of ``arg`` run in the page.
Customer = tuple[Callable[[str], None], Callable[[str, Any], Any]]


def _module(path: str) -> str:
    """One of the package's plain-DOM script modules as text to run in any page."""
    return package_file(path).decode("utf-8").replace("export ", "")


def _offsets(theirs: list[list[Any]], ours: list[list[Any]]) -> tuple[list[float], list[float]]:
    """The |dx| and |dy| of the elements both layouts give a box, matched by order and tag."""
    dxs, dys = [], []
    for (tag, x, y, w, h), (tag2, x2, y2, w2, h2) in zip(theirs, ours, strict=False):
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
    folder = Path(tempfile.mkdtemp(prefix="cobrowse-layout-"))
    customers = []
    with served(FIXTURES, folder) as (_, site), sync_playwright() as playwright:
        executable = server_chromium(playwright)  # type: ignore[arg-type]
        server = playwright.chromium.launch(executable_path=executable, args=SERVER_ARGS)
        for name, customer in _customers(playwright, folder):
            own, mapped = [], []
            for path in PAGES:
                url = f"{site}/{path}"
                open_page, run = customer
                open_page(url)
                theirs = run(BOXES_JS, None)
                report = json.loads(run(_module("web/fonts.js") + REPORT_JS, GENERICS))
                size = run(_module("web/embed/visual.js") + SIZE_JS, None)
                own.append(_page(path, _offsets(theirs, _boxes(server, url, size, None))))
                mapped.append(_page(path, _offsets(theirs, _boxes(server, url, size, report))))
            customers.append({"customer": name, "pages": own, "mapped": mapped})
        server.close()
    return {"window": list(WINDOW), "customers": customers}


def _customers(playwright: Playwright, folder: Path) -> Iterator[tuple[str, Customer]]:
    with _webkit() as webkit:
        yield "WebKit (WebKitGTK's MiniBrowser)", webkit
    if firefox.missing() is None:
        with _firefox() as customer:
            yield "Firefox ESR", customer
    options = {"args": LEAN_ARGS, "headless": True, "env": other_system_fonts(folder)}
    browser = with_fallback(playwright.chromium.launch, options, "chromium")
    page = browser.new_page(viewport={"width": WINDOW[0], "height": WINDOW[1]})

    def open_page(url: str) -> None:
        page.goto(url)
        page.wait_for_function(f"() => {{ {READY_JS} }}")

    yield (
        "Chromium with another system's fonts",
        (
            open_page,
            lambda body, arg: page.evaluate(f"(arg) => {{ {body} }}", arg),
        ),
    )
    browser.close()


@contextmanager
def _webkit() -> Iterator[Customer]:
    with virtual_display() as display, minibrowser(display, *WINDOW) as driver:

        def open_page(url: str) -> None:
            driver.get(url)
            WebDriverWait(driver, 20).until(lambda d: d.execute_script(READY_JS))

        yield (
            open_page,
            lambda body, arg: driver.execute_script(f"const arg = arguments[0]; {body}", arg),
        )


@contextmanager
def _firefox() -> Iterator[Customer]:
    with firefox.firefox() as bidi:
        viewport = {"width": WINDOW[0], "height": WINDOW[1]}
        bidi.call("browsingContext.setViewport", {"context": bidi.context, "viewport": viewport})

        def open_page(url: str) -> None:
            params = {"context": bidi.context, "url": url, "wait": "complete"}
            bidi.call("browsingContext.navigate", params)
            bidi.run("return document.fonts.ready.then(() => true)")

        yield open_page, lambda body, arg: bidi.run(f"const arg = arguments[0]; {body}", arg)


def _boxes(server: Browser, url: str, size: list[int], report: Any) -> Any:
    """The page's boxes in a fresh page of the server's Chromium of the customer's viewport; with
    a ``report`` of the customer's fonts, given them as the render page takes them."""
    page = server.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        page.goto(url)
        if report is not None:
            fonts = _module("web/fonts.js")
            generics = page.evaluate(
                f"(arg) => {{ {fonts} return JSON.stringify(fontMetrics(arg)); }}", GENERICS
            )
            measure_named = f"(arg) => {{ {fonts} return JSON.stringify(namedFontMetrics(arg)); }}"
            local = LocalFonts.measured(
                json.loads(generics), json.loads(page.evaluate(measure_named, list(CANDIDATES)))
            )
            here = json.loads(page.evaluate(measure_named, named_fonts(report)))
            choice = choose(report, local, here)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Page.setFontFamilies", {"fontFamilies": choice.families})
            if choice.sizes:
                cdp.send("Page.setFontSizes", {"fontSizes": choice.sizes})
            aliases = faces_for(choice, local_faces())
            page.evaluate(f"(arg) => {{ {_module('web/render/fonts.js')} {ALIASES_JS} }}", aliases)
        page.wait_for_function(f"() => {{ {READY_JS} }}")
        return page.evaluate(f"() => {{ {BOXES_JS} }}")
    finally:
        page.close()


def markdown(data: dict[str, Any]) -> str:
    if "error" in data:
        return f"Not measured: {data['error']}\n"
    text = ""
    for customer in data["customers"]:
        text += f"{customer['customer']}, the server's own fonts:\n\n" + _table(customer["pages"])
        text += "\nThe customer's fonts, as the render page takes them:\n\n"
        text += _table(customer["mapped"]) + "\n"
    return text


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
