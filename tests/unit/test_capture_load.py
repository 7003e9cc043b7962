"""The capture scale follows the machine's load: smaller once frames arrive late, full again once
they arrive early for long enough, and slower to come back after falling behind again soon."""

from __future__ import annotations

import numpy as np

from mirror.frames.frame import Frame
from mirror.render.load import HOLD_S, MAX_HOLD_S, QUIET_S, CaptureLoad
from mirror.render.screencast import shown_size
from mirror.wire import Viewport


class Clock:
    """Frames 20 ms apart: each frame reads the clock once."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 0.02
        return self.now


def frames(load: CaptureLoad, lag: float, count: int = 100, pages: int = 5) -> None:
    for i in range(count):
        load.frame(lag, i % pages)


def test_frames_on_time_keep_the_full_scale() -> None:
    load = CaptureLoad(clock=Clock())
    frames(load, 0.02)
    assert load.scale == 1.0


def test_late_frames_bring_the_smaller_scale_and_early_ones_after_the_hold_the_full() -> None:
    clock, changes = Clock(), []
    load = CaptureLoad(1.0, 0.5, clock=clock)
    load.on_change(lambda: changes.append(load.scale))
    frames(load, 0.01, 5)
    frames(load, 0.5, 4)  # A few late frames are not enough: the median is of the last nine.
    assert load.scale == 1.0
    frames(load, 0.5, 10)
    assert load.scale == 0.5 and changes == [0.5]
    frames(load, 0.01, 20)  # Caught up at once, but the hold has not passed.
    assert load.scale == 0.5
    clock.now += HOLD_S
    frames(load, 0.01, 1)
    assert load.scale == 1.0 and changes == [0.5, 1.0]


def test_no_frame_for_a_while_brings_the_full_scale_back_within_the_hold() -> None:
    clock, changes = Clock(), []
    load = CaptureLoad(1.0, 0.5, clock=clock)
    load.on_change(lambda: changes.append(load.scale))
    frames(load, 0.5, 20)
    assert load.scale == 0.5 and load.hold > QUIET_S
    clock.now += QUIET_S / 2
    frames(load, 0.5, 1)  # A late frame: still behind.
    clock.now += QUIET_S / 2
    load.check()
    assert load.scale == 0.5
    clock.now += QUIET_S / 2  # No frame for QUIET_S: nothing left to draw.
    load.check()
    assert load.scale == 1.0 and changes == [0.5, 1.0]
    frames(load, 0.01, 1)  # The late frames of before no longer count.
    assert load.scale == 1.0 and load.lag == 0.01


def test_late_frames_of_one_or_two_pages_are_theirs_not_the_machines() -> None:
    load = CaptureLoad(clock=Clock())
    frames(load, 0.8, 50, pages=2)  # Two pages rebuilding a large snapshot each.
    assert load.lag == 0.8 and load.scale == 1.0
    frames(load, 0.8, 50, pages=3)
    assert load.scale == 0.5


def test_falling_behind_again_soon_after_doubles_the_hold_up_to_its_bound() -> None:
    clock = Clock()
    load = CaptureLoad(clock=clock)
    holds = []
    for _ in range(8):
        frames(load, 0.5)
        assert load.scale == 0.5
        holds.append(load.hold)
        frames(load, 0.01)
        clock.now += load.hold
        frames(load, 0.01, 1)
        assert load.scale == 1.0
    assert holds[:3] == [HOLD_S, 2 * HOLD_S, 4 * HOLD_S] and holds[-1] == MAX_HOLD_S
    clock.now += 3600  # Long after: back to the first hold.
    frames(load, 0.5)
    assert load.hold == HOLD_S


def test_a_scale_when_behind_of_one_never_changes_it_and_a_listener_can_stop() -> None:
    load, calls = CaptureLoad(1.0, 1.0, clock=Clock()), []
    stop = load.on_change(lambda: calls.append(1))
    frames(load, 2.0)
    assert load.scale == 1.0 and calls == []
    fixed = CaptureLoad(0.5, 0.5, clock=Clock())
    assert fixed.scale == 0.5
    other = CaptureLoad(clock=Clock())
    stop_other = other.on_change(lambda: calls.append(2))
    stop_other()
    frames(other, 2.0)
    assert other.scale == 0.5 and calls == []
    stop()


def test_a_frame_is_shown_stretched_only_when_markedly_smaller_and_of_the_screens_shape() -> None:
    def frame(width: int, height: int) -> Frame:
        return Frame(np.zeros((height, width, 4), np.uint8), jpeg=None)

    screen = Viewport(1280, 800)
    assert shown_size(frame(640, 400), screen) == (1280, 800)
    assert shown_size(frame(1280, 800), screen) is None
    assert shown_size(frame(1240, 775), screen) is None  # Within rounding of the screen's size.
    assert shown_size(frame(800, 600), screen) is None  # A frame from before a resize.
