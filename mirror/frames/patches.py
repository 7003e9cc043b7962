"""Patches: an agent is sent only the parts of a frame that changed since the frame it last got,
in rectangles of 16x16 tiles, each a small JPEG or runs of one colour (mirror/frames/runs.py),
or the whole frame when much of it changed. A frame captured smaller than the customer's screen
goes whole, with the size to show it at.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator, Iterator

import numpy as np
import simplejpeg

from mirror.frames.frame import PATCH_QUALITY, Frame, LatestFrame, Rect, encode_jpeg
from mirror.frames.runs import MARK, decoded_runs, encoded_runs

TILE = 16
PATCH = b"P"
SCALED = b"S"
_COUNT = struct.Struct("<H")
_SIZE = struct.Struct("<HH")
_RECT = struct.Struct("<HHHHI")
# A patch whose rectangles cover more than this share of the frame goes out as the whole frame:
# its JPEG is already made, and a few large rectangles save little.
WHOLE_SHARE = 0.5
MAX_RECTS = 24  # More than this, and the changed tiles' bounding box is sent as one rectangle.
GAP_TILES = 2  # Changed tiles this close on a row are sent as one rectangle (fewer JPEG headers).
REFRESH_S = 0.3  # No new frame for this long after a patch: the page rests (PatchEncoder.refresh).


def changed_tiles(before: Frame, after: Frame) -> np.ndarray:
    """A boolean grid, one cell per tile (the last row and column may be partial): True where
    any pixel differs. The frames have the same size."""
    changed = before.words != after.words
    return _fold(_fold(changed).T).T


def _fold(cells: np.ndarray) -> np.ndarray:
    """Any over each run of TILE rows (a shorter last run included)."""
    rows = cells.shape[0]
    whole = rows // TILE * TILE
    parts = [cells[:whole].reshape(rows // TILE, TILE, *cells.shape[1:]).any(axis=1)]
    if whole < rows:
        parts.append(cells[whole:].any(axis=0, keepdims=True))
    return np.concatenate(parts)


def tile_rects(tiles: np.ndarray, width: int, height: int) -> list[Rect]:
    """Rectangles (in pixels, inside width x height) covering every changed tile: runs of a row
    joined across small gaps, and a run carried down while the rows below repeat it."""
    open_rects: dict[tuple[int, int], list[int]] = {}  # (first, last column) -> [top row, rows]
    done: list[list[int]] = []
    for row, cells in enumerate(tiles):
        runs = set(_runs(np.flatnonzero(cells)))
        for span in list(open_rects):
            if span not in runs:
                done.append([*span, *open_rects.pop(span)])
        for span in runs:
            top_rows = open_rects.setdefault(span, [row, 0])
            top_rows[1] += 1
    done.extend([*span, *top_rows] for span, top_rows in open_rects.items())
    if len(done) > MAX_RECTS:
        ys, xs = np.nonzero(tiles)
        done = [[int(xs.min()), int(xs.max()), int(ys.min()), int(ys.max() - ys.min()) + 1]]
    rects = []
    for first, last, top, count in done:
        x, y = first * TILE, top * TILE
        rects.append((x, y, min((last + 1) * TILE, width) - x, min(y + count * TILE, height) - y))
    return sorted(rects, key=lambda r: (r[1], r[0]))


def _runs(columns: np.ndarray) -> Iterator[tuple[int, int]]:
    """Runs of changed columns, as (first, last), joining runs at most GAP_TILES apart."""
    if not len(columns):
        return
    first = last = int(columns[0])
    for column in columns[1:].tolist():
        if column - last > GAP_TILES + 1:
            yield first, last
            first = column
        last = column
    yield first, last


class PatchEncoder:
    """What one agent is sent: the first frame whole, then patches against the frame it last got,
    and the screencast's own JPEG once the page rests (:meth:`refresh`).

    Typing, a caret, a menu or a chart change a small share of the screen, yet each screencast
    frame is a whole JPEG. The new frame's pixels are compared with the last frame sent to that
    agent in 16x16 tiles (JPEG's 4:2:0 macroblock, so a cut on the tile grid re-encodes without
    moving any block edge).
    """

    def __init__(self) -> None:
        self.sent: Frame | None = None  # The picture the agent has, once sent anything.
        # Patches were sent since the last whole frame, over one with a JPEG of its own to send
        # once the page rests (refresh).
        self.patched = False

    def encode(self, frame: Frame) -> bytes | None:
        """The message that brings the agent's picture to ``frame``; None when it already is.
        A frame captured small (Chromium behind) goes whole: its JPEG is a quarter of the bytes,
        and no tiles are compared or encoded while the machine is short of CPU."""
        sent, self.sent = self.sent, frame
        if frame is sent:
            return None
        if frame.shown is not None or sent is None or sent.pixels.shape != frame.pixels.shape:
            return self._whole(frame)
        tiles = changed_tiles(sent, frame)
        if not tiles.any():
            return None
        rects = tile_rects(tiles, frame.width, frame.height)
        if sum(w * h for _, _, w, h in rects) > WHOLE_SHARE * frame.width * frame.height:
            return self._whole(frame)
        self.patched = frame.jpeg is not None
        return patch_message(frame, rects)

    def forget(self) -> None:
        """The agent's picture is not the one sent (a message it could not draw): the next
        frame goes whole."""
        self.sent = None

    def refresh(self) -> bytes | None:
        """The last frame whole, if patches were drawn over the agent's picture since it last
        got one. A patch is a second encoding of decoded pixels, a little further from the page
        than the screencast's own JPEG; once the page rests, the agent gets the latter. A frame
        without one (read from a window) is not encoded again for it: the patches are of its
        own pixels, at a higher quality than a whole frame (encode leaves ``patched`` unset)."""
        if not self.patched or self.sent is None:
            return None
        return self._whole(self.sent)

    def _whole(self, frame: Frame) -> bytes:
        self.patched = False
        return whole_message(frame)


def whole_message(frame: Frame) -> bytes:
    """The whole frame as a message of the agent's socket: its JPEG (first byte 0xFF), or, for a
    frame captured small, ``b"S"``, the width and height to show it at (uint16, little-endian),
    then its JPEG, to be drawn stretched over that size."""
    if frame.shown is None:
        return frame.encoded()
    return b"".join([SCALED, _SIZE.pack(*frame.shown), frame.encoded()])


def is_whole(message: bytes) -> bool:
    """Whether a frame message is a whole picture (a JPEG or a scaled frame), not a patch."""
    return message[:2] == b"\xff\xd8" or message[:1] == SCALED


async def frame_messages(
    frames: LatestFrame, encoder: PatchEncoder | None = None
) -> AsyncIterator[tuple[bytes, Frame]]:
    """The messages for one agent (through ``encoder``, which RenderPages.redraw can reach),
    each as soon as there is one: the newest frame whole, then patches as frames come, and the
    screencast's JPEG again once the page rests. Each comes with the picture it brings the
    agent's view to."""
    reader = frames.reader()
    encoder = encoder or PatchEncoder()
    while True:
        try:
            async with asyncio.timeout(REFRESH_S if encoder.patched else None):
                frame = await reader.next()
        except TimeoutError:
            message = encoder.refresh()  # The screencast's bytes: nothing to encode.
        else:
            message = await asyncio.to_thread(encoder.encode, frame)
        if message is not None and encoder.sent is not None:
            yield message, encoder.sent


def patch_message(frame: Frame, rects: list[Rect]) -> bytes:
    """The patch of ``rects`` as one binary message of the agent's socket (a whole frame is a
    JPEG, whose first byte is 0xFF): ``b"P"``, a count (uint16), then for each rectangle x, y,
    width, height (uint16) and the length of its picture (uint32), all little-endian, each
    followed by its picture, a JPEG or runs (mirror/frames/runs.py), to be drawn at (x, y) over
    the previous picture (``mirror/web/agent/canvas.js``).
    """
    parts = [PATCH, _COUNT.pack(len(rects))]
    for x, y, width, height in rects:
        pixels = frame.pixels[y : y + height, x : x + width]
        picture = encoded_runs(pixels) or encode_jpeg(pixels, PATCH_QUALITY)
        parts += [_RECT.pack(x, y, width, height, len(picture)), picture]
    return b"".join(parts)


def piece_pixels(picture: bytes, width: int, height: int) -> np.ndarray:
    """A rectangle's picture from :func:`read_message` as height x width x 3 RGB pixels (a
    whole frame's at its JPEG's own size: ``width`` and ``height`` are then ignored). Raises
    ValueError for a picture that does not decode."""
    if picture[:1] == MARK:
        return decoded_runs(picture, width, height)
    pixels: np.ndarray = simplejpeg.decode_jpeg(picture, colorspace="RGB")
    return pixels


def read_message(data: bytes) -> list[tuple[Rect, bytes]]:
    """A frame message as (rectangle, picture) pairs, each picture drawn over its rectangle: a
    whole frame is one pair at (0, 0) whose size is its JPEG's (-1, -1 here); a scaled frame one
    pair at (0, 0) of the size to stretch it to; a patch's pictures are JPEGs or runs
    (:func:`piece_pixels` decodes either). Raises ValueError for anything else."""
    if data[:2] == b"\xff\xd8":
        return [((0, 0, -1, -1), data)]
    if data[:1] == SCALED:
        if len(data) < 1 + _SIZE.size:
            raise ValueError("scaled frame cut short")
        width, height = _SIZE.unpack_from(data, 1)
        return [((0, 0, width, height), data[1 + _SIZE.size :])]
    if data[:1] != PATCH:
        raise ValueError("neither a JPEG nor a patch")
    try:
        (count,), at = _COUNT.unpack_from(data, 1), 1 + _COUNT.size
        pairs = []
        for _ in range(count):
            x, y, width, height, length = _RECT.unpack_from(data, at)
            at += _RECT.size
            pairs.append(((x, y, width, height), data[at : at + length]))
            at += length
    except struct.error as exc:
        raise ValueError(f"patch cut short: {exc}") from None
    if at != len(data):
        raise ValueError("patch length does not match its rectangles")
    return pairs
