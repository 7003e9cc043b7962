"""A patch's rectangle as runs of one colour, where that is about as small as its JPEG: flat
parts of a page (a button's colour, a box, a field cleared) come out in a few hundred bytes, are
exact, and the agent's page draws them at once, where a JPEG is decoded off its main thread first
(about a millisecond, docs/benchmark.md). Text and pictures have too many runs, and go as JPEG.

A rectangle's runs: ``b"R"`` (a JPEG starts with 0xFF), then per run the number of pixels less
one (uint16, little-endian) and their red, green and blue, the pixels in rows from the top left.
"""

from __future__ import annotations

import numpy as np

MARK = b"R"
_RUN = np.dtype([("less_one", "<u2"), ("rgb", "u1", 3)])
MAX_RUN = 1 << 16
# Runs are chosen when they take at most this many bytes a pixel (a JPEG at the patches' quality
# takes about that on a page's flat parts, plus its headers), or the floor below: a JPEG's
# headers make a small one as large as the runs of a few tiles of text (a key typed).
BYTES_PER_PIXEL = 0.25
FLOOR_BYTES = 1536


def encoded_runs(pixels: np.ndarray) -> bytes | None:
    """``pixels`` (height x width x 4, RGBX) as runs, or None when a JPEG would be smaller."""
    height, width = pixels.shape[:2]
    budget = max(FLOOR_BYTES, BYTES_PER_PIXEL * width * height)
    flat = np.ascontiguousarray(pixels).reshape(-1, 4)
    words = flat.view(np.uint32).reshape(-1) & 0x00FFFFFF  # The X byte is no colour.
    starts = np.flatnonzero(words[1:] != words[:-1]) + 1
    if (len(starts) + 1) * _RUN.itemsize > budget:
        return None
    starts = np.concatenate(([0], starts))
    lengths = np.diff(np.append(starts, words.size))
    if lengths.max() > MAX_RUN:  # Split so that every run fits its count.
        pieces = -(-lengths // MAX_RUN)
        starts = np.repeat(starts, pieces) + _within(pieces) * MAX_RUN
        lengths = np.diff(np.append(starts, words.size))
    runs = np.empty(len(starts), _RUN)
    runs["less_one"] = lengths - 1
    runs["rgb"] = flat[starts, :3]
    return MARK + runs.tobytes()


def _within(pieces: np.ndarray) -> np.ndarray:
    """For each run split in ``pieces``, the index of each piece within its run: 0, 1, ..."""
    ends = np.cumsum(pieces)
    within: np.ndarray = np.arange(ends[-1]) - np.repeat(ends - pieces, pieces)
    return within


def decoded_runs(data: bytes, width: int, height: int) -> np.ndarray:
    """Runs as height x width x 3 RGB pixels; ValueError unless they fill the rectangle."""
    if data[:1] != MARK or (len(data) - 1) % _RUN.itemsize:
        raise ValueError("not runs of one colour")
    runs = np.frombuffer(data, _RUN, offset=1)
    counts = runs["less_one"].astype(np.int64) + 1
    if int(counts.sum()) != width * height:
        raise ValueError("runs that do not fill their rectangle")
    return np.repeat(runs["rgb"], counts, axis=0).reshape(height, width, 3)
