"""Layer 3: a frame leaves with every masked rectangle flat."""

from __future__ import annotations

import numpy as np

from bench.redaction import RECTS, busy_frame
from mirror.frames.frame import Frame, Rect, decode_frame
from mirror.frames.redact import EDGE_PX, MASK_RGB, TOLERANCE, redact


def spread(frame: Frame, rect: Rect) -> int:
    x, y, w, h = rect
    inner = frame.pixels[y + EDGE_PX : y + h - EDGE_PX, x + EDGE_PX : x + w - EDGE_PX, :3]
    return int((inner.max(axis=(0, 1)).astype(int) - inner.min(axis=(0, 1))).max())


def test_a_frame_whose_rectangles_are_already_flat_leaves_unchanged() -> None:
    frame = decode_frame(busy_frame(masked=True))
    assert redact(frame, RECTS) is frame


def test_a_frame_showing_a_masked_area_is_painted_flat_in_what_is_sent() -> None:
    frame = decode_frame(busy_frame(masked=False))
    assert all(spread(frame, r) > TOLERANCE for r in RECTS)  # The test frame shows content.
    redacted = redact(frame, RECTS)
    assert redacted is not frame and redacted.jpeg is None  # Never the screencast's bytes.
    sent = decode_frame(redacted.encoded())
    assert all(spread(sent, r) <= TOLERANCE for r in RECTS)


def test_a_rectangle_partly_outside_the_frame_is_painted_inside_it_only() -> None:
    frame = decode_frame(busy_frame(masked=False))
    width, height = frame.width, frame.height
    corner = (-30, height - 40, 200, 100)  # Off the left and bottom edges.
    redacted = redact(frame, [corner])
    inside = redacted.pixels[height - 40 :, :170, :3]
    assert (inside == MASK_RGB).all()
    # Negative coordinates must not wrap round to the other side of the frame.
    assert (redacted.pixels[:, width - 40 :] == frame.pixels[:, width - 40 :]).all()
    assert (redacted.pixels[: height - 40] == frame.pixels[: height - 40]).all()


def test_no_rectangles_costs_nothing() -> None:
    frame = decode_frame(busy_frame(masked=False))
    assert redact(frame, []) is frame


def test_a_frame_captured_small_is_painted_and_still_shown_at_the_screens_size() -> None:
    frame = decode_frame(busy_frame(masked=False))
    frame.shown = (2 * frame.width, 2 * frame.height)
    redacted = redact(frame, RECTS)
    assert redacted is not frame and redacted.shown == frame.shown


def test_a_drawn_frame_is_painted_when_anything_differs_even_at_a_boxs_edge() -> None:
    """A window's frame (no JPEG, no rings): a mark in the band a JPEG frame leaves out is
    painted over too."""
    pixels = np.full((100, 200, 4), 255, dtype=np.uint8)
    pixels[20:60, 30:150, :3] = MASK_RGB  # The render page's own box.
    pixels[21, 40:44, :3] = 0  # A glyph's foot inside the box's top edge.
    drawn = Frame(pixels, jpeg=None)
    redacted = redact(drawn, [(30, 20, 120, 40)])
    assert redacted is not drawn
    assert (redacted.pixels[20:60, 30:150, :3] == MASK_RGB).all()
    pixels[21, 40:44, :3] = MASK_RGB
    assert redact(drawn, [(30, 20, 120, 40)]) is drawn  # Flat: left as it is.
