"""The customer's screen as the page is shown on it: the viewport and how it is displayed.

One :class:`Screen` per session, held by the live session and shared with its render page: the
customer's hello sets it, the captured page's resizes change it, and the render page emulates it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from mirror.wire import Viewport


@dataclass(frozen=True)
class Display:
    """How the customer's screen shows the page (the hello's ``color_scheme`` and
    ``pixel_ratio``): the render page emulates both so media queries and srcset choose alike."""

    color_scheme: Literal["light", "dark"] = "light"
    pixel_ratio: float = 1.0


@dataclass(eq=False)
class Screen:
    viewport: Viewport = field(default_factory=lambda: Viewport(1280, 800))
    display: Display = field(default_factory=Display)
