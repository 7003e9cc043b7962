"""Buffers for decoded frames, lent to a frame and taken back when it is gone.

A 1280x800 frame decodes to 4 MB, five times a second a session. Allocated afresh each time,
such buffers either fault in new pages on every frame or, once glibc's allocator starts to keep
them, fragment its arenas into memory the server never gives back (docs/benchmark.md). Each
buffer here is an anonymous mapping of its own, lent again when the frame holding it is gone.
"""

from __future__ import annotations

import mmap
import threading
from collections import OrderedDict

import numpy as np

KEEP_BYTES = 16 * 2**20  # Free buffers kept, of every size together: a few frames in flight.

Shape = tuple[int, int]  # height, width


class PixelPool:
    """Free RGBX buffers by size; beyond ``keep_bytes``, those of the size least recently given
    back are let go first (a customer's old window size). A lent buffer holds another frame's
    pixels: the borrower writes every one.

    Thread-safe: frames are decoded in worker threads and may be freed in any thread.
    """

    def __init__(self, keep_bytes: int = KEEP_BYTES) -> None:
        self.keep_bytes = keep_bytes
        self._free: OrderedDict[Shape, list[np.ndarray]] = OrderedDict()
        self._bytes = 0  # Held in _free.
        # Reentrant: a collection started inside take() may free a frame, which gives back.
        self._lock = threading.RLock()

    def take(self, height: int, width: int) -> np.ndarray:
        """A height x width x 4 uint8 buffer, a free one if there is one."""
        with self._lock:
            free = self._free.get((height, width))
            if free:
                buffer = free.pop()
                self._bytes -= buffer.nbytes
                return buffer
        mapping = mmap.mmap(-1, height * width * 4)
        return np.frombuffer(mapping, np.uint8).reshape(height, width, 4)

    def give(self, buffer: np.ndarray) -> None:
        """``buffer`` is free again: nothing reads or writes it any more."""
        height, width = buffer.shape[:2]
        with self._lock:
            self._free.setdefault((height, width), []).append(buffer)
            self._free.move_to_end((height, width))
            self._bytes += buffer.nbytes
            while self._bytes > self.keep_bytes:
                shape, oldest = next(iter(self._free.items()))
                self._bytes -= oldest.pop(0).nbytes
                if not oldest:
                    del self._free[shape]

    @property
    def free_bytes(self) -> int:
        return self._bytes


PIXELS = PixelPool()
