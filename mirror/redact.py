"""Layer 3 of masking: before a frame leaves the server, the rectangles of hidden and blocked
elements (measured in the mirror for that frame) are made uniform.

The mirror already draws opaque boxes there (layer 2), so the usual case is a check that each
rectangle is uniform, which costs one JPEG decode; a frame where a rectangle is not uniform
(the page moved between frame and measurement, or layer 2 failed) is painted and re-encoded.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

Rect = tuple[int, int, int, int]  # x, y, width, height in the frame's pixels

MASK_RGB = (0xC9, 0xCE, 0xD8)  # MASK_COLOUR in mirror/web/mirror/masks.js
JPEG_QUALITY = 70
# JPEG rings at a box's edges: the interior, this far in, must stay within TOLERANCE levels.
EDGE_PX = 4
TOLERANCE = 24


def redact(jpeg: bytes, rects: list[Rect]) -> bytes:
    """The frame with every rectangle uniform: unchanged bytes when it already is."""
    if not rects:
        return jpeg
    # The check decodes at half size (JPEG's DCT scaling, several times cheaper): a leak of even
    # one-pixel text still moves a 2x2 average far beyond the tolerance.
    preview = Image.open(io.BytesIO(jpeg))
    preview.draft("RGB", (preview.width // 2, preview.height // 2))
    scale = preview.width / Image.open(io.BytesIO(jpeg)).width if preview.width else 1.0
    if all(is_uniform(preview, rect, scale) for rect in rects):
        return jpeg
    image = Image.open(io.BytesIO(jpeg))
    image.load()
    return paint(image, rects)


def is_uniform(image: Image.Image, rect: Rect, scale: float = 1.0) -> bool:
    x, y, width, height = (round(v * scale) for v in rect)
    edge = max(2, round(EDGE_PX * scale))
    inner = (x + edge, y + edge, x + width - edge, y + height - edge)
    if inner[2] <= inner[0] or inner[3] <= inner[1]:
        inner = (x, y, x + width, y + height)
    extrema = image.crop(inner).getextrema()
    return all(high - low <= TOLERANCE for low, high in extrema)  # type: ignore[misc]


def paint(image: Image.Image, rects: list[Rect]) -> bytes:
    image = image.convert("RGB")
    draw = ImageDraw.Draw(image)
    for x, y, width, height in rects:
        draw.rectangle((x, y, x + width - 1, y + height - 1), fill=MASK_RGB)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()
