"""The recording part (``--recording``): what recording costs in bytes and in CPU.

1. Sizes: one server with ``[recording] enabled``, a busy, a reading and an idle replayed session
   at once (the capture stream's 1280x800 viewport), each recorded for the same window; their
   recordings' bytes and duration come from ``GET /api/recordings?session=UUID``, and the split
   into frames, keyframes and events from the chunks in the store (the server's own directory).
2. CPU: 10-session scale steps (:func:`bench.harness.scale_step`) with recording off and on,
   alternating, each on a fresh server; :mod:`bench.recording_report` reads the CPU per frame.
   Beside them, the busy session's frames recorded again in this process
   (:mod:`bench.recording_cost`): the recorder's own work, apart from the two cores' noise.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench import harness, recording_cost
from bench.agents import SocketAgent
from bench.capture_stream import PLACEHOLDER_ORIGIN, CaptureStream
from bench.customers import StreamCustomer
from bench.harness import PartResult
from bench.options import READING_EVERY, Options
from bench.recording_cost import RecorderCost
from bench.servers import Served, serving
from bench.session import BenchSession
from mirror.frames.patches import is_whole
from mirror.recording.chunks import Kind, decode_chunk
from mirror.recording.manifest import decode_manifest

KINDS = ("busy", "reading", "idle")
END_WAIT_S = 20.0  # For a recording to be listed as ended once its session has.
POLL_S = 0.25


def with_recording(config: str, store: Path | None, key: str) -> str:
    """``config`` (the bench's server configuration) with a supervisor's key, and recording on
    into ``store`` (None: off, the rest the same). The key goes into the existing ``[server]``
    table: TOML refuses a table defined twice."""
    head, found, rest = config.partition("[server]\n")
    if not found:
        raise ValueError("the configuration has no [server] table")
    text = f'{head}[server]\nsupervisor_keys = ["{key}"]\n{rest}'
    if store is not None:
        text += f'\n[recording]\nenabled = true\nstore = "{store}"\n'
    return text


def configure(store: Path | None, key: str) -> Callable[[str], str]:
    return lambda config: with_recording(config, store, key)


def kind_pace(kind: str, window_s: float, interval_ms: int) -> tuple[int, int]:
    """(changes, interval in ms) of a kind of session over ``window_s``: busy at the run's rate,
    reading at the ``--mix`` readers' (every READING_EVERY intervals), idle never."""
    if kind == "busy":
        return round(window_s * 1000 / interval_ms), interval_ms
    if kind == "reading":
        every = interval_ms * READING_EVERY
        return round(window_s * 1000 / every), every
    return 0, round(window_s * 1000)


@dataclass
class ChunkSplit:
    """A recording's bytes by kind of record; ``overhead`` is the chunks' headers and the
    records' own (kind, time, length)."""

    frame_bytes: int = 0
    keyframe_bytes: int = 0
    event_bytes: int = 0
    overhead_bytes: int = 0
    whole_frames: int = 0
    patches: int = 0
    keyframes: int = 0
    events: int = 0
    chunks: int = 0

    @property
    def total(self) -> int:
        return self.frame_bytes + self.keyframe_bytes + self.event_bytes + self.overhead_bytes


def split_chunks(chunks: Iterable[bytes]) -> ChunkSplit:
    """Add up the records of every chunk by kind (mirror/recording/chunks.py)."""
    split = ChunkSplit()
    for data in chunks:
        split.chunks += 1
        payloads = 0
        for record in decode_chunk(data).records:
            size = len(record.payload)
            payloads += size
            if record.kind is Kind.FRAME:
                split.frame_bytes += size
                whole = is_whole(record.payload)
                split.whole_frames += whole
                split.patches += not whole
            elif record.kind is Kind.KEYFRAME:
                split.keyframe_bytes += size
                split.keyframes += 1
            else:
                split.event_bytes += size
                split.events += 1
        split.overhead_bytes += len(data) - payloads
    return split


@dataclass
class KindResult:
    """One kind of session's recording(s), as the API lists them and the store holds them."""

    kind: str
    pace: tuple[int, int]
    listed: list[dict[str, Any]] = field(default_factory=list)  # GET /api/recordings rows
    split: ChunkSplit | None = None
    chunks: list[bytes] = field(default_factory=list)  # As stored, for the recorder's replay.
    agent_bytes: int = 0  # Frame messages the agent received: what the recording should hold.
    error: str | None = None


@dataclass
class CpuStep:
    repeat: int
    recording: bool
    part: PartResult
    # Recorded in the step (recording on): bytes and seconds over every session's manifest.
    store_bytes: int = 0
    store_seconds: float = 0.0


@dataclass
class RecordingResult:
    window_s: float
    viewport: dict[str, int]
    sizes: list[KindResult] = field(default_factory=list)
    cpu: list[CpuStep] = field(default_factory=list)
    cpu_options: Options | None = None
    recorder: RecorderCost | None = None  # The busy session's frames recorded again, in here.
    wall_s: float = 0.0


# -- sizes ------------------------------------------------------------------------------------


async def listed_when_ended(
    http: aiohttp.ClientSession, served: Served, key: str, session_uuid: str
) -> list[dict[str, Any]]:
    """The session's recordings once every one is ``ended`` (or as they stand after
    END_WAIT_S: the last chunk and manifest are written after the session ends)."""
    url = f"{served.server}/api/recordings"
    headers = {"Authorization": f"Bearer {key}"}
    rows: list[dict[str, Any]] = []
    deadline = time.monotonic() + END_WAIT_S
    while time.monotonic() < deadline:
        async with http.get(url, params={"session": session_uuid}, headers=headers) as response:
            response.raise_for_status()
            rows = await response.json()
        if rows and all(r["state"] == "ended" for r in rows):
            break
        await asyncio.sleep(POLL_S)
    return rows


def read_store(store: Path, recordings: Iterable[str]) -> list[bytes]:
    """The chunks of ``recordings`` in a directory store, in order."""
    files = [f for r in recordings for f in sorted((store / r / "chunks").glob("*.bin"))]
    return [f.read_bytes() for f in files]


def store_totals(store: Path) -> tuple[int, float]:
    """Bytes of every chunk in ``store`` and the seconds its manifests say were recorded."""
    size = sum(f.stat().st_size for f in store.glob("*/chunks/*.bin"))
    seconds = sum(decode_manifest(m.read_bytes()).duration for m in store.glob("*/manifest.json"))
    return size, seconds


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


async def record_kinds(served: Served, store: Path, key: str, options: Options) -> list[KindResult]:
    """Start and join one session of each kind, one after another; let them change at their
    pace together for the window; end them; read what was recorded."""
    assert options.recording is not None
    stream = CaptureStream.load(served.site)
    window_s = options.recording.window_s
    results = [KindResult(k, kind_pace(k, window_s, options.change_interval_ms)) for k in KINDS]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        customers = [StreamCustomer(http, served.server, served.site, stream) for _ in KINDS]
        sessions = [
            BenchSession(i, customer, SocketAgent(http, served.server), options, 0)
            for i, customer in enumerate(customers)
        ]
        try:
            for session, result in zip(sessions, results, strict=True):
                session.pace = result.pace
                await _join(session, result)
            live = [(s, r) for s, r in zip(sessions, results, strict=True) if r.error is None]
            await _together(live, BenchSession.change, "change")
            await _together(live, BenchSession.end, "end")
            for session, result in live:
                result.agent_bytes = sum(size for _, size in session.agent.received)
            for customer, result in zip(customers, results, strict=True):
                if result.error is None:
                    result.listed = await listed_when_ended(
                        http, served, key, customer.session_uuid
                    )
                    result.chunks = read_store(store, [r["uuid"] for r in result.listed])
                    result.split = split_chunks(result.chunks)
        finally:
            for session in sessions:
                await session.close()
    return results


async def _join(session: BenchSession, result: KindResult) -> None:
    try:
        await session.start()
        await session.join()
    except Exception as exc:
        result.error = f"join: {_error(exc)}"
        await session.close()


async def _together(
    live: list[tuple[BenchSession, KindResult]], step: Callable[[BenchSession], Any], name: str
) -> None:
    """``step`` on every session at once; a failure is that session's error."""
    outcomes = await asyncio.gather(*(step(s) for s, _ in live), return_exceptions=True)
    for (_, result), outcome in zip(live, outcomes, strict=True):
        if isinstance(outcome, BaseException) and result.error is None:
            result.error = f"{name}: {_error(outcome)}"


def measure_sizes(options: Options) -> list[KindResult]:
    print("bench: recording: a busy, a reading and an idle session...", file=sys.stderr)
    key = secrets.token_urlsafe(16)
    with (
        tempfile.TemporaryDirectory(prefix="cobrowse-bench-recordings-") as tmp,
        serving(configure=configure(Path(tmp), key)) as served,
    ):
        return asyncio.run(record_kinds(served, Path(tmp), key, options))


# -- CPU --------------------------------------------------------------------------------------


def cpu_options(options: Options) -> Options:
    """The CPU steps' settings: every session busy at the run's rate, long enough for several
    keyframes each."""
    assert options.recording is not None
    rec = options.recording
    return dataclasses.replace(options, mix=False, changes=rec.changes, sessions=(rec.sessions,))


def cpu_step(options: Options, repeat: int, recording: bool) -> CpuStep:
    """One scale step on a fresh server, recording or not (the same configuration else)."""
    assert options.recording is not None
    count = options.recording.sessions
    state = "on" if recording else "off"
    print(f"bench: recording {state}: {count} replayed session(s)...", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="cobrowse-bench-recordings-") as tmp:
        store = Path(tmp)
        key = secrets.token_urlsafe(16)
        with serving(configure=configure(store if recording else None, key)) as served:
            part = asyncio.run(harness.scale_step(served, count, options))
        step = CpuStep(repeat, recording, part)
        if recording:
            step.store_bytes, step.store_seconds = store_totals(store)
    return step


def run(options: Options) -> RecordingResult:
    """Sizes, then off/on CPU steps in turn (so a drift in the machine's speed over the run
    falls on both)."""
    assert options.recording is not None
    began = time.monotonic()
    viewport = CaptureStream.load(PLACEHOLDER_ORIGIN).viewport
    result = RecordingResult(options.recording.window_s, dict(viewport))
    result.sizes = measure_sizes(options)
    busy = next((k for k in result.sizes if k.kind == "busy" and k.chunks), None)
    result.recorder = recording_cost.measure(busy.chunks) if busy else None
    steps = result.cpu_options = cpu_options(options)
    for repeat in range(options.recording.repeats):
        for recording in (False, True):
            result.cpu.append(cpu_step(steps, repeat, recording))
    result.wall_s = time.monotonic() - began
    return result
