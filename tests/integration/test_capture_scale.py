"""The capture scale follows the machine's load on a live session: once frames of several pages
arrive late, the render page's next frame goes to the agent captured small with the size it
stands for; once they arrive early again, or stop coming, a still page is sent sharp again
without waiting for its next change."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aiohttp

from mirror.frames.patches import SCALED
from mirror.render.load import CaptureLoad
from mirror.render.supervisor import SupervisedChromium
from tests.aio import in_thread
from tests.integration.joined import watched
from tests.integration.test_watching import until
from tests.wsclient import page_snapshot

JPEG = b"\xff\xd8"


async def collect(agent: aiohttp.ClientWebSocketResponse, into: list[bytes]) -> None:
    async for message in agent:
        if message.type == aiohttp.WSMsgType.BINARY:
            into.append(message.data)


@in_thread
async def test_frames_come_small_while_behind_and_sharp_again_after(tmp_path: Path) -> None:
    async with watched(tmp_path, capture="screencast") as session:  # Windows are read whole.
        frames: list[bytes] = []
        reader = asyncio.create_task(collect(session.agent, frames))
        try:  # Joined: the first frame has come (watched).
            load = session.load
            for i in range(20):  # Late frames of three pages: the machine is behind.
                load.frame(0.5, i % 3)
            assert load.scale == 0.5
            load.hold = 3600.0  # Stays small whatever the page's own frames say meanwhile.
            await until(lambda: session.render.capture_scale == 0.5, "no restart at half size")
            seen = len(frames)
            events = page_snapshot("Captured small")
            await session.customer.send_json({"v": 1, "type": "events", "events": events})
            await until(lambda: any(f[:1] == SCALED for f in frames[seen:]), "no small frame")
            taken = session.captured()
            # The settle frame a quarter of a second later (the same picture, not sent): the
            # page is still from here on.
            await until(lambda: session.captured() > taken, "no settle frame")

            load.hold = 0.0
            for i in range(20):  # Early frames: caught up.
                load.frame(0.01, i % 3)
            assert load.scale == 1.0
            seen = len(frames)
            # No change from the customer: the page is still, and is sent sharp all the same.
            await until(lambda: any(f[:2] == JPEG for f in frames[seen:]), "not sharp again")
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


@in_thread
async def test_the_full_scale_comes_back_once_no_frame_comes() -> None:
    load = CaptureLoad()
    for i in range(20):  # Late frames of three pages: the machine is behind.
        load.frame(0.5, i % 3)
    assert load.scale == 0.5
    load.hold = 0.0
    # No page sends a frame from here on: the browser's supervisor checks the load all the same.
    host = await SupervisedChromium.start(load=load)
    try:
        await until(lambda: load.scale == 1.0, "the scale stayed small")
    finally:
        await host.close()
