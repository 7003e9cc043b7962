"""The bytes of a recording: chunks of timed records, each chunk naming the SHA-256 of the one
before, so that a changed, missing or reordered chunk breaks the chain (``verify``).

A chunk is ``b"CBRC"``, a version byte, a header (uint32 length, then JSON: ``recording``,
``n``, ``prev``, ``t0``), then records until the end: kind (uint8), time (float64, seconds
since the recording started), payload length (uint32), payload; all little-endian. Kinds:

- FRAME: a frame message exactly as the agent was sent it: a whole JPEG (``FF D8``...), a
  frame captured small with the size it is shown at (``b"S"``...) or a patch (``b"P"``...,
  :func:`mirror.frames.patches.read_message`);
- KEYFRAME: the agent's whole picture at that moment as a whole frame's message (a JPEG or a
  scaled frame), never sent, so that playback can start anywhere without the frames before it;
- EVENT: a JSON object with a ``type`` (:mod:`mirror.recording.events`).

The recording's objects in its store: ``UUID/chunks/NNNNNN.bin`` and ``UUID/manifest.json``.
"""

from __future__ import annotations

import enum
import hashlib
import json
import struct
from dataclasses import dataclass
from typing import Any

MAGIC = b"CBRC"
VERSION = 1
_HEADER_LENGTH = struct.Struct("<I")
_RECORD = struct.Struct("<BdI")


class Kind(enum.IntEnum):
    FRAME = 1
    KEYFRAME = 2
    EVENT = 3


class ChunkError(ValueError):
    """Bytes that are not a readable chunk."""


@dataclass(frozen=True)
class Record:
    kind: Kind
    t: float  # Seconds since the recording started.
    payload: bytes

    def event(self) -> dict[str, Any]:
        """An EVENT's object."""
        value = json.loads(self.payload)
        if not isinstance(value, dict):
            raise ChunkError("an event is not a JSON object")
        return value


@dataclass(frozen=True)
class Chunk:
    recording: str
    n: int
    prev: str  # The SHA-256 (hex) of chunk n - 1, or genesis(recording) for the first.
    t0: float
    records: list[Record]


def genesis(recording: str) -> str:
    """What the first chunk of ``recording`` names as the chunk before it."""
    return hashlib.sha256(b"cobrowse-recording:" + recording.encode()).hexdigest()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def chunk_key(recording: str, n: int) -> str:
    return f"{recording}/chunks/{n:06d}.bin"


def manifest_key(recording: str) -> str:
    return f"{recording}/manifest.json"


def encode_chunk(recording: str, n: int, prev: str, t0: float, records: list[Record]) -> bytes:
    header = json.dumps({"recording": recording, "n": n, "prev": prev, "t0": t0}).encode()
    parts = [MAGIC, bytes([VERSION]), _HEADER_LENGTH.pack(len(header)), header]
    for record in records:
        parts += [_RECORD.pack(record.kind, record.t, len(record.payload)), record.payload]
    return b"".join(parts)


def decode_chunk(data: bytes) -> Chunk:
    """Raises ChunkError for anything but a whole, well-formed chunk."""
    if data[:4] != MAGIC or data[4:5] != bytes([VERSION]):
        raise ChunkError("not a recording chunk (or of another version)")
    try:
        (length,) = _HEADER_LENGTH.unpack_from(data, 5)
        at = 5 + _HEADER_LENGTH.size
        header = json.loads(data[at : at + length])
        at += length
        records = []
        while at < len(data):
            kind, t, size = _RECORD.unpack_from(data, at)
            at += _RECORD.size
            if at + size > len(data):
                raise ChunkError("a record runs past the chunk's end")
            records.append(Record(Kind(kind), t, data[at : at + size]))
            at += size
        return Chunk(
            str(header["recording"]),
            int(header["n"]),
            str(header["prev"]),
            float(header["t0"]),
            records,
        )
    except (struct.error, ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, ChunkError):
            raise
        raise ChunkError(f"damaged chunk: {exc}") from None
