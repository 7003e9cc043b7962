"""Reading a recording back from its store: the manifest, each chunk checked against the chain,
and ``verify`` (``cobrowse recordings verify``), which names every damaged chunk."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mirror.recording.chunks import Chunk, ChunkError, chunk_key, decode_chunk, digest, genesis
from mirror.recording.manifest import ChunkEntry, Manifest, decode_manifest, indexed_events
from mirror.recording.store import Store, StoreMissing

_CHUNK_NAME = re.compile(r"/chunks/(\d{6})\.bin$")


@dataclass(frozen=True)
class Damage:
    n: int
    why: str


async def read_manifest(store: Store, uuid: str) -> Manifest:
    """Raises StoreMissing when there is no such recording, ValueError when its manifest is
    not readable."""
    manifest = decode_manifest(await store.get(f"{uuid}/manifest.json"))
    if manifest.uuid != uuid:
        raise ValueError(f"the manifest at {uuid} is that of {manifest.uuid}")
    return manifest


async def chunk_numbers(store: Store, uuid: str) -> list[int]:
    """The numbers of the chunks the store holds (a crash may leave some the manifest lacks)."""
    keys = await store.list(f"{uuid}/chunks/")
    return sorted(int(m.group(1)) for m in map(_CHUNK_NAME.search, keys) if m)


def check_chunk(
    uuid: str, n: int, data: bytes, entry: ChunkEntry | None, prev: str | None
) -> Chunk:
    """The chunk, if it is chunk ``n`` of ``uuid``, names ``prev`` before it (when known) and
    matches its manifest ``entry`` (when there is one); raises ChunkError saying what is
    wrong."""
    if entry is not None and digest(data) != entry.sha256:
        raise ChunkError("its SHA-256 is not the one in the manifest")
    chunk = decode_chunk(data)
    if chunk.recording != uuid or chunk.n != n:
        raise ChunkError(f"it is chunk {chunk.n} of {chunk.recording}")
    if prev is not None and chunk.prev != prev:
        raise ChunkError("it does not follow the chunk before it (the hash chain is broken)")
    if entry is not None and indexed_events(chunk.records) != entry.events:
        raise ChunkError("the manifest's events are not those of the chunk")
    return chunk


@dataclass
class Reading:
    """What a recording holds: its manifest (with entries added for chunks written after it),
    the readable chunks when they were asked for, and the damaged ones."""

    manifest: Manifest
    chunks: list[Chunk]
    damaged: list[Damage]


def prev_of(manifest: Manifest, n: int) -> str | None:
    """What chunk ``n`` must name before it, when the manifest knows (None: it does not)."""
    if n == 0:
        return genesis(manifest.uuid)
    before = next((entry for entry in manifest.chunks if entry.n == n - 1), None)
    return before.sha256 if before is not None else None


async def read_index(store: Store, uuid: str) -> Reading:
    """The manifest, with the chunks a crash left beyond it read and checked (for playback,
    which checks each chunk as it fetches it)."""
    manifest = await read_manifest(store, uuid)
    listed = {entry.n for entry in manifest.chunks}
    late = [n for n in await chunk_numbers(store, uuid) if n not in listed]
    return await _read(store, manifest, sorted(listed | set(late)), late, keep=False)


async def read_recording(store: Store, uuid: str, head: str | None = None) -> Reading:
    """Every chunk read and checked (verify, export); ``head``, the last chunk's SHA-256 as
    the index saw it, also catches a manifest and chunks cut short together."""
    manifest = await read_manifest(store, uuid)
    numbers = sorted({e.n for e in manifest.chunks} | set(await chunk_numbers(store, uuid)))
    reading = await _read(store, manifest, numbers, numbers, keep=True)
    known = {entry.sha256 for entry in manifest.chunks}
    if head is not None and head not in known:
        why = "chunks were cut off: the last one the index saw is not there"
        reading.damaged.append(Damage(numbers[-1] + 1 if numbers else 0, why))
    return reading


async def _read(
    store: Store, manifest: Manifest, numbers: list[int], to_read: list[int], keep: bool
) -> Reading:
    reading = Reading(manifest, [], [])
    entries = {entry.n: entry for entry in manifest.chunks}
    wanted = set(to_read)
    for n in range(numbers[-1] + 1 if numbers else 0):
        if n not in wanted:
            continue
        entry, prev = entries.get(n), prev_of(manifest, n)
        try:
            data = await store.get(chunk_key(manifest.uuid, n))
            chunk = check_chunk(manifest.uuid, n, data, entry, prev)
        except (StoreMissing, ChunkError) as exc:
            why = "missing" if isinstance(exc, StoreMissing) else str(exc)
            reading.damaged.append(Damage(n, why))
            continue
        if entry is None:  # Written after the manifest's last version.
            manifest.chunks.append(ChunkEntry.of(n, data, chunk.t0, _t1(chunk), chunk.records))
            manifest.chunks.sort(key=lambda e: e.n)
            manifest.duration = max(manifest.duration, _t1(chunk))
        if keep:
            reading.chunks.append(chunk)
    return reading


def _t1(chunk: Chunk) -> float:
    return chunk.records[-1].t if chunk.records else chunk.t0
