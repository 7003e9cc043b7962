"""The customer's visual viewport as the server takes it: only sane numbers, and the agent's
points mapped through it to the customer's page."""

from __future__ import annotations

import math

import pytest

from mirror.render.screen import Screen, Visual, visual_from
from mirror.wire import Viewport

ZOOMED = {
    "offset_left": 40.0,
    "offset_top": 100.0,
    "page_left": 40.0,
    "page_top": 1300.0,
    "width": 195.0,
    "height": 422.0,
    "scale": 2.0,
}


def test_a_zoomed_in_phone_is_shown_and_pointed_at_through_its_visual_viewport() -> None:
    screen = Screen(Viewport(390, 844), visual=visual_from(ZOOMED))
    assert screen.view_size == Viewport(390, 844) and screen.zoom == 2.0
    assert screen.to_layout(0, 0) == (40.0, 100.0)
    assert screen.to_layout(390, 844) == (235.0, 522.0)
    assert screen.shown() == (40.0, 100.0, 195.0, 422.0)


def test_without_a_visual_viewport_the_view_is_the_layout_viewport() -> None:
    screen = Screen(Viewport(1280, 800))
    assert screen.view_size == Viewport(1280, 800) and screen.zoom == 1.0
    assert screen.to_layout(10, 20) == (10.0, 20.0)


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "zoom",
        [],
        {**ZOOMED, "scale": 0},
        {**ZOOMED, "scale": 100},
        {**ZOOMED, "width": math.nan},
        {**ZOOMED, "height": 0},
        {**ZOOMED, "page_top": math.inf},
        {**ZOOMED, "offset_left": True},
        {**ZOOMED, "width": "195"},
        {k: v for k, v in ZOOMED.items() if k != "scale"},
    ],
)
def test_anything_but_a_sane_visual_viewport_is_the_whole_layout_viewport(bad: object) -> None:
    assert visual_from(bad) is None


def test_a_sane_one_is_taken_as_it_is() -> None:
    assert visual_from(ZOOMED) == Visual(40.0, 100.0, 40.0, 1300.0, 195.0, 422.0, 2.0)
