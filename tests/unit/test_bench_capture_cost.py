"""The capture-cost step's reading of what it saw: a change's latency is the first time its
colour was seen after it, and a pixel's channels are read in the order the source gives them."""

from __future__ import annotations

from bench import capture_cost

RED, BLUE = capture_cost.COLOURS["red"], capture_cost.COLOURS["blue"]


def test_a_change_is_seen_when_its_colour_first_shows_after_it() -> None:
    changes = [[100.0, "red"], [300.0, "blue"]]
    seen = [(90.0, RED), (120.0, RED), (310.0, RED), (325.0, BLUE), (330.0, BLUE)]
    assert capture_cost._latencies(changes, seen) == [20.0, 25.0]


def test_a_colour_near_the_one_set_counts_and_a_change_never_shown_counts_for_nothing() -> None:
    near_blue = (BLUE[0] + 5, BLUE[1] + 3, BLUE[2] - 8)
    changes = [[100.0, "blue"], [200.0, "red"]]
    assert capture_cost._latencies(changes, [(104.0, near_blue), (250.0, (200, 0, 0))]) == [4.0]


def test_pixels_are_read_in_the_order_the_source_gives_them() -> None:
    row = bytes([0, 0, 0, 0, 30, 20, 10, 0])  # Two pixels, BGRX: the second is (10, 20, 30).
    assert capture_cost._colour_at(row, 2, 1, 0, "BGRX") == (10, 20, 30)
    assert capture_cost._colour_at(bytes([1, 2, 3, 4, 5, 6]), 2, 1, 0, "RGB") == (4, 5, 6)


def test_the_report_names_what_the_machine_lacks() -> None:
    data = {"pages": 2, "seconds": 1.0, "screencast": {}, "windows": {"missing": "Xvfb"}}
    assert "Xvfb missing" in capture_cost.markdown(data)
