"""Whether a render page still answers: a renderer stopped or stuck in a loop answers nothing,
and its page must be rebuilt elsewhere (see :func:`until_unanswered`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from playwright.async_api import CDPSession
from playwright.async_api import Error as PlaywrightError

HEARTBEAT_S = 3.0  # How often a started page is asked whether it still answers...
ANSWER_S = 10.0  # ...and how long it has (a busy machine's pages are slow, not stopped).


async def until_unanswered(
    cdp: CDPSession, closed: Callable[[], bool], browser_answers: Callable[[], Awaitable[bool]]
) -> bool:
    """Ask the page through ``cdp`` every HEARTBEAT_S until it fails to answer while its browser
    still does (True), or until ``closed()`` (False). A browser that stops answering is its
    supervisor's to replace, so that is not the page's failure."""
    while not closed():
        await asyncio.sleep(HEARTBEAT_S)
        if not await _answers(cdp) and not closed() and await browser_answers():
            return True
    return False


async def _answers(cdp: CDPSession) -> bool:
    try:
        async with asyncio.timeout(ANSWER_S):
            await cdp.send("Runtime.evaluate", {"expression": "0"})
    except TimeoutError:
        return False
    except PlaywrightError:  # Closed or crashed: reported by close() or the crash event.
        pass
    return True
