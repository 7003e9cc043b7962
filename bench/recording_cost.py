"""The recorder's own CPU per frame, read in this process apart from the server: a recorded
session's frame messages fed again to a real :class:`~mirror.recording.recorder.Recorder` writing
to a directory, on a clock of the recording's own times (a chunk every CHUNK_S, keyframes and
manifests as it decides). On two cores the off/on steps' difference is within their noise; this
says how much of it the recorder itself can be.

Not counted: the history index's update with each manifest (every MANIFEST_S a session) and the
customer's batches read for pointer positions (none in a replayed change).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mirror.frames.frame import Frame, decode_frame
from mirror.recording.chunks import Kind, Record, decode_chunk
from mirror.recording.manifest import Manifest
from mirror.recording.recorder import CHUNK_S, Recorder
from mirror.recording.store import DirectoryStore

ROUNDS = 20  # Replays of the same frames; the median round is reported.


@dataclass(frozen=True)
class RecorderCost:
    frames: int  # Frame messages in one replay
    ms_per_frame: float  # The median round's CPU (every thread of this process) per frame
    ms_per_frame_range: tuple[float, float]  # Fewest and most of the rounds


class ReplayClock:
    """The recording's time, moved on by the replay."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


async def nothing(_: object) -> None:
    """The server's index update and its telling the agent: not this measurement's."""


def frame_records(chunks: list[bytes]) -> list[Record]:
    """The frame messages of a recording, in order."""
    records = [r for c in chunks for r in decode_chunk(c).records]
    return [r for r in records if r.kind is Kind.FRAME]


async def replay_once(frames: list[Record], picture: Frame, store: Path) -> float:
    """CPU seconds this process spends recording ``frames`` as the server would."""
    clock = ReplayClock()
    manifest = Manifest(uuid=f"replay-{time.monotonic_ns()}", session="bench", node="bench")
    recorder = Recorder(DirectoryStore(store), manifest, nothing, nothing, clock)
    began, next_chunk = time.process_time(), CHUNK_S
    for record in frames:
        clock.t = record.t
        if record.t >= next_chunk:  # As the recorder's own task would, every CHUNK_S.
            await recorder.flush()
            next_chunk += CHUNK_S
        # The picture each frame brings the agent to is the screencast's, with its JPEG known
        # (as in the server, where a keyframe costs no encoding unless the frame was repainted).
        recorder.frame(record.payload, picture)
    await recorder.finish("ended")
    return time.process_time() - began


def measure(chunks: list[bytes]) -> RecorderCost | None:
    """The recorder's CPU per frame for the frames of ``chunks``; None without any whole frame
    (the pictures are decoded from one)."""
    frames = frame_records(chunks)
    whole = next((r.payload for r in frames if r.payload[:2] == b"\xff\xd8"), None)
    if whole is None:
        return None
    picture = decode_frame(whole)
    with tempfile.TemporaryDirectory(prefix="cobrowse-bench-recorder-") as tmp:
        rounds = [asyncio.run(replay_once(frames, picture, Path(tmp))) for _ in range(ROUNDS)]
    per_frame = sorted(1000 * s / len(frames) for s in rounds)
    return RecorderCost(
        len(frames),
        round(statistics.median(per_frame), 4),
        (round(per_frame[0], 4), round(per_frame[-1], 4)),
    )
