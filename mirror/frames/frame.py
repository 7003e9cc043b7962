"""The frame stream: the newest frame of the render page's screencast, decoded beside its JPEG,
in a one-frame mailbox for the agent's socket.
"""

from __future__ import annotations

import asyncio
import weakref

import numpy as np
import simplejpeg

from mirror.frames.buffers import PIXELS

JPEG_QUALITY = 70  # The screencast's, and that of a whole frame the server encodes again.
# A patch is cut from a decoded frame, so it is a second encoding of those pixels: at the
# screencast's quality its ringing adds to the first's (a flat masked box stops looking flat).
PATCH_QUALITY = 90

Rect = tuple[int, int, int, int]  # x, y, width, height in a frame's pixels


class Frame:
    """One screencast frame. ``pixels`` is height x width x 4 (RGBX: one 32-bit word a pixel,
    which makes comparing two frames cheap); ``jpeg`` is the screencast's bytes, or None once
    the pixels were painted over (redaction) and must be encoded again.

    A frame kept while its page rests lets go of its decoded pixels (:meth:`shed`); they are
    decoded again from the JPEG when next needed. Pixels the frame decoded or copied are lent
    (mirror/frames/buffers.py) and taken back when the frame is gone: hold the frame, never a
    view of its pixels, beyond the call that reads them.

    ``shown`` is the size (width, height) the frame is shown at when it was captured smaller
    than the customer's screen (mirror/render/load.py), None when one pixel is one CSS pixel.
    """

    def __init__(self, pixels: np.ndarray | None, jpeg: bytes | None) -> None:
        assert pixels is not None or jpeg is not None
        self._pixels = pixels
        # Gives lent pixels back (see _borrow).
        self._lent: weakref.finalize[[np.ndarray], Frame] | None = None
        self.jpeg = jpeg
        self.shown: tuple[int, int] | None = None

    @property
    def pixels(self) -> np.ndarray:
        return self._decode() if self._pixels is None else self._pixels

    def _decode(self) -> np.ndarray:
        assert self.jpeg is not None  # shed() encodes before it lets go.
        height, width = jpeg_size(self.jpeg)
        buffer = self._borrow(height, width)
        try:
            return decode_pixels(self.jpeg, buffer)
        except BaseException:
            self._let_go(lend_again=True)  # Half written: nobody's pixels.
            raise

    def _borrow(self, height: int, width: int) -> np.ndarray:
        """A lent buffer, this frame's pixels from now on, given back once the frame is gone."""
        self._pixels = buffer = PIXELS.take(height, width)
        self._lent = weakref.finalize(self, PIXELS.give, buffer)
        self._lent.atexit = False
        return buffer

    def copy(self) -> Frame:
        """A frame of the same pixels, to paint over, shown at the same size."""
        pixels = self.pixels
        copied = Frame(pixels, jpeg=None)
        # Word by word: a copy of every other pixel (a frame captured small) byte by byte is
        # fifteen times slower.
        np.copyto(copied._borrow(*pixels.shape[:2]).view(np.uint32), pixels.view(np.uint32))
        copied.shown = self.shown
        return copied

    @property
    def decoded(self) -> bool:
        """Whether the pixels are held (not let go of by :meth:`shed`)."""
        return self._pixels is not None

    def shed(self) -> None:
        """Keep the JPEG only. Pixels painted over are encoded first, so those decoded later
        are the whole frame's pixels as an agent got it (:meth:`encoded`), not the painted ones."""
        self.encoded()
        self._let_go(lend_again=False)  # Freed with the last view of them.

    def _let_go(self, lend_again: bool) -> None:
        """Drop the pixels: back to the pool, or, not lent again, freed with their last view."""
        if self._lent is not None:
            if lend_again:
                self._lent()
            else:
                self._lent.detach()
            self._lent = None
        self._pixels = None

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def words(self) -> np.ndarray:
        """The pixels as one uint32 per pixel (a view, no copy)."""
        return self.pixels.view(np.uint32)[..., 0]

    def same_as(self, other: Frame | None) -> bool:
        """The same pixels. (A repeat of the screencast's own bytes never gets this far: the
        render page's screencast drops it before decoding.)"""
        if other is None or other.pixels.shape != self.pixels.shape:
            return False
        return bool(np.array_equal(other.words, self.words))

    def encoded(self) -> bytes:
        """The whole frame as JPEG: the screencast's own bytes when the pixels are unchanged."""
        if self.jpeg is None:
            self.jpeg = encode_jpeg(self.pixels)
        return self.jpeg


def decode_frame(jpeg: bytes) -> Frame:
    """Raises ValueError for bytes that are not a readable JPEG."""
    frame = Frame(None, jpeg)
    frame._decode()  # Now, in the caller's thread.
    return frame


def jpeg_size(jpeg: bytes) -> tuple[int, int]:
    """The height and width of a JPEG, from its header; raises ValueError if it has none."""
    height, width, _, _ = simplejpeg.decode_jpeg_header(jpeg)
    return height, width


def decode_pixels(jpeg: bytes, buffer: np.ndarray | None = None) -> np.ndarray:
    """RGBX pixels (into ``buffer`` when given, of the JPEG's size), each chroma sample of the
    4:2:0 JPEG repeated over its 2x2 pixels rather than interpolated: cheaper to decode
    (docs/benchmark.md), and a patch cut from them and subsampled again gets back the JPEG's own
    chroma instead of a blurred copy."""
    pixels: np.ndarray = simplejpeg.decode_jpeg(
        jpeg, colorspace="RGBX", fastupsample=True, buffer=buffer
    )
    return pixels


def encode_jpeg(pixels: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """RGBX pixels as a JPEG with 4:2:0 chroma, like the screencast's frames."""
    return bytes(
        simplejpeg.encode_jpeg(
            np.ascontiguousarray(pixels), quality, colorspace="RGBX", colorsubsampling="420"
        )
    )


class LatestFrame:
    """A one-frame mailbox: ``put`` replaces, each reader waits for a frame newer than the last
    it took (the agent's view and those of colleagues watching read the same frames).

    A slow viewer never builds a queue: a frame it has not taken is replaced by a newer one, so
    latency stays flat and memory stays one frame per session.
    """

    def __init__(self) -> None:
        self._frame: Frame | None = None
        self._version = 0  # Frames put so far.
        self._put = asyncio.Event()  # Set at the next put, then replaced by a fresh one.

    def put(self, frame: Frame) -> None:
        self._frame = frame
        self._version += 1
        self._put.set()
        self._put = asyncio.Event()

    @property
    def last(self) -> Frame | None:
        """The most recent frame, sent or not (a re-joining agent starts from it)."""
        return self._frame

    def shed(self) -> None:
        """The page rests: the last frame keeps its JPEG only (Frame.shed)."""
        if self._frame is not None:
            self._frame.shed()

    def clear(self) -> None:
        """Drop the frame (a session's end): its pixels go now, not at the next collection of
        the reference cycles the session's objects make."""
        self._frame = None

    async def newer(self, version: int) -> tuple[int, Frame]:
        """The last frame once it is newer than ``version`` (frames put), with its own."""
        while self._version == version or self._frame is None:
            await self._put.wait()
        return self._version, self._frame

    def reader(self) -> FrameReader:
        """A new reader: its first frame is the last one put, at once if there is one."""
        return FrameReader(self)


class FrameReader:
    """One viewer's place in a :class:`LatestFrame`."""

    def __init__(self, frames: LatestFrame) -> None:
        self._frames = frames
        self._taken = 0  # The version of the frame last taken; none yet.

    async def next(self) -> Frame:
        self._taken, frame = await self._frames.newer(self._taken)
        return frame
