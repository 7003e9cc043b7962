"""Which masks go with a frame read from a window: the ones the render page pushed for the last
batch, or, failing those, ones asked of it (mirror/render/masks.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from mirror.render import masks
from mirror.render.load import BEHIND_S, CaptureLoad
from mirror.render.masks import BINDING, Masks
from tests.aio import in_thread

ASKED = [[0.0, 0.0, 1.0, 1.0]]  # What the page answers when asked.


class Page:
    """The CDP session of a render page, as Masks uses it: it answers an evaluate with ASKED
    and lets a test call the page's binding."""

    def __init__(self) -> None:
        self.asked = 0
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {}

    def on(self, event: str, handler: Callable[[dict[str, Any]], None]) -> None:
        self._handlers[event] = handler

    async def send(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "Runtime.evaluate":
            self.asked += 1
            return {"result": {"value": json.dumps(ASKED)}}
        return {}

    def push(self, payload: object, name: str = BINDING) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self._handlers["Runtime.bindingCalled"]({"name": name, "payload": text})


class Window:
    """A page's window frames, as Masks asks them: whether they are read."""

    reading = True


async def attached() -> tuple[Masks, Page]:
    page, measured = Page(), Masks(CaptureLoad())
    await measured.attach(page, Window())  # type: ignore[arg-type]
    return measured, page


@in_thread
async def test_the_drawing_after_a_batch_gets_the_masks_pushed_for_it() -> None:
    measured, page = await attached()
    batch = measured.expect()
    measuring = measured.take()  # The drawing is reported before the push comes.
    assert measuring is not None
    page.push({"batch": batch, "rects": [[10, 20, 30, 40]]})
    assert await measuring == [[10, 20, 30, 40]]
    assert page.asked == 0
    assert measured.take() is None  # One drawing a push: the next is measured as it comes.


@in_thread
async def test_a_push_may_come_before_the_drawing() -> None:
    measured, page = await attached()
    page.push({"batch": measured.expect(), "rects": []})
    measuring = measured.take()
    assert measuring is not None and await measuring == []
    assert page.asked == 0


@in_thread
async def test_only_the_last_batch_push_counts() -> None:
    measured, page = await attached()
    older = measured.expect()
    newer = measured.expect()
    measuring = measured.take()
    assert measuring is not None
    page.push({"batch": older, "rects": [[1, 1, 1, 1]]})
    page.push({"batch": newer, "rects": [[2, 2, 2, 2]]})
    assert await measuring == [[2, 2, 2, 2]]


@in_thread
async def test_a_push_that_does_not_come_is_replaced_by_asking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(masks, "WAIT_S", 0.01)
    measured, page = await attached()
    measured.expect()
    measuring = measured.take()
    assert measuring is not None
    page.push("not json")  # Ignored, as is another binding's call.
    page.push({"batch": 1, "rects": [[5, 5, 5, 5]]}, name="somethingElse")
    assert await measuring == ASKED
    assert page.asked == 1


@in_thread
async def test_a_batch_long_gone_has_no_push_for_a_drawing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(masks, "WAIT_S", 0.01)
    measured, _ = await attached()
    measured.expect()
    await asyncio.sleep(0.02)  # ok-sleep: past WAIT_S, the case itself.
    assert measured.take() is None


@in_thread
async def test_a_page_that_cannot_measure_says_so() -> None:
    measured, page = await attached()
    batch = measured.expect()
    measuring = measured.take()
    assert measuring is not None
    page.push({"batch": batch, "error": "mid-rebuild"})
    with pytest.raises(ValueError, match="mid-rebuild"):
        await measuring


@in_thread
async def test_a_measurement_cancelled_lets_go_of_its_push() -> None:
    measured, page = await attached()
    batch = measured.expect()
    measuring = measured.take()
    assert measuring is not None
    measuring.cancel()
    await asyncio.wait([measuring])
    await asyncio.sleep(0)  # ok-sleep: one turn, for its done callbacks.
    page.push({"batch": batch, "rects": []})  # Nobody waits for it: nothing breaks.
    assert measured._taken == {}


@in_thread
async def test_a_push_is_asked_for_only_where_a_frame_would_take_it_at_once() -> None:
    load, window = CaptureLoad(), Window()
    measured = Masks(load)
    await measured.attach(Page(), None)  # type: ignore[arg-type]
    assert measured.expect() is None  # Screencast frames: measured when taken.
    await measured.attach(Page(), window)  # type: ignore[arg-type]
    window.reading = False  # Nobody looks at the view.
    assert measured.expect() is None
    window.reading = True
    load.lag = BEHIND_S * 2  # Chromium is behind: frames go in their turn.
    assert measured.expect() is None
    load.lag = 0.0
    assert measured.expect() == 1
