"""Layer 3 of masking: before a frame leaves the server, the rectangles of hidden and blocked
elements (measured in the render page for that frame) are made uniform (:func:`redact`).
"""

from __future__ import annotations

import numpy as np

from mirror.frames.frame import Frame, Rect

MASK_RGB = (0xC9, 0xCE, 0xD8)  # MASK_COLOUR in mirror/web/render/masks.js
# JPEG rings at a box's edges: the interior, this far in, must stay within TOLERANCE levels.
EDGE_PX = 4
TOLERANCE = 24
# A frame read as Chromium drew it (a window's: no JPEG) has no rings: all of a box must be
# flat, or it is painted over (an element's own border and corners included).
DRAWN_EDGE_PX = 0


def redact(frame: Frame, rects: list[Rect]) -> Frame:
    """The frame with every rectangle uniform: the same frame when it already is.

    The render page already draws opaque boxes there (layer 2), so the usual case is a check; a
    frame where a rectangle is not uniform (the page moved between frame and measurement, or layer
    2 failed) is painted over, and whatever is sent of it afterwards is encoded from the painted
    pixels.
    """
    return frame if all_uniform(frame, rects) else paint(frame, rects)


def all_uniform(frame: Frame, rects: list[Rect]) -> bool:
    """The usual case, and cheap: a check, where painting copies every pixel."""
    edge = EDGE_PX if frame.jpeg is not None else DRAWN_EDGE_PX
    return all(is_uniform(frame.pixels, rect, edge) for rect in rects)


def paint(frame: Frame, rects: list[Rect]) -> Frame:
    """A copy of the frame with every rectangle in the mask colour (a copy of every pixel),
    shown at the same size."""
    painted = frame.copy()
    pixels = painted.pixels
    for rect in rects:
        x0, y0, x1, y1 = _clipped(pixels, rect)
        pixels[y0:y1, x0:x1, :3] = MASK_RGB
    return painted


def is_uniform(pixels: np.ndarray, rect: Rect, edge: int = EDGE_PX) -> bool:
    x, y, width, height = rect
    inner = (x + edge, y + edge, width - 2 * edge, height - 2 * edge)
    if inner[2] <= 0 or inner[3] <= 0:
        inner = rect
    x0, y0, x1, y1 = _clipped(pixels, inner)
    if x1 <= x0 or y1 <= y0:
        return True  # Nothing of it is in the frame.
    # Each row of the area is contiguous: reduce the rows first, then the pixels of the result
    # (numpy's reduction over two strided axes at once is much slower).
    rows = pixels[y0:y1, x0:x1].reshape(y1 - y0, -1)
    high = rows.max(axis=0).reshape(-1, 4).max(axis=0)
    low = rows.min(axis=0).reshape(-1, 4).min(axis=0)
    return bool(((high[:3].astype(int) - low[:3]) <= TOLERANCE).all())


def _clipped(pixels: np.ndarray, rect: Rect) -> tuple[int, int, int, int]:
    """The rectangle's corners (x0, y0, x1, y1) inside the frame (numpy slices must not wrap)."""
    height, width = pixels.shape[:2]
    x, y, w, h = rect
    return max(0, x), max(0, y), min(width, x + w), min(height, y + h)
