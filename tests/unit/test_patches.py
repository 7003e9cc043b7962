"""Patches: an agent gets the changed rectangles of a frame, and drawing them over its picture gives
the new frame."""

from __future__ import annotations

import numpy as np
import pytest
import simplejpeg
from hypothesis import given, settings
from hypothesis import strategies as st

from mirror.frames.frame import Frame, LatestFrame, decode_frame
from mirror.frames.patches import (
    MAX_RECTS,
    SCALED,
    TILE,
    PatchEncoder,
    changed_tiles,
    frame_messages,
    is_whole,
    piece_pixels,
    read_message,
    tile_rects,
)
from tests.aio import in_thread


def page(width: int = 320, height: int = 200) -> Frame:
    """A page-like picture: a light background with darker text-like strokes."""
    rng = np.random.default_rng(3)
    pixels = np.full((height, width, 4), 245, np.uint8)
    for _ in range(width * height // 400):
        x, y = int(rng.integers(0, width - 8)), int(rng.integers(0, height - 2))
        pixels[y : y + 2, x : x + 8, :3] = rng.integers(0, 90, 3, dtype=np.uint8)
    return Frame(pixels, jpeg=None)


def changed(frame: Frame, *areas: tuple[int, int, int, int]) -> Frame:
    pixels = frame.pixels.copy()
    for x, y, w, h in areas:
        pixels[y : y + h, x : x + w, :3] = (200, 30, 30)
    return Frame(pixels, jpeg=None)


def draw(picture: np.ndarray, message: bytes) -> np.ndarray:
    """What the agent's view shows after drawing ``message`` over ``picture`` (RGB)."""
    out = picture.copy()
    for (x, y, width, height), picture in read_message(message):
        piece = piece_pixels(picture, width, height)
        out[y : y + piece.shape[0], x : x + piece.shape[1]] = piece
    return out


def test_the_first_frame_is_whole_and_an_unchanged_one_sends_nothing() -> None:
    encoder, frame = PatchEncoder(), page()
    first = encoder.encode(frame)
    assert first is not None and first.startswith(b"\xff\xd8")
    assert encoder.encode(Frame(frame.pixels.copy(), jpeg=None)) is None


def test_a_small_change_is_sent_as_a_small_patch_that_redraws_the_frame() -> None:
    encoder, before = PatchEncoder(), page()
    whole = encoder.encode(before)
    assert whole is not None
    after = changed(before, (100, 40, 20, 12))  # Spans two tile columns and two tile rows.
    message = encoder.encode(after)
    assert message is not None and message.startswith(b"P")
    assert len(message) < len(whole) / 4
    [((x, y, w, h), _)] = read_message(message)
    assert (x, y, w, h) == (96, 32, 32, 32)
    picture = simplejpeg.decode_jpeg(whole)
    shown = draw(picture, message)
    assert (shown[45, 105] > (150, 0, 0)).all() and shown[45, 105, 1] < 80  # The new red.
    # As close to the new frame as a whole JPEG of it would be.
    inside = (slice(y, y + h), slice(x, x + w))
    expected = after.pixels[inside][..., :3].astype(int)
    whole_after = simplejpeg.decode_jpeg(after.encoded())[inside]
    assert np.abs(shown[inside] - expected).mean() <= np.abs(whole_after - expected).mean() + 1
    shown[inside] = picture[inside]
    assert (shown == picture).all()  # Nothing else was drawn over.


def test_distant_changes_are_separate_rectangles() -> None:
    encoder, before = PatchEncoder(), page(640, 400)
    encoder.encode(before)
    message = encoder.encode(changed(before, (5, 5, 4, 4), (600, 380, 4, 4)))
    assert message is not None
    assert [r for r, _ in read_message(message)] == [(0, 0, 16, 16), (592, 368, 16, 16)]


def test_a_large_change_or_a_new_size_sends_the_whole_frame() -> None:
    encoder, before = PatchEncoder(), page()
    encoder.encode(before)
    message = encoder.encode(changed(before, (0, 0, 320, 120)))
    assert message is not None and message.startswith(b"\xff\xd8")
    message = encoder.encode(page(480, 200))
    assert message is not None and message.startswith(b"\xff\xd8")


def test_the_screencasts_own_jpeg_is_sent_when_the_frame_goes_whole() -> None:
    frame = page()
    jpeg = simplejpeg.encode_jpeg(np.ascontiguousarray(frame.pixels[..., :3]), 70)
    assert PatchEncoder().encode(Frame(frame.pixels, jpeg)) is jpeg


def test_once_the_page_rests_a_patched_picture_gets_the_whole_frame_again() -> None:
    encoder, before = PatchEncoder(), page()
    assert encoder.refresh() is None  # Nothing sent yet.
    encoder.encode(before)
    assert encoder.refresh() is None  # The agent's picture is a whole frame already.
    after = Frame(changed(before, (10, 10, 4, 4)).pixels, jpeg=b"\xff\xd8screencast")
    assert encoder.encode(after).startswith(b"P")  # type: ignore[union-attr]
    assert encoder.refresh() == b"\xff\xd8screencast"  # The screencast's own bytes.
    assert encoder.refresh() is None


def test_a_patched_picture_of_pixels_without_a_jpeg_of_their_own_is_left_as_it_is() -> None:
    # Read from a window: the patches are the pixels themselves at a higher quality than a
    # whole frame encoded again.
    encoder, before = PatchEncoder(), page()
    encoder.encode(before)
    after = changed(before, (10, 10, 4, 4))
    assert after.jpeg is None
    assert encoder.encode(after).startswith(b"P")  # type: ignore[union-attr]
    assert encoder.refresh() is None and not encoder.patched


def test_a_forgotten_picture_gets_the_next_frame_whole_and_the_same_frame_sends_nothing() -> None:
    encoder, frame = PatchEncoder(), page()
    assert is_whole(encoder.encode(frame))  # type: ignore[arg-type]
    assert encoder.encode(frame) is None  # The agent has it.
    encoder.forget()  # The agent could not draw a message.
    assert encoder.encode(frame) == frame.encoded()


@in_thread
async def test_a_view_that_could_not_draw_a_patch_gets_the_last_frame_whole() -> None:
    frames, encoder, before = LatestFrame(), PatchEncoder(), page()
    frames.put(before)
    messages = frame_messages(frames, encoder)
    await anext(messages)
    after = changed(before, (40, 40, 8, 8))
    frames.put(after)
    patch, _ = await anext(messages)
    assert patch.startswith(b"P")
    encoder.forget()  # As RenderPages.redraw: forgotten, and the last frame put again.
    frames.put(after)
    whole, picture = await anext(messages)
    await messages.aclose()
    assert whole == after.encoded() and picture is after


@in_thread
async def test_an_agent_gets_the_frame_whole_then_a_patch_then_the_whole_frame_at_rest() -> None:
    frames, before = LatestFrame(), page()
    frames.put(before)
    messages = frame_messages(frames)
    whole, first = await anext(messages)
    after = changed(before, (40, 40, 8, 8))
    after.jpeg = simplejpeg.encode_jpeg(np.ascontiguousarray(after.pixels[..., :3]), 70)
    frames.put(after)
    patch, second = await anext(messages)
    again, rested = await anext(messages)  # Nothing new comes: the page rests.
    await messages.aclose()
    assert whole.startswith(b"\xff\xd8") and patch.startswith(b"P")
    assert again.startswith(b"\xff\xd8") and again != whole
    assert (first, second, rested) == (before, after, after)  # The picture each one brings.


@pytest.mark.parametrize("data", [b"", b"{}", b"Q\x01\x00", b"P\x01\x00", b"P\x00\x00extra"])
def test_anything_else_is_not_a_frame_message(data: bytes) -> None:
    with pytest.raises(ValueError):
        read_message(data)


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(17, 200),
    height=st.integers(17, 120),
    points=st.lists(st.tuples(st.floats(0, 0.999), st.floats(0, 0.999)), max_size=60),
)
def test_every_changed_pixel_lies_in_a_rectangle_inside_the_frame(
    width: int, height: int, points: list[tuple[float, float]]
) -> None:
    before = page(width, height)
    after = changed(before, *((int(x * width), int(y * height), 1, 1) for x, y in points))
    rects = tile_rects(changed_tiles(before, after), width, height)
    assert len(rects) <= MAX_RECTS
    covered = np.zeros((height, width), bool)
    for x, y, w, h in rects:
        assert x % TILE == 0 and y % TILE == 0 and w > 0 and h > 0
        assert x + w <= width and y + h <= height
        covered[y : y + h, x : x + w] = True
    differs = (before.pixels != after.pixels).any(axis=2)
    assert not (differs & ~covered).any()


def test_a_frame_that_let_go_of_its_pixels_is_the_picture_its_agent_got() -> None:
    frames, encoder = LatestFrame(), PatchEncoder()
    painted = page()  # Pixels without a JPEG, as after redaction.
    frames.put(painted)
    whole = encoder.encode(painted)
    assert whole is not None
    frames.shed()  # The page rests.
    assert (
        not painted.decoded and painted.jpeg == whole
    )  # Encoded before the pixels went, the bytes the agent got.
    np.testing.assert_array_equal(painted.pixels, decode_frame(whole).pixels)
    # Patches go on from it: a change is sent as a patch, not the whole frame again.
    message = encoder.encode(changed(Frame(painted.pixels.copy(), None), (40, 40, 8, 8)))
    assert message is not None and message.startswith(b"P")


def test_frames_are_the_same_when_their_pixels_are() -> None:
    pixels = page().pixels
    jpeg = simplejpeg.encode_jpeg(np.ascontiguousarray(pixels[..., :3]), 70)
    first, again = decode_frame(jpeg), decode_frame(bytes(jpeg))
    other = decode_frame(simplejpeg.encode_jpeg(np.ascontiguousarray(pixels[..., :3]), 71))
    assert first.same_as(again) and not first.same_as(other)
    # A frame painted over (redaction) is compared by its pixels.
    painted = Frame(first.pixels.copy(), jpeg=None)
    assert painted.same_as(first) and first.same_as(painted)


def test_a_frame_captured_small_goes_whole_with_the_size_to_show_it_at() -> None:
    encoder, small = PatchEncoder(), page(160, 100)
    small.shown = (320, 200)
    message = encoder.encode(small)
    assert message is not None and message[:1] == SCALED and is_whole(message)
    [((x, y, width, height), jpeg)] = read_message(message)
    assert (x, y, width, height) == (0, 0, 320, 200)
    assert simplejpeg.decode_jpeg(jpeg).shape[:2] == (100, 160)
    # Another small frame goes whole too, however little changed: no tiles compared.
    after = changed(small, (0, 0, 4, 4))
    after.shown = (320, 200)
    again = encoder.encode(after)
    assert again is not None and again[:1] == SCALED and not encoder.patched


def test_a_scaled_frame_cut_short_is_an_error_and_a_patch_is_not_whole() -> None:
    with pytest.raises(ValueError, match="cut short"):
        read_message(SCALED + b"\x01")
    encoder, before = PatchEncoder(), page()
    encoder.encode(before)
    patch = encoder.encode(changed(before, (0, 0, 16, 16)))
    assert patch is not None and not is_whole(patch)
