"""The customer's default fonts chosen among the server's (mirror/render/fonts.py): pure logic."""

from __future__ import annotations

from typing import Any

from mirror.render.fonts import FontChoice, LocalFonts, choose

# [size, box height, three widths] as mirror/web/fonts.js measures them.
DEJAVU_SANS = [16, 19, 472.2, 108, 282]
DEJAVU_SERIF = [16, 19, 477, 118, 291]
LIBERATION_SERIF = [16, 17, 384.4, 94.1, 253]
LIBERATION_SANS = [16, 17, 418.9, 94.8, 253]


def local(**generics: list[float]) -> LocalFonts:
    """A render page whose generic families are ``generics`` (serif, sans_serif, ...), with
    DejaVu Sans, DejaVu Serif and Liberation Serif installed and Carlito missing."""
    names = {"sans_serif": "sans-serif"}
    measured: dict[str, Any] = {names.get(k, k): v for k, v in generics.items()}
    for name, figures in (
        ("DejaVu Sans", DEJAVU_SANS),
        ("DejaVu Serif", DEJAVU_SERIF),
        ("Liberation Serif", LIBERATION_SERIF),
    ):
        measured[f'"{name}", serif'] = measured[f'"{name}", sans-serif'] = figures
    # Missing: each fallback shows through.
    measured['"Carlito", serif'], measured['"Carlito", sans-serif'] = LIBERATION_SERIF, DEJAVU_SANS
    return LocalFonts.measured(measured)


CHROMIUM = {"initial": LIBERATION_SERIF, "serif": LIBERATION_SERIF, "sans_serif": LIBERATION_SANS}


def test_the_customers_standard_and_serif_fonts_are_taken_by_their_shape() -> None:
    reported = {"initial": DEJAVU_SANS, "serif": DEJAVU_SERIF, "sans-serif": DEJAVU_SANS}
    choice = choose(reported, local(**CHROMIUM))
    assert choice == FontChoice(
        {"standard": "DejaVu Sans", "serif": "DejaVu Serif", "sansSerif": "DejaVu Sans"}, {}
    )


def test_a_missing_font_is_never_chosen() -> None:
    fonts = local(**CHROMIUM)
    assert "Carlito" not in fonts.candidates
    assert set(fonts.candidates) == {"DejaVu Sans", "DejaVu Serif", "Liberation Serif"}


def test_families_like_the_customers_are_left_alone() -> None:
    reported = {"initial": LIBERATION_SERIF, "serif": [16, 17, 384.6, 94.1, 253]}
    assert choose(reported, local(**CHROMIUM)) == FontChoice({}, {})


def test_a_font_unlike_any_of_the_servers_is_left_alone() -> None:
    # A minimum font size of 24 px scales the customer's 16 px text by half again.
    reported = {"initial": [16, 25.5, 576.6, 141.2, 379.5]}
    assert choose(reported, local(**CHROMIUM)) == FontChoice({}, {})


def test_the_customers_default_sizes_are_taken() -> None:
    reported = {"initial": [20, 21.4, 480.5, 117.6, 316.2], "monospace": [13, 15, 436.8, 99, 251]}
    ours = local(**CHROMIUM, monospace=[16, 18, 537.6, 122, 309])
    assert choose(reported, ours).sizes == {"standard": 20, "fixed": 13}


def test_figures_that_are_not_sane_change_nothing() -> None:
    for reported in (
        None,
        "serif",
        {"initial": "wide"},
        {"initial": [16, 19, float("nan"), 1, 1]},
        {"initial": [16, 19, 1e9, 1, 1]},
        {"initial": [500, 19, 472, 108, 282]},
        {"initial": [16, 19, 472]},
        {"serif": [16, 19, 477, 118, 291, 7]},
    ):
        assert choose(reported, local(**CHROMIUM)) == FontChoice({}, {}), reported
