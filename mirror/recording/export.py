"""A recording as a video file (MP4 or WebM) showing, at each moment, the picture the agent was
shown then, with both pointers drawn on it and the event track as a soft subtitle stream.

The records are played as the agent's page drew them (:mod:`mirror.recording.chunks`), one
picture in memory at a time, and each change of the picture becomes one video frame whose
timestamp is the record's time (variable frame rate): a page that rests costs no frames.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
from av.container import OutputContainer
from av.video.stream import VideoStream

from mirror.frames.frame import jpeg_size
from mirror.frames.patches import is_whole, piece_pixels, read_message
from mirror.recording.chunks import Chunk, Kind, Record
from mirror.recording.subtitles import CUE_S, TIME_BASE, Cues, cue_text, ms, subtitle_stream

log = logging.getLogger("cobrowse.recording")

EMPTY_SIZE = (640, 360)  # The canvas of a recording without any picture (events only).


@dataclass(frozen=True)
class ExportFigures:
    frames: int  # Video frames written (one per change of the picture, plus the first and last).
    seconds: float  # The video's length: the last picture is held until then.
    cues: int  # Events shown as subtitles (every event but pointer moves, and missing chunks).
    skipped: int = 0  # Records that could not be shown (a JPEG that does not decode).


@dataclass(frozen=True)
class _Format:
    container: str
    video: str
    video_options: dict[str, str]
    subtitles: str
    container_options: dict[str, str] = field(default_factory=dict)


# Speed matters more than size (an hour of recording; the server exports while a supervisor
# waits): x264's ultrafast preset and libvpx's realtime mode, with quality-based rates. A
# screen at rest costs nothing anyway: it makes no frames.
FORMATS = {
    ".mp4": _Format(
        "mp4",
        "libx264",
        {"preset": "ultrafast", "crf": "28"},
        "mov_text",
        # The index first, so that a browser plays the download before it is complete.
        {"movflags": "+faststart"},
    ),
    ".webm": _Format(
        "webm",
        "libvpx-vp9",
        {
            "deadline": "realtime",
            "cpu-used": "8",
            "row-mt": "1",
            "crf": "40",
            "b": "0",
            "lag-in-frames": "0",
        },
        "webvtt",
    ),
}


def export_video(
    chunks: Sequence[Chunk], out: Path, duration: float | None = None
) -> ExportFigures:
    """Write the recording of ``chunks`` (in order; damaged ones already left out) to ``out``,
    ``.mp4`` (H.264) or ``.webm`` (VP9). The last picture is held until ``duration`` (or the
    last record), and longer while the last events' lines are on screen: the ``ended`` event
    comes at the very end and would not be seen. Synchronous and CPU-bound: the server runs
    it in a thread."""
    spec = FORMATS.get(out.suffix.lower())
    if spec is None:
        raise ValueError(f"cannot export {out.name}: the file name must end in .mp4 or .webm")
    try:
        figures = _export(chunks, out, spec, duration)
    except BaseException:
        out.unlink(missing_ok=True)  # Half a video would look like a whole one.
        raise
    if figures.skipped:
        recording = chunks[0].recording if chunks else "?"
        log.warning("recording %s: %d records could not be shown", recording, figures.skipped)
    return figures


def _export(
    chunks: Sequence[Chunk], out: Path, spec: _Format, duration: float | None
) -> ExportFigures:
    width, height = _canvas_size(chunks)
    container = av.open(str(out), "w", format=spec.container, options=spec.container_options)
    with container:
        film = _Film(container, _video_stream(container, spec, width, height))
        cues = Cues(
            container, subtitle_stream(container, spec.subtitles), webvtt=spec.subtitles == "webvtt"
        )
        for t, record in _records(chunks, cues):
            film.advance(t)
            _play(record, film, cues)
        cues.close()
        film.close(max(duration or 0.0, film.last_t, cues.last_end))
    return ExportFigures(film.frames, film.last_pts / 1000, cues.count, film.picture.skipped)


def _canvas_size(chunks: Sequence[Chunk]) -> tuple[int, int]:
    """The largest picture's size, rounded up to even numbers (4:2:0 video). Only the JPEGs'
    headers are read: a first pass costs little next to decoding."""
    width = height = 0
    for chunk in chunks:
        for record in chunk.records:
            if record.kind != Kind.EVENT and is_whole(record.payload):
                try:
                    w, h = _whole_size(record.payload)
                except ValueError:
                    continue  # Counted as skipped when it is played.
                width, height = max(width, w), max(height, h)
    if not width:
        width, height = EMPTY_SIZE
    return width + width % 2, height + height % 2


def _whole_size(message: bytes) -> tuple[int, int]:
    """The size a whole frame's message is shown at: its JPEG's, or the scaled frame's."""
    [((_, _, width, height), jpeg)] = read_message(message)
    if width < 0:
        height, width = jpeg_size(jpeg)
    return width, height


def _video_stream(
    container: OutputContainer, spec: _Format, width: int, height: int
) -> VideoStream:
    stream = container.add_stream(spec.video, options=spec.video_options)
    assert isinstance(stream, VideoStream)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    # The encoder's too: left alone it is 1/24 s, and changes closer than that would clash.
    stream.time_base = stream.codec_context.time_base = TIME_BASE
    return stream


def _records(chunks: Sequence[Chunk], cues: Cues) -> Iterator[tuple[float, Record]]:
    """Every record in playing order; a hole in the chunks' numbers is told as a cue that
    lasts until the next chunk has begun (the picture may be wrong until a whole one comes)."""
    expected, last_t = 0, 0.0
    for chunk in chunks:
        if chunk.n != expected:
            missing = f"{expected}" if chunk.n == expected + 1 else f"{expected}-{chunk.n - 1}"
            text = f"chunks {missing} missing: {last_t:.1f}-{chunk.t0:.1f} s not shown"
            cues.add(last_t, text, until=chunk.t0 + CUE_S)
        expected = chunk.n + 1
        for record in chunk.records:
            last_t = max(last_t, record.t)
            yield record.t, record


def _play(record: Record, film: _Film, cues: Cues) -> None:
    """Apply one record to the picture, the pointers and the subtitles."""
    if record.kind != Kind.EVENT:
        if film.picture.draw(record.payload):
            film.changed(record.t)
        return
    try:
        event = record.event()
        if film.picture.show_event(event):
            film.changed(record.t)
        text = cue_text(event)
        if text is not None and event.get("type") == "gap":  # Shown while nothing was kept.
            cues.add(float(event["from"]), text, until=float(event["to"]) + CUE_S)
        elif text is not None:
            cues.add(record.t, text)
    except (ValueError, KeyError, TypeError):  # An event without the fields its type has.
        film.picture.skipped += 1


# The pointers' markers: the agent's a filled orange disc, the customer's a hollow blue ring,
# both outlined in black so that they show on any page; told apart by shape as well as colour.
_R = 7
_DISTANCE = np.hypot(*np.mgrid[-_R : _R + 1, -_R : _R + 1])
_MARKERS = {
    "agent": [(_DISTANCE <= _R, (0, 0, 0)), (_DISTANCE <= _R - 1.5, (255, 140, 0))],
    "customer": [
        ((_DISTANCE <= _R) & (_DISTANCE >= _R - 4.5), (0, 0, 0)),
        ((_DISTANCE <= _R - 1.2) & (_DISTANCE >= _R - 3.3), (40, 150, 255)),
    ],
}


class _Picture:
    """The agent's picture (RGB, drawn at the top left of a black canvas of the largest
    picture's size) and where the two pointers are."""

    def __init__(self, width: int, height: int) -> None:
        self.canvas = np.zeros((height, width, 3), np.uint8)
        self.size = (0, 0)  # The current picture's width and height.
        # In CSS pixels of the customer's viewport, which are the frames' pixels
        # (mirror/render/emulation.py scales a high-density screencast down to them).
        self.pointers: dict[str, tuple[float, float]] = {}
        self.skipped = 0

    def draw(self, message: bytes) -> bool:
        """A FRAME's or KEYFRAME's message drawn; False when it could not be read."""
        try:
            pairs = read_message(message)
            if is_whole(message):
                [((_, _, width, height), jpeg)] = pairs
                self._whole(_stretched(piece_pixels(jpeg, width, height), width, height))
            else:
                for (x, y, width, height), picture in pairs:
                    self._paste(x, y, piece_pixels(picture, width, height))
        except ValueError:  # A picture that does not decode, a patch cut short.
            self.skipped += 1
            return False
        return True

    def _whole(self, pixels: np.ndarray) -> None:
        size = (int(pixels.shape[1]), int(pixels.shape[0]))
        if size != self.size:  # The viewport changed: what lay outside the new picture goes.
            self.canvas[:] = 0
            self.size = size
        self._paste(0, 0, pixels)

    def _paste(self, x: int, y: int, pixels: np.ndarray) -> None:
        height = min(pixels.shape[0], self.canvas.shape[0] - y)
        width = min(pixels.shape[1], self.canvas.shape[1] - x)
        if height > 0 and width > 0:
            self.canvas[y : y + height, x : x + width] = pixels[:height, :width]

    def show_event(self, event: dict[str, Any]) -> bool:
        """Follow an event; True when the picture as drawn (its pointers) changed."""
        kind = event.get("type")
        if kind == "pointer" and event.get("side") in _MARKERS:
            self.pointers[event["side"]] = (float(event["x"]), float(event["y"]))
            return True
        elif kind == "agent_left":
            return self.pointers.pop("agent", None) is not None
        elif kind in ("ended", "gap"):  # Where the pointers are is no longer known.
            hidden = bool(self.pointers)
            self.pointers.clear()
            return hidden
        return False

    def frame(self) -> av.VideoFrame:
        """The picture with the pointers drawn on it, as a video frame. The markers are
        painted into the canvas and the pixels under them put back afterwards: cheaper than
        copying the whole canvas."""
        under = [self._mark(side, point) for side, point in self.pointers.items()]
        frame = av.VideoFrame.from_ndarray(self.canvas, format="rgb24")  # A copy.
        for area, pixels in reversed(under):
            self.canvas[area] = pixels
        return frame

    def _mark(self, side: str, point: tuple[float, float]) -> tuple[Any, np.ndarray]:
        """Paint ``side``'s marker centred on ``point``; the area painted and what it held."""
        cx, cy = round(point[0]), round(point[1])  # Frames are at one pixel a CSS pixel.
        height, width = self.canvas.shape[:2]
        top, left = min(max(cy - _R, 0), height), min(max(cx - _R, 0), width)
        bottom, right = max(min(cy + _R + 1, height), top), max(min(cx + _R + 1, width), left)
        area = np.s_[top:bottom, left:right]
        pixels = self.canvas[area].copy()
        box = np.s_[top - cy + _R : bottom - cy + _R, left - cx + _R : right - cx + _R]
        for mask, colour in _MARKERS[side]:
            self.canvas[area][mask[box]] = colour
        return area, pixels


def _stretched(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    """A picture captured small, brought to the size it was shown at (nearest pixel); a picture
    already at its size (or of unknown size: -1) as it is."""
    if width < 0 or (pixels.shape[1], pixels.shape[0]) == (width, height):
        return pixels
    rows = np.arange(height) * pixels.shape[0] // height
    columns = np.arange(width) * pixels.shape[1] // width
    stretched: np.ndarray = pixels[rows][:, columns]
    return stretched


class _Film:
    """The video track: a frame for each change of the picture, stamped with the change's
    time. Changes within the same millisecond make one frame (timestamps must grow)."""

    def __init__(self, container: OutputContainer, stream: VideoStream) -> None:
        self.container, self.stream = container, stream
        self.picture = _Picture(stream.width, stream.height)
        self.pending: int | None = 0  # A change not yet written, in ms: the black start.
        self.last_pts = -1
        self.last_t = 0.0
        self.frames = 0

    def advance(self, t: float) -> None:
        """Before a record at ``t``: a change made before its millisecond is written."""
        if self.pending is not None and ms(t) > self.pending:
            self._write(self.pending)
            self.pending = None
        self.last_t = max(self.last_t, t)

    def changed(self, t: float) -> None:
        if self.pending is None:
            self.pending = max(ms(t), self.last_pts + 1)

    def close(self, end: float) -> None:
        """The last change, then the last picture again at ``end`` (it is held until then)."""
        if self.pending is not None:
            self._write(self.pending)
        if ms(end) > self.last_pts:
            self._write(ms(end))
        self.container.mux(self.stream.encode(None))

    def _write(self, pts: int) -> None:
        frame = self.picture.frame()
        frame.pts, frame.time_base = pts, TIME_BASE
        self.container.mux(self.stream.encode(frame))
        self.last_pts = pts
        self.frames += 1
