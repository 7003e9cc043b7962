"""The customer's default fonts chosen among the server's (mirror/render/fonts.py): pure logic."""

from __future__ import annotations

from typing import Any

from mirror.render.fonts import FontChoice, LocalFonts, choose, installed_faces, named_fonts

# [size, box height, three widths] as mirror/web/fonts.js measures them.
DEJAVU_SANS = [16, 19, 472.2, 108, 282]
DEJAVU_SERIF = [16, 19, 477, 118, 291]
LIBERATION_SERIF = [16, 17, 384.4, 94.1, 253]
LIBERATION_SANS = [16, 17, 418.9, 94.8, 253]


CARLITO = [16, 19.5, 388.2, 92.1, 260.6]


def local(**generics: list[float]) -> LocalFonts:
    """A render page whose generic families are ``generics`` (serif, sans_serif, ...), with
    DejaVu Sans, DejaVu Serif and Liberation Serif installed and Carlito missing."""
    names = {"sans_serif": "sans-serif", "system_ui": "system-ui"}
    measured: dict[str, Any] = {names.get(k, k): v for k, v in generics.items()}
    named = {
        "DejaVu Sans": DEJAVU_SANS,
        "DejaVu Serif": DEJAVU_SERIF,
        "Liberation Serif": LIBERATION_SERIF,
        "Carlito": None,  # Missing: mirror/web/fonts.js namedFontMetrics says null.
    }
    return LocalFonts.measured(measured, named)


def reporting(metrics: Any = None, named: Any = None) -> dict[str, Any]:
    """The customer's report as mirror/web/embed/capture.js sends it."""
    return {"metrics": metrics or {}, "named": named or {}, "platform": "Win32"}


CHROMIUM = {"initial": LIBERATION_SERIF, "serif": LIBERATION_SERIF, "sans_serif": LIBERATION_SANS}


def test_the_customers_standard_and_serif_fonts_are_taken_by_their_shape() -> None:
    reported = {"initial": DEJAVU_SANS, "serif": DEJAVU_SERIF, "sans-serif": DEJAVU_SANS}
    choice = choose(reporting(reported), local(**CHROMIUM))
    assert choice == FontChoice(
        {"standard": "DejaVu Sans", "serif": "DejaVu Serif", "sansSerif": "DejaVu Sans"}, {}
    )


def test_a_missing_font_is_never_chosen() -> None:
    fonts = local(**CHROMIUM)
    assert "Carlito" not in fonts.candidates
    assert set(fonts.candidates) == {"DejaVu Sans", "DejaVu Serif", "Liberation Serif"}


def test_families_like_the_customers_are_left_alone() -> None:
    reported = {"initial": LIBERATION_SERIF, "serif": [16, 17, 384.6, 94.1, 253]}
    assert choose(reporting(reported), local(**CHROMIUM)) == FontChoice({}, {})


def test_a_font_unlike_any_of_the_servers_is_left_alone() -> None:
    # A minimum font size of 24 px scales the customer's 16 px text by half again.
    reported = {"initial": [16, 25.5, 576.6, 141.2, 379.5]}
    assert choose(reporting(reported), local(**CHROMIUM)) == FontChoice({}, {})


def test_the_customers_default_sizes_are_taken() -> None:
    reported = {"initial": [20, 21.4, 480.5, 117.6, 316.2], "monospace": [13, 15, 436.8, 99, 251]}
    ours = local(**CHROMIUM, monospace=[16, 18, 537.6, 122, 309])
    assert choose(reporting(reported), ours).sizes == {"standard": 20, "fixed": 13}


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
        assert choose(reporting(reported), local(**CHROMIUM)) == FontChoice({}, {}), reported


def test_a_named_font_the_server_lacks_is_shown_in_the_closest_local_one() -> None:
    named = {"Segoe UI": DEJAVU_SANS, "Tahoma": None}
    here = {"Segoe UI": None, "Tahoma": None}  # The render page has neither.
    choice = choose(reporting(named=named), local(**CHROMIUM), here)
    assert choice.aliases == {"Segoe UI": "DejaVu Sans"}


def test_a_named_font_the_server_has_alike_is_left_alone() -> None:
    named = {"Helvetica": LIBERATION_SERIF}
    here = {"Helvetica": [16, 17, 384.5, 94.1, 253]}
    assert choose(reporting(named=named), local(**CHROMIUM), here).aliases == {}


def test_a_named_font_the_server_has_in_another_shape_is_replaced() -> None:
    named = {"Helvetica": DEJAVU_SERIF}
    here = {"Helvetica": LIBERATION_SANS}
    assert choose(reporting(named=named), local(**CHROMIUM), here).aliases == {
        "Helvetica": "DejaVu Serif"
    }


def test_a_named_font_unlike_any_of_the_servers_is_left_alone() -> None:
    named = {"Segoe UI": CARLITO}  # Carlito is not installed here.
    assert choose(reporting(named=named), local(**CHROMIUM), {}).aliases == {}


def test_the_customers_system_font_is_shown_in_the_closest_local_one() -> None:
    ours = local(**CHROMIUM, system_ui=DEJAVU_SANS)
    choice = choose(reporting({"system-ui": DEJAVU_SERIF}), ours)
    assert choice.system_ui == "DejaVu Serif"
    assert choose(reporting({"system-ui": DEJAVU_SANS}), ours).system_ui is None


def test_only_sane_font_names_are_measured() -> None:
    many = {f"Font {n}": None for n in range(40)}
    assert len(named_fonts(reporting(named=many))) == 24
    odd = {"": None, "x" * 101: None, "Bad\nname": None, "Segoe UI": None}
    assert named_fonts(reporting(named=odd)) == ["Segoe UI"]
    assert named_fonts({"named": ["Segoe UI"]}) == [] and named_fonts("Arial") == []


def test_a_report_that_is_not_one_changes_nothing() -> None:
    for reported in (None, "fonts", [1, 2], {"metrics": "wide", "named": 7}):
        assert choose(reported, local(**CHROMIUM), "here") == FontChoice({}, {})


def test_each_candidates_faces_are_read_from_fontconfigs_list() -> None:
    listing = "\n".join(
        [
            "Carlito|Carlito|80|0|100",
            "Carlito|Carlito-Bold|200|0|100",
            "Carlito|Carlito-Italic|80|100|100",
            "DejaVu Sans|DejaVuSansCondensed|80|0|87",  # Condensed: another font's width.
            "DejaVu Sans|DejaVuSans|80|0|100",
            "DejaVu Sans|DejaVuSans-ExtraLight|40|0|100",
            "DejaVu Sans|DejaVuSans-Oblique|80|110|100",
            "Some Font|SomeFont|80|0|100",  # Not a candidate.
            "Caladea||80|0|100",  # No name to ask for.
            "broken line",
        ]
    )
    assert installed_faces(listing) == {
        "Carlito": [
            ("Carlito", 400, "normal"),
            ("Carlito-Bold", 700, "normal"),
            ("Carlito-Italic", 400, "italic"),
        ],
        "DejaVu Sans": [
            ("DejaVuSans", 400, "normal"),
            ("DejaVuSans-ExtraLight", 200, "normal"),
            ("DejaVuSans-Oblique", 400, "italic"),
        ],
    }
