"""Calls into a render page's ``cobrowseRender`` (mirror/web/render/render.js)."""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import CDPSession


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
