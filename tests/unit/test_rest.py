"""When a render page rests (mirror/render/rest.py), without a browser: frames, wakes and the
page's answer to "are you quiet" are played by hand."""

from __future__ import annotations

import asyncio

from mirror.render.rest import Rest
from tests.aio import in_thread

SHORT_S = 0.01


class Page:
    """The page's side: whether it is quiet, and the capture following ``rest.resting``."""

    def __init__(self, quiet: bool = True) -> None:
        self.quiet = quiet
        self.asked = asyncio.Event()
        self.answer = asyncio.Event()  # Set to let an answer go (see held).
        self.answer.set()
        self.applied = asyncio.Event()
        self.questions = 0
        self.rested_after = 0  # Questions asked when the capture followed a rest.
        self.rest = Rest(self.is_quiet, self.apply, rest_s=SHORT_S)

    async def is_quiet(self) -> bool:
        self.questions += 1
        self.asked.set()
        await self.answer.wait()
        return self.quiet

    async def apply(self) -> None:
        self.rested_after = self.questions
        self.applied.set()


@in_thread
async def test_a_page_without_frames_rests_and_a_wake_says_it_did() -> None:
    page = Page()
    page.rest.frame()
    await asyncio.wait_for(page.applied.wait(), 5)
    assert page.rest.resting
    assert page.rest.wake()  # The caller starts capturing again.
    assert not page.rest.resting
    assert not page.rest.wake()  # Awake already: nothing to start.
    page.rest.stop()


@in_thread
async def test_a_page_that_paints_by_itself_does_not_rest() -> None:
    page = Page(quiet=False)
    page.rest.frame()
    await asyncio.wait_for(page.asked.wait(), 5)
    page.asked.clear()
    await asyncio.wait_for(page.asked.wait(), 5)  # Asked again later, still awake.
    assert not page.rest.resting and not page.applied.is_set()
    page.rest.stop()


@in_thread
async def test_a_wake_while_the_page_is_asked_keeps_it_awake() -> None:
    page = Page()
    page.answer.clear()
    page.rest.frame()
    await asyncio.wait_for(page.asked.wait(), 5)
    page.rest.wake()  # A batch applied meanwhile: its frame is still to come.
    page.answer.set()
    await asyncio.wait_for(page.applied.wait(), 5)
    # Not on the answer given across the wake: on the next, a whole wait after it.
    assert page.rest.resting and page.rested_after == 2
    page.rest.stop()


@in_thread
async def test_a_stopped_rest_asks_nothing_more() -> None:
    page = Page()
    page.rest.stop()
    page.rest.frame()  # A frame late after the page closed.
    page.rest.wake()
    await asyncio.sleep(10 * SHORT_S)  # ok-sleep: nothing is to happen, so nothing announces it.
    assert page.questions == 0
