"""The render page's own origin, and calls into its ``cobrowseRender``
(mirror/web/render/render.js)."""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import CDPSession, Route

from mirror.assets import package_file

# The render page's own origin: never resolved, every request to it is answered from the package.
RENDER_ORIGIN = "http://render.cobrowse.invalid"
RENDER_FILES = {
    "/": ("web/render/render.html", "text/html; charset=utf-8"),
    "/render.js": ("static/render.js", "text/javascript"),
    "/render.css": ("static/render.css", "text/css"),
}


async def served_from_package(route: Route) -> bool:
    """Answer a request to the render page's own origin (its files, anything else refused);
    False for any other origin's."""
    url = route.request.url
    if not url.startswith(RENDER_ORIGIN + "/"):
        return False
    path = url[len(RENDER_ORIGIN) :].split("?", 1)[0]
    if path in RENDER_FILES:
        name, content_type = RENDER_FILES[path]
        await route.fulfill(body=package_file(name), content_type=content_type)
    else:
        await route.abort("blockedbyclient")
    return True


async def render_call(cdp: CDPSession, method: str, *args: object, awaited: bool = False) -> Any:
    """``cobrowseRender.<method>(*args)`` in the page, through a plain CDP evaluate: under load,
    Playwright's evaluate takes several times as long (the mask measurement with busy sessions).
    The arguments go in as JSON literals: data, never code. ``awaited``: the method returns a
    promise, waited for. Raises PlaywrightError when the page is gone, ValueError when the call
    threw."""
    expression = f"cobrowseRender.{method}({', '.join(json.dumps(a) for a in args)})"
    answer = await cdp.send(
        "Runtime.evaluate",
        {"expression": expression, "returnByValue": True, "awaitPromise": awaited},
    )
    if "exceptionDetails" in answer:
        details = answer["exceptionDetails"]
        raise ValueError(details.get("exception", {}).get("description") or details["text"])
    return answer.get("result", {}).get("value")
