"""A recording's manifest: who and when, and for each chunk its SHA-256, its times, where its
whole pictures are (for seeking) and its events other than pointer positions (the playback
page's event list and markers). Rewritten as the recording goes and at its end; the chunks
themselves carry the hash chain, so a manifest left behind by a crash loses nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from mirror.frames.patches import is_whole
from mirror.recording.chunks import Kind, Record, digest, manifest_key

MANIFEST_VERSION = 1


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class ChunkEntry(msgspec.Struct, kw_only=True):
    n: int
    sha256: str
    size: int = msgspec.field(name="bytes")
    t0: float
    t1: float
    keyframes: list[float]
    events: list[dict[str, Any]]

    @classmethod
    def of(cls, n: int, data: bytes, t0: float, t1: float, records: list[Record]) -> ChunkEntry:
        return cls(
            n=n,
            sha256=digest(data),
            size=len(data),
            t0=round(t0, 3),
            t1=round(t1, 3),
            keyframes=[round(r.t, 3) for r in records if starts_picture(r)],
            events=indexed_events(records),
        )


class Manifest(msgspec.Struct, kw_only=True):
    uuid: str
    session: str
    node: str
    started_at: str = msgspec.field(default_factory=utcnow)
    ended_at: str | None = None
    end_reason: str | None = None
    duration: float = 0.0
    chunks: list[ChunkEntry] = msgspec.field(default_factory=list)
    gaps: list[tuple[float, float]] = msgspec.field(default_factory=list)
    version: int = MANIFEST_VERSION

    @property
    def key(self) -> str:
        return manifest_key(self.uuid)

    @property
    def size(self) -> int:
        return sum(chunk.size for chunk in self.chunks)

    @property
    def head(self) -> str | None:
        """The SHA-256 of the last chunk written: the end of the chain."""
        return self.chunks[-1].sha256 if self.chunks else None

    def encode(self) -> bytes:
        return msgspec.json.encode(self)


def decode_manifest(data: bytes) -> Manifest:
    """Raises ValueError for bytes that are not a manifest."""
    try:
        return msgspec.json.decode(data, type=Manifest)
    except msgspec.DecodeError as exc:
        raise ValueError(f"not a recording manifest: {exc}") from None


def starts_picture(record: Record) -> bool:
    """A record after which the whole picture is known: a keyframe or a whole frame sent."""
    return record.kind is Kind.KEYFRAME or (record.kind is Kind.FRAME and is_whole(record.payload))


def indexed_events(records: list[Record]) -> list[dict[str, Any]]:
    """The chunk's events for the index: every one but pointer positions, each with its time."""
    events = []
    for record in records:
        if record.kind is Kind.EVENT:
            event = record.event()
            if event.get("type") != "pointer":
                events.append({"t": round(record.t, 3), **event})
    return events
