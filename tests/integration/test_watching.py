"""A view nobody sees is not captured: the agent's page says when its view leaves sight (a
hidden tab, a minimised window, scrolled away), the render page's screencast stops while the
customer's changes are still applied, and a fresh frame of the page as it is now comes when the
agent looks again. The same when the agent's page is gone, until it comes back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from mirror.render import rest
from mirror.render.rrweb import EventType, IncrementalSource
from tests.aio import in_thread
from tests.integration.joined import watched
from tests.wsclient import page_snapshot

POLL_S = 0.02
WAIT_S = 20.0


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for ``condition()`` to hold, failing after WAIT_S with ``what``."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(WAIT_S):
            while not condition():  # noqa: ASYNC110
                await asyncio.sleep(POLL_S)  # ok-sleep: a bounded poll; nothing announces it.
    assert condition(), what


async def shown_in_mirror(page: Page, text: str) -> None:
    """The render page has applied the customer's change and painted it twice over: a running
    screencast would have taken a frame of it by then."""
    await expect(page.frame_locator("iframe").get_by_text(text)).to_be_visible()
    await page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


@in_thread
async def test_a_view_out_of_sight_is_not_captured(tmp_path: Path) -> None:
    async with watched(tmp_path) as session:
        customer, agent, render, captured = (
            session.customer,
            session.agent,
            session.render,
            session.captured,
        )
        await agent.send_json({"v": 1, "type": "watching", "visible": False})
        await until(lambda: not render.capturing, "the screencast did not stop")
        before = captured()
        await customer.send_json({"v": 1, "type": "events", "events": page_snapshot("Unseen")})
        await shown_in_mirror(session.chromium, "Unseen")
        assert captured() == before, "a frame was taken of a view nobody sees"

        await agent.send_json({"v": 1, "type": "watching", "visible": True})
        # The page as it is now, without any new change from the customer.
        await until(lambda: captured() > before, "no fresh frame when the agent looked again")
        assert render.capturing

        await agent.close()  # Gone, within its grace period: nobody sees the view.
        await until(lambda: not render.capturing, "capture went on without an agent")


def spinning_page(text: str) -> list[dict[str, Any]]:
    """``page_snapshot(text)`` with its paragraph turning for ever (a spinner)."""
    events = page_snapshot(text)
    head = events[1]["data"]["node"]["childNodes"][0]["childNodes"][0]
    css = "@keyframes turn { to { transform: rotate(360deg) } } p { animation: turn 1s infinite }"
    head["childNodes"] = [
        {"type": 2, "tagName": "style", "attributes": {"_cssText": css}, "childNodes": [], "id": 50}
    ]
    return events


def test_a_still_page_rests_until_something_would_paint_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rest, "REST_S", 1.0)  # The server's is longer: nothing else differs.
    resting_page(tmp_path)


def test_a_still_page_in_a_window_is_read_on_at_its_next_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rest, "REST_S", 0.2)
    still_window(tmp_path, monkeypatch)


@in_thread
async def still_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with watched(tmp_path, capture="windows") as session:
        window = session.render._emulation.window
        assert window is not None
        whole_reads = 0
        read_whole = window._read_whole

        def counted() -> bool:
            nonlocal whole_reads
            whole_reads += 1
            return read_whole()

        monkeypatch.setattr(window, "_read_whole", counted)
        # The pause is the case: a page that rested would have stopped reading by its end.
        await asyncio.sleep(5 * rest.REST_S)  # ok-sleep: a still page, for longer than REST_S.
        assert session.render.capturing
        before = session.captured()
        change = {"source": IncrementalSource.MUTATION, "texts": [{"id": 6, "value": "Changed"}]}
        event = {"type": EventType.INCREMENTAL_SNAPSHOT, "timestamp": 1, "data": change}
        await session.customer.send_json({"v": 1, "type": "events", "events": [event]})
        await until(lambda: session.captured() > before, "no frame of the change")
        assert whole_reads == 0, "the window was read whole for a change after a still page"


@in_thread
async def resting_page(tmp_path: Path) -> None:
    async with watched(tmp_path, capture="screencast") as session:
        customer, chromium, captured = session.customer, session.chromium, session.captured
        frames = session.live.frames
        await until(lambda: not session.render.capturing, "a still page kept its screencast")
        await until(
            lambda: frames.last is not None and not frames.last.decoded,
            "a resting page's frame kept its pixels",
        )
        assert not session.agent.closed  # Seen all along: it rests.
        before = captured()
        await customer.send_json({"v": 1, "type": "events", "events": page_snapshot("Changed")})
        await until(lambda: captured() > before, "no frame of the change to a resting page")
        assert session.render.capturing

        # A page that paints by itself is not quiet, whatever the time without a change.
        await customer.send_json({"v": 1, "type": "events", "events": spinning_page("Turning")})
        await shown_in_mirror(chromium, "Turning")
        assert not await chromium.evaluate("cobrowseRender.quiet()")
        await customer.send_json({"v": 1, "type": "events", "events": page_snapshot("Still")})
        await shown_in_mirror(chromium, "Still")
        assert await chromium.evaluate("cobrowseRender.quiet()")
