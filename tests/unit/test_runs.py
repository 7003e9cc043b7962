"""A patch's flat rectangles go as runs of one colour, exact and small; busy ones as JPEG
(mirror/frames/runs.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirror.frames.frame import Frame
from mirror.frames.patches import PatchEncoder, piece_pixels, read_message
from mirror.frames.runs import MARK, decoded_runs, encoded_runs


def flat(width: int, height: int, rgb: tuple[int, int, int] = (240, 240, 240)) -> np.ndarray:
    pixels = np.zeros((height, width, 4), np.uint8)
    pixels[..., :3] = rgb
    return pixels


def test_a_flat_box_goes_as_runs_that_give_its_exact_pixels() -> None:
    pixels = flat(48, 48)
    pixels[4:44, 4:44, :3] = (200, 30, 30)
    pixels[..., 3] = np.arange(48, dtype=np.uint8)  # The X byte is no colour: never a run's end.
    runs = encoded_runs(pixels)
    assert runs is not None and runs.startswith(MARK)
    assert len(runs) == 1 + 5 * (1 + 2 * 40)  # Rows of background, box, background.
    assert (decoded_runs(runs, 48, 48) == pixels[..., :3]).all()


def test_a_busy_rectangle_goes_as_jpeg() -> None:
    noise = np.random.default_rng(1).integers(0, 256, (48, 48, 4), dtype=np.uint8)
    assert encoded_runs(noise) is None


def test_runs_longer_than_a_count_holds_are_split() -> None:
    pixels = flat(1280, 800)
    pixels[400:, :, :3] = 0
    runs = encoded_runs(pixels)
    assert runs is not None
    assert (decoded_runs(runs, 1280, 800) == pixels[..., :3]).all()


def test_runs_that_do_not_fill_their_rectangle_are_refused() -> None:
    runs = encoded_runs(flat(16, 16))
    assert runs is not None
    for bad, width, height in ((runs, 16, 15), (runs[:-1], 16, 16), (b"\xff\xd8", 16, 16)):
        with pytest.raises(ValueError):
            decoded_runs(bad, width, height)


def test_a_flat_change_is_patched_with_runs_and_drawn_exactly() -> None:
    encoder, before = PatchEncoder(), Frame(flat(320, 200), jpeg=None)
    encoder.encode(before)
    after = before.pixels.copy()
    after[50:70, 100:140, :3] = (20, 120, 220)
    message = encoder.encode(Frame(after, jpeg=None))
    assert message is not None and message.startswith(b"P")
    [((x, y, width, height), picture)] = read_message(message)
    assert picture.startswith(MARK)
    assert (piece_pixels(picture, width, height) == after[y : y + height, x : x + width, :3]).all()


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 40),
    st.lists(
        st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
        min_size=1,
        max_size=3,
    ),
    st.integers(0, 2**32 - 1),
)
def test_runs_give_back_any_few_coloured_rectangle(
    width: int, height: int, colours: list[tuple[int, int, int]], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    pixels = np.zeros((height, width, 4), np.uint8)
    pixels[..., :3] = np.array(colours, np.uint8)[rng.integers(0, len(colours), (height, width))]
    runs = encoded_runs(pixels)
    if runs is not None:
        assert (decoded_runs(runs, width, height) == pixels[..., :3]).all()
