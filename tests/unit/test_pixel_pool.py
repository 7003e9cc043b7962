"""Decoded frames' buffers are lent and taken back: reused for the next frame of their size,
never while a frame still holds them, and every reused pixel written again."""

from __future__ import annotations

import numpy as np
import pytest

from mirror.frames.buffers import PIXELS, PixelPool
from mirror.frames.frame import Frame, decode_frame, encode_jpeg
from mirror.frames.redact import MASK_RGB, paint


@pytest.fixture(autouse=True)
def room_in_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's pool may be near its bound after the tests before these (servers run in
    this process): a buffer given back would then let another go, and the counts below would
    be off by it."""
    monkeypatch.setattr(PIXELS, "keep_bytes", PIXELS.free_bytes + 2**24)


def picture(seed: int, width: int = 160, height: int = 96) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (height, width, 4), dtype=np.uint8)
    return encode_jpeg(pixels)


def test_a_buffer_given_back_is_lent_again_for_its_size_only() -> None:
    pool = PixelPool()
    first = pool.take(10, 20)
    assert first.shape == (10, 20, 4) and first.dtype == np.uint8 and first.flags.writeable
    pool.give(first)
    assert pool.free_bytes == first.nbytes
    assert pool.take(10, 21) is not first
    assert pool.take(10, 20) is first
    assert pool.free_bytes == 0


def test_beyond_the_bound_the_size_least_recently_given_back_goes_first() -> None:
    pool = PixelPool(keep_bytes=2 * 10 * 10 * 4)
    small, other, third = pool.take(10, 10), pool.take(5, 20), pool.take(10, 10)
    for buffer in (small, other, third):
        pool.give(buffer)
    assert pool.free_bytes == 2 * 10 * 10 * 4
    assert pool.take(5, 20) is not other  # Let go.
    assert pool.take(10, 10) is third
    assert pool.take(10, 10) is small


def test_a_frame_gone_gives_its_pixels_back_and_the_next_decode_writes_them_all() -> None:
    before = PIXELS.free_bytes
    first = decode_frame(picture(1))
    lent = first.pixels
    del first
    assert PIXELS.free_bytes == before + lent.nbytes
    second_jpeg = picture(2)
    second = decode_frame(second_jpeg)
    assert np.shares_memory(second.pixels, lent)  # The same buffer, lent again...
    assert np.array_equal(second.pixels, Frame(None, second_jpeg).pixels)  # ...all rewritten.


def test_a_rested_frame_lets_its_pixels_go_rather_than_lend_them() -> None:
    jpeg = picture(3)
    frame = decode_frame(jpeg)
    expected = frame.pixels.copy()
    before = PIXELS.free_bytes
    frame.shed()
    assert not frame.decoded and PIXELS.free_bytes == before
    assert np.array_equal(frame.pixels, expected)  # Decoded again when needed.


def test_an_unreadable_jpeg_gives_its_buffer_back() -> None:
    jpeg = picture(4, width=176, height=80)  # A size no other test frees.
    before = PIXELS.free_bytes
    with pytest.raises(ValueError):
        decode_frame(jpeg[: len(jpeg) // 2])
    assert PIXELS.free_bytes == before + 176 * 80 * 4


def test_painting_copies_into_a_buffer_of_its_own() -> None:
    frame = decode_frame(picture(5))
    original = frame.pixels.copy()
    frame.shown = (320, 192)
    painted = paint(frame, [(0, 0, 40, 40)])
    assert not np.shares_memory(painted.pixels, frame.pixels)
    assert np.array_equal(frame.pixels, original)
    assert (painted.pixels[:40, :40, :3] == MASK_RGB).all()
    assert painted.jpeg is None and painted.shown == (320, 192)
