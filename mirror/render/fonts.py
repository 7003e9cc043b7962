"""The customer's fonts in the mirror. A page that names no font family, or only a generic one, is
shown in whatever the browser picks: WebKit's default is a sans-serif, Chromium's a serif. A page
that names "-apple-system", "Segoe UI" or "system-ui" gets a Mac's or Windows' own fonts, which
the server lacks. A mirror that kept its own would wrap every line otherwise. Both sides measure
a few lines of text in each family (mirror/web/fonts.js); then the render page's generic
families are set (CDP ``Page.setFontFamilies``) to the local fonts whose lines are as wide as the
customer's, its default sizes (``Page.setFontSizes``) to the customer's, and each font the page
names that the server lacks or has in another shape becomes the closest local font under that
name (mirror/web/render/fonts.js). The customer's figures only choose among the fonts listed here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
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
# What both sides measure with mirror/web/fonts.js fontMetrics: the generic families above and
# system-ui, which the render page cannot set but can rename (mirror/web/render/fonts.js).
GENERICS = (*SETTINGS, "system-ui")
# A family whose figures are all within about half a percent of the customer's is left alone.
CLOSE_ENOUGH = 4 * 0.005**2
# A font whose figures are further than about 5 % from the customer's is no match: their text is
# in a font the server has nothing like (or a minimum font size scales it), and a guess would
# wrap the page otherwise still.
NO_MATCH = 4 * 0.05**2
FIGURES = 5  # size, box height and the widths of mirror/web/fonts.js's three samples
SIZES = ("standard", "fixed")  # Page.setFontSizes' settings: the default and monospace sizes
MAX_NAMES = 24  # mirror/web/fonts.js pageFontNames: the page's font names, at most
MAX_NAME = 100  # characters in one name

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


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def named_fonts(reported: Any) -> list[str]:
    """The font names of the customer's report (mirror/web/fonts.js pageFontNames) that are fit
    to measure here: strings of printable characters, at most MAX_NAMES of them."""
    names = [
        name
        for name in _table(_table(reported).get("named"))
        if 0 < len(name) <= MAX_NAME and name.isprintable()
    ]
    return names[:MAX_NAMES]


@dataclass(frozen=True)
class LocalFonts:
    """The render page's own figures: each generic family's (size, shape) and the shape of each
    installed candidate."""

    generics: dict[str, tuple[float, Shape]]
    candidates: dict[str, Shape]

    @classmethod
    def measured(cls, generics: Any, named: Any) -> LocalFonts:
        """From fontMetrics(GENERICS) and namedFontMetrics(CANDIDATES) (mirror/web/fonts.js)."""
        found, have = _table(generics), _table(named)
        measured = {f: figures for f in GENERICS if (figures := _figures(found.get(f)))}
        candidates = {n: figures[1] for n in CANDIDATES if (figures := _figures(have.get(n)))}
        return cls(measured, candidates)

    def closer(self, wanted: Shape, ours: Shape | None) -> str | None:
        """The candidate to show a font of the shape ``wanted`` in, where the font the page gets
        here (``ours``, None when the server lacks it) is not close enough and one of them is."""
        if ours is not None and _distance(ours, wanted) <= CLOSE_ENOUGH or not self.candidates:
            return None
        best = min(self.candidates, key=lambda name: _distance(self.candidates[name], wanted))
        distance = _distance(self.candidates[best], wanted)
        limit = NO_MATCH if ours is None else min(_distance(ours, wanted), NO_MATCH)
        return best if distance < limit else None


@dataclass(frozen=True)
class FontChoice:
    families: dict[str, str]  # Page.setFontFamilies' settings
    sizes: dict[str, int]  # Page.setFontSizes' settings
    aliases: dict[str, str] = field(default_factory=dict)  # a name the page uses -> a local font
    system_ui: str | None = None  # the local font to show system-ui in


def choose(reported: Any, local: LocalFonts, named_here: Any = None) -> FontChoice:
    """The settings that bring the render page's fonts to the customer's. ``reported``: the
    customer's figures ({"metrics": fontMetrics(GENERICS), "named": namedFontMetrics(names)});
    ``named_here``: namedFontMetrics of the same names in the render page."""
    theirs = _table(_table(reported).get("metrics"))
    families: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for family, setting in SETTINGS.items():
        figures = _figures(theirs.get(family))
        if figures is None or family not in local.generics:
            continue
        (size, wanted), (our_size, ours) = figures, local.generics[family]
        if setting in SIZES and round(size) != round(our_size):
            sizes[setting] = round(size)
        if best := local.closer(wanted, ours):
            families[setting] = best
    system_ui = None
    if (figures := _figures(theirs.get("system-ui"))) and "system-ui" in local.generics:
        system_ui = local.closer(figures[1], local.generics["system-ui"][1])
    return FontChoice(families, sizes, _aliases(reported, local, named_here), system_ui)


def _aliases(reported: Any, local: LocalFonts, named_here: Any) -> dict[str, str]:
    """Each name the customer's browser has, shown here in the closest local font where the
    server lacks it or has it in another shape. A name the customer lacks is left: the page's
    next font shows there, and one the server has cannot be hidden."""
    theirs, here = _table(_table(reported).get("named")), _table(named_here)
    aliases: dict[str, str] = {}
    for name in named_fonts(reported):
        figures = _figures(theirs.get(name))
        if figures is None:
            continue
        ours = _figures(here.get(name))
        if best := local.closer(figures[1], ours[1] if ours else None):
            aliases[name] = best
    return aliases


# fontconfig's weights and the CSS weights they stand for.
_WEIGHTS = {0: 100, 40: 200, 50: 300, 80: 400, 100: 500, 180: 600, 200: 700, 205: 800, 210: 900}
_NORMAL_WIDTH = 100
Face = tuple[str, int, str]  # a local() source (PostScript name), CSS weight, CSS style
FC_LIST_FORMAT = "%{family[0]}|%{postscriptname}|%{weight}|%{slant}|%{width}\n"


def _css_weight(fc_weight: int) -> int:
    return _WEIGHTS[min(_WEIGHTS, key=lambda weight: abs(weight - fc_weight))]


def installed_faces(listing: str) -> dict[str, list[Face]]:
    """Each candidate's faces of normal width, from ``fc-list --format FC_LIST_FORMAT``: the
    sources of a font shown under another name, one face per weight and style."""
    faces: dict[str, dict[tuple[int, str], Face]] = {name: {} for name in CANDIDATES}
    for line in listing.splitlines():
        family, postscript, weight, slant, width = (line.split("|") + [""] * 5)[:5]
        if family not in faces or not postscript or width not in ("", str(_NORMAL_WIDTH)):
            continue
        try:
            css = (_css_weight(int(weight)), "normal" if int(slant or 0) == 0 else "italic")
        except ValueError:
            continue
        faces[family].setdefault(css, (postscript, *css))
    return {name: list(found.values()) for name, found in faces.items() if found}
