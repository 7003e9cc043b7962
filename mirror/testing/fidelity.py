"""How closely the agent's view matches the customer's screen: the share of differing blocks.

Both images are turned to grey and averaged over 8x8 blocks; a block differs when its means are
more than 24 grey levels apart. JPEG artefacts alone stay well under that.
"""

from __future__ import annotations

from PIL import Image, ImageStat

BLOCK = 8
THRESHOLD = 24

# A rectangle by its edges, not its size: left, top, right, bottom (frame rectangles, x, y, width,
# height, are mirror.frames.frame.Rect).
Box = tuple[int, int, int, int]


def block_means(image: Image.Image, block: int = BLOCK) -> Image.Image:
    """One grey pixel per block: the block's mean (a box-filter resize does exactly that)."""
    grey = image.convert("L")
    width, height = grey.width // block, grey.height // block
    cropped = grey.crop((0, 0, width * block, height * block))
    return cropped.reduce(block)


def differing_share(
    expected: Image.Image, actual: Image.Image, ignore: list[Box] | None = None
) -> float:
    """Share (0..1) of 8x8 blocks whose mean grey differs by more than 24.

    The images are compared over their common area; blocks touching an ``ignore`` rectangle
    (for example the co-browse widget on the customer's page) are left out.
    """
    differing, counted = differing_blocks(expected, actual, ignore)
    return len(differing) / counted if counted else 0.0


Block = tuple[int, int]  # column, row of an 8x8 block


def differing_blocks(
    expected: Image.Image, actual: Image.Image, ignore: list[Box] | None = None
) -> tuple[set[Block], int]:
    """The blocks that differ (as in ``differing_share``), and how many blocks were compared."""
    width, height = min(expected.width, actual.width), min(expected.height, actual.height)
    a = block_means(expected.crop((0, 0, width, height)))
    b = block_means(actual.crop((0, 0, width, height)))
    pa, pb = a.load(), b.load()
    assert pa is not None and pb is not None
    counted, differing = 0, set()
    for by in range(a.height):
        for bx in range(a.width):
            if _ignored(bx, by, ignore or []):
                continue
            counted += 1
            if abs(int(pa[bx, by]) - int(pb[bx, by])) > THRESHOLD:  # type: ignore[arg-type]
                differing.add((bx, by))
    return differing, counted


def _ignored(bx: int, by: int, boxes: list[Box]) -> bool:
    left, top = bx * BLOCK, by * BLOCK
    return any(
        left < b[2] and left + BLOCK > b[0] and top < b[3] and top + BLOCK > b[1] for b in boxes
    )


def is_blank(image: Image.Image) -> bool:
    """True when the image is a single flat colour (nothing rendered)."""
    extrema = ImageStat.Stat(image.convert("L")).extrema[0]
    return bool(extrema[1] - extrema[0] < 8)


# On the customer's page: the areas that legitimately differ from the agent's view, as
# [left, top, right, bottom] in CSS pixels. The co-browse widget and the agent's pointer are drawn
# on the customer's page only; masked fields are marked there and flat in the view; a cross-origin
# frame that does not embed the script stays private (a labelled placeholder in the view); one
# that does shares its content (the page marks it) and counts like the rest of the page.
PRIVATE_AREAS_JS = r"""() => {
  const boxes = [];
  const add = (el, m = 0) => {
    for (const r of el.getClientRects())
      boxes.push([Math.floor(r.left) - m, Math.floor(r.top) - m,
                  Math.ceil(r.right) + m, Math.ceil(r.bottom) + m]);
  };
  // The masked marking's outline lies just outside the element.
  document.querySelectorAll("[data-cobrowse-masked]").forEach((el) => add(el, 4));
  // The widget's shadows reach beyond its boxes: as far as offset + blur + spread.
  const reach = (el) => {
    const shadow = getComputedStyle(el).boxShadow;
    if (!shadow || shadow === "none") return 0;
    return Math.max(0, ...shadow.split(/,(?![^(]*\))/).map((one) => {
      const [x = 0, y = 0, blur = 0, spread = 0] = (one.match(/-?[\d.]+px/g) || []).map(parseFloat);
      return Math.max(Math.abs(x), Math.abs(y)) + blur + Math.max(0, spread);
    }));
  };
  document.querySelectorAll("[data-cobrowse-widget]").forEach((host) =>
    host.shadowRoot
      && host.shadowRoot.querySelectorAll("*").forEach((el) => add(el, Math.ceil(reach(el)))));
  document.querySelectorAll("iframe").forEach((frame) => {
    let readable = false;
    try { readable = Boolean(frame.contentDocument); } catch (e) { readable = false; }
    if (!readable && !frame.hasAttribute("data-cobrowse-shared-frame")) add(frame);
  });
  return boxes;
}"""


def as_rects(boxes: list[list[float]]) -> list[Box]:
    """``PRIVATE_AREAS_JS``'s answer as boxes."""
    return [(int(b[0]), int(b[1]), int(b[2]), int(b[3])) for b in boxes]
