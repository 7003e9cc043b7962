"""The masks of a frame read from a window come from the render page itself, measured in the
animation frame that played the customer's change (mirror/render/masks.py): a hidden element
moved by the customer is redacted where it moved to, without asking the page."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mirror.frames.frame import Frame
from mirror.render.rrweb import EventType, IncrementalSource
from mirror.render.screencast import Measuring
from tests.aio import in_thread
from tests.integration.joined import watched

WAIT_S = 20.0
PARAGRAPH = 5  # The paragraph of bench.healing.page_snapshot.
STYLE = "position: absolute; left: {left}px; top: 100px; width: 60px; height: 20px"


def hidden_at(left: int) -> dict[str, object]:
    """The customer's paragraph hidden from the agent, at ``left`` CSS pixels."""
    attributes = {"data-cobrowse-hidden": "", "style": STYLE.format(left=left)}
    change = {
        "source": IncrementalSource.MUTATION,
        "texts": [],
        "removes": [],
        "adds": [],
        "attributes": [{"id": PARAGRAPH, "attributes": attributes}],
    }
    return {"type": EventType.INCREMENTAL_SNAPSHOT, "timestamp": 1, "data": change}


@in_thread
async def test_a_moved_mask_is_measured_by_the_page_with_the_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with watched(tmp_path, capture="windows") as session:
        window = session.render._emulation.window
        assert window is not None
        masks = session.render._masks
        pushed: list[Measuring] = []
        frames: asyncio.Queue[Measuring | None] = asyncio.Queue()
        take_pushed, take_frame = masks.take, window._take

        def taking_pushed() -> Measuring | None:
            measuring = take_pushed()
            if measuring is not None:
                pushed.append(measuring)
            return measuring

        def taking_frame(frame: Frame, at: float, measuring: Measuring | None) -> None:
            frames.put_nowait(measuring)
            take_frame(frame, at, measuring)

        monkeypatch.setattr(masks, "take", taking_pushed)
        monkeypatch.setattr(window, "_take", taking_frame)
        for left in (10, 300):
            await session.customer.send_json(
                {"v": 1, "type": "events", "events": [hidden_at(left)]}
            )
            async with asyncio.timeout(WAIT_S):
                while True:  # The first frame whose masks show the paragraph where it went.
                    measuring = await frames.get()
                    rects = await measuring if measuring is not None else None
                    if rects and round(rects[0][0]) == left:
                        break
            assert measuring in pushed, f"the masks of the paragraph at {left} were asked for"
