"""The customer's default and generic fonts in the mirror. A page that names no font family, or
only a generic one, is shown in whatever the browser picks: WebKit's default is a sans-serif,
Chromium's a serif, and a mirror that kept its own would wrap every line otherwise. Both sides
measure one line of text in each family (mirror/web/fonts.js); each generic family of the render
page is then set (CDP ``Page.setFontFamilies``) to the local font whose line is as wide as the
customer's, and its default sizes (``Page.setFontSizes``) to the customer's. The customer's
figures only choose among the fonts listed here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# Fonts the server may have (Debian's DejaVu, Liberation, URW, Crosextra and Noto packages).
CANDIDATES = (
    "DejaVu Sans",
    "DejaVu Serif",
    "DejaVu Sans Mono",
    "Liberation Sans",
    "Liberation Serif",
    "Liberation Mono",
    "Nimbus Sans",
    "Nimbus Roman",
    "Nimbus Mono PS",
    "Carlito",
    "Caladea",
    "Noto Sans",
    "Noto Serif",
    "Noto Sans Mono",
)
# The measured generic families (mirror/web/fonts.js GENERIC_FAMILIES) and the setting of CDP's
# Page.setFontFamilies each stands for; "initial" is the browser's standard font.
SETTINGS = {
    "initial": "standard",
    "serif": "serif",
    "sans-serif": "sansSerif",
    "monospace": "fixed",
}
FALLBACKS = ("serif", "sans-serif")
# A family whose figures are all within about half a percent of the customer's is left alone.
CLOSE_ENOUGH = 4 * 0.005**2
# A font whose figures are further than about 5 % from the customer's is no match: their text is
# in a font the server has nothing like (or a minimum font size scales it), and a guess would
# wrap the page otherwise still.
NO_MATCH = 4 * 0.05**2
FIGURES = 5  # size, box height and the widths of mirror/web/fonts.js's three samples
SIZES = ("standard", "fixed")  # Page.setFontSizes' settings: the default and monospace sizes


def probe_families() -> list[str]:
    """What the render page measures: the generic families, then each candidate with two
    different fallbacks (an installed font measures the same with either)."""
    generics = [*SETTINGS, "system-ui"]
    return generics + [f'"{name}", {fallback}' for name in CANDIDATES for fallback in FALLBACKS]


Shape = tuple[float, ...]  # A font's box height and sample widths, per pixel of its size


def _figures(value: Any) -> tuple[float, Shape] | None:
    """A measured [size, height, width...] (mirror/web/fonts.js) as (size, shape), or None when
    it is not that many sane numbers."""
    if not isinstance(value, list) or len(value) != FIGURES:
        return None
    try:
        numbers = [float(v) for v in value]
    except (TypeError, ValueError):
        return None
    size = numbers[0]
    if not all(math.isfinite(n) and 0 < n < 10_000 for n in numbers) or not 4 <= size <= 72:
        return None
    return size, tuple(n / size for n in numbers[1:])


def _distance(shape: Shape, wanted: Shape) -> float:
    return sum(((a - b) / b) ** 2 for a, b in zip(shape, wanted, strict=True))


@dataclass(frozen=True)
class LocalFonts:
    """The render page's own figures: each generic family's (size, shape) and the shape of each
    installed candidate."""

    generics: dict[str, tuple[float, Shape]]
    candidates: dict[str, Shape]

    @classmethod
    def measured(cls, metrics: Any) -> LocalFonts:
        found = metrics if isinstance(metrics, dict) else {}
        generics = {f: figures for f in SETTINGS if (figures := _figures(found.get(f)))}
        candidates: dict[str, Shape] = {}
        for name in CANDIDATES:
            one, two = (_figures(found.get(f'"{name}", {fallback}')) for fallback in FALLBACKS)
            if one is not None and one == two:
                candidates[name] = one[1]
        return cls(generics, candidates)


@dataclass(frozen=True)
class FontChoice:
    families: dict[str, str]  # Page.setFontFamilies' settings
    sizes: dict[str, int]  # Page.setFontSizes' settings


def choose(reported: Any, local: LocalFonts) -> FontChoice:
    """The settings that bring the render page's generic families and default sizes to the
    customer's (``reported``: mirror/web/fonts.js's figures from the customer's page)."""
    theirs = reported if isinstance(reported, dict) else {}
    families: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for family, setting in SETTINGS.items():
        figures = _figures(theirs.get(family))
        if figures is None or family not in local.generics:
            continue
        (size, wanted), (our_size, ours) = figures, local.generics[family]
        if setting in SIZES and round(size) != round(our_size):
            sizes[setting] = round(size)
        if _distance(ours, wanted) <= CLOSE_ENOUGH or not local.candidates:
            continue
        best = min(local.candidates, key=lambda name: _distance(local.candidates[name], wanted))
        distance = _distance(local.candidates[best], wanted)
        if distance < min(_distance(ours, wanted), NO_MATCH):
            families[setting] = best
    return FontChoice(families, sizes)
