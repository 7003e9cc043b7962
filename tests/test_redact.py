"""Layer 3: a frame leaves with every masked rectangle flat."""

from __future__ import annotations

import io

from PIL import Image

from bench.redaction import RECTS, _frame
from mirror.redact import EDGE_PX, TOLERANCE, redact


def spread(jpeg: bytes, rect: tuple[int, int, int, int]) -> int:
    x, y, w, h = rect
    inner = (x + EDGE_PX, y + EDGE_PX, x + w - EDGE_PX, y + h - EDGE_PX)
    extrema = Image.open(io.BytesIO(jpeg)).convert("RGB").crop(inner).getextrema()
    return max(high - low for low, high in extrema)  # type: ignore[misc]


def test_a_frame_whose_rectangles_are_already_flat_leaves_unchanged() -> None:
    frame = _frame(masked=True)
    assert redact(frame, RECTS) is frame


def test_a_frame_showing_a_masked_area_is_painted_flat() -> None:
    frame = _frame(masked=False)
    assert all(spread(frame, r) > TOLERANCE for r in RECTS)  # The test frame shows content.
    redacted = redact(frame, RECTS)
    assert redacted != frame
    assert all(spread(redacted, r) <= TOLERANCE for r in RECTS)


def test_no_rectangles_costs_nothing() -> None:
    frame = _frame(masked=False)
    assert redact(frame, []) is frame
