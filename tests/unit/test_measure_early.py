"""When a frame read from a window has its masks' measurement started before the read
(mirror/render/screencast.py, Screencast.measure_early)."""

from __future__ import annotations

import time

import numpy as np

from mirror.frames.frame import Frame
from mirror.render.load import BEHIND_S, CaptureLoad
from mirror.render.pacing import Pacer
from mirror.render.rest import Rest
from mirror.render.screencast import Measured, Screencast
from tests.aio import in_thread


async def _nothing() -> None:
    return None


async def _not_quiet() -> bool:
    return False


@in_thread
async def test_masks_are_measured_early_only_for_a_frame_taken_at_once_in_time() -> None:
    measured: list[Measured] = []

    async def measure() -> Measured:
        measured.append([[0.0, 0.0, 10.0, 10.0]])
        return measured[-1]

    load = CaptureLoad()
    frames = Screencast(measure, _nothing, Pacer(), Rest(_not_quiet, _nothing), load)
    assert frames.measure_early() is None  # No frame is sent before the page is rebuilt.
    await frames.page_rebuilt()
    early = frames.measure_early()
    assert early is not None
    assert await early == measured[-1]
    load.lag = BEHIND_S * 2  # Chromium is behind: the frame goes in its turn.
    assert frames.measure_early() is None
    load.lag = 0.0
    frames.take(Frame(np.zeros((2, 2, 4), dtype=np.uint8), jpeg=None), time.time())
    assert frames.measure_early() is None  # A frame waits for the worker: this one would too.
    assert len(measured) == 1
