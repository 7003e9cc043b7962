"""The customer's screen as the page is shown on it: the viewport and how it is displayed.

One :class:`Screen` per session, held by the live session and shared with its render page: the
customer's hello sets it, the captured page's resizes change it, and the render page emulates it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from mirror.wire import MAX_VIEWPORT_SIDE, Viewport


@dataclass(frozen=True)
class Display:
    """How the customer's screen shows the page (the hello's ``color_scheme`` and
    ``pixel_ratio``): the render page emulates both so media queries and srcset choose alike."""

    color_scheme: Literal["light", "dark"] = "light"
    pixel_ratio: float = 1.0


@dataclass(frozen=True)
class Visual:
    """The part of the page the customer sees when it is not the layout viewport (a phone's page
    laid out wider than the screen, a pinch zoom), in CSS pixels: where it lies in the layout
    viewport (``offset_*``) and on the page (``page_*``), its size, and the scale it is shown at."""

    offset_left: float
    offset_top: float
    page_left: float
    page_top: float
    width: float
    height: float
    scale: float


@dataclass(eq=False)
class Screen:
    viewport: Viewport = field(default_factory=lambda: Viewport(1280, 800))
    display: Display = field(default_factory=Display)
    visual: Visual | None = None  # None: the customer sees the whole layout viewport.

    @property
    def view_size(self) -> Viewport:
        """The agent's view: the customer's screen, in its CSS pixels."""
        visual = self.visual
        if visual is None:
            return self.viewport
        scale = visual.scale
        return Viewport.clamped(round(visual.width * scale), round(visual.height * scale))

    @property
    def zoom(self) -> float:
        """The scale the customer's page is shown at (a pinch zoom's)."""
        return 1.0 if self.visual is None else round(self.visual.scale, 2)

    def shown(self) -> tuple[float, float, float, float]:
        """What of the layout viewport the view shows: left, top, width, height (CSS pixels)."""
        visual = self.visual
        if visual is None:
            return 0.0, 0.0, float(self.viewport.width), float(self.viewport.height)
        return visual.offset_left, visual.offset_top, visual.width, visual.height

    def to_layout(self, x: float, y: float) -> tuple[float, float]:
        """A point of the agent's view, in the layout viewport's CSS pixels (the customer's
        page's client coordinates)."""
        left, top, width, height = self.shown()
        view = self.view_size
        return left + x * width / view.width, top + y * height / view.height


VISUAL_FIELDS = (
    "offset_left",
    "offset_top",
    "page_left",
    "page_top",
    "width",
    "height",
    "scale",
)
MAX_OFFSET = 1_000_000.0  # CSS pixels: far beyond any page, short of what breaks Chromium.


def display_from(color_scheme: object, pixel_ratio: object, current: Display) -> Display:
    """What the customer's page says of its display (any JSON values): only the two known
    schemes and a sane ratio, ``current``'s ratio when it is not a number."""
    scheme: Literal["light", "dark"] = "dark" if color_scheme == "dark" else "light"
    try:
        ratio = min(8.0, max(0.25, float(pixel_ratio)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ratio = current.pixel_ratio
    return Display(scheme, ratio)


def visual_from(value: object) -> Visual | None:
    """What the customer's page says it shows (any JSON value) as a Visual, or None: the whole
    layout viewport, and anything that is not a sane visual viewport."""
    if not isinstance(value, dict):
        return None
    raw = [value.get(name) for name in VISUAL_FIELDS]
    numbers = [float(n) for n in raw if isinstance(n, int | float) and not isinstance(n, bool)]
    if len(numbers) != len(VISUAL_FIELDS):
        return None
    offset_left, offset_top, page_left, page_top, width, height, scale = numbers
    if not (1 <= width <= MAX_VIEWPORT_SIDE and 1 <= height <= MAX_VIEWPORT_SIDE):
        return None
    if not 0.05 <= scale <= 20:
        return None
    offsets = (offset_left, offset_top, page_left, page_top)
    if not all(abs(o) <= MAX_OFFSET for o in offsets):
        return None
    return Visual(offset_left, offset_top, page_left, page_top, width, height, scale)
