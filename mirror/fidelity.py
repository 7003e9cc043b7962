"""How closely the agent's view matches the customer's screen: the share of differing blocks.

Both images are turned to grey and averaged over 8x8 blocks; a block differs when its means are
more than 24 grey levels apart. JPEG artefacts alone stay well under that.
"""

from __future__ import annotations

from PIL import Image, ImageStat

BLOCK = 8
THRESHOLD = 24

Rect = tuple[int, int, int, int]  # left, top, right, bottom


def block_means(image: Image.Image, block: int = BLOCK) -> Image.Image:
    """One grey pixel per block: the block's mean (a box-filter resize does exactly that)."""
    grey = image.convert("L")
    width, height = grey.width // block, grey.height // block
    cropped = grey.crop((0, 0, width * block, height * block))
    return cropped.reduce(block)


def differing_share(
    expected: Image.Image, actual: Image.Image, ignore: list[Rect] | None = None
) -> float:
    """Share (0..1) of 8x8 blocks whose mean grey differs by more than 24.

    The images are compared over their common area; blocks touching an ``ignore`` rectangle
    (for example the co-browse widget on the customer's page) are left out.
    """
    width, height = min(expected.width, actual.width), min(expected.height, actual.height)
    a = block_means(expected.crop((0, 0, width, height)))
    b = block_means(actual.crop((0, 0, width, height)))
    pa, pb = a.load(), b.load()
    assert pa is not None and pb is not None
    counted = differing = 0
    for by in range(a.height):
        for bx in range(a.width):
            if _ignored(bx, by, ignore or []):
                continue
            counted += 1
            if abs(int(pa[bx, by]) - int(pb[bx, by])) > THRESHOLD:  # type: ignore[arg-type]
                differing += 1
    return differing / counted if counted else 0.0


def _ignored(bx: int, by: int, rects: list[Rect]) -> bool:
    left, top = bx * BLOCK, by * BLOCK
    return any(
        left < r[2] and left + BLOCK > r[0] and top < r[3] and top + BLOCK > r[1] for r in rects
    )


def is_blank(image: Image.Image) -> bool:
    """True when the image is a single flat colour (nothing rendered)."""
    extrema = ImageStat.Stat(image.convert("L")).extrema[0]
    return bool(extrema[1] - extrema[0] < 8)
