"""A recording written and read back through a directory store: the frames as sent and the
events, keyframes for seeking, the hash chain that names a damaged chunk, and a store that fails
for a while (a gap, marked, then writing again)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import simplejpeg

from mirror.frames.frame import Frame, decode_frame
from mirror.recording.chunks import Kind, chunk_key, decode_chunk
from mirror.recording.customer import MAX_TITLE, Page, customer_marks
from mirror.recording.manifest import Manifest
from mirror.recording.reader import read_index, read_recording
from mirror.recording.recorder import KEYFRAME_S, Recorder
from mirror.recording.store import DirectoryStore
from tests.aio import in_thread


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def picture(grey: int) -> Frame:
    pixels = np.full((40, 64, 4), grey, np.uint8)
    return decode_frame(simplejpeg.encode_jpeg(pixels, colorspace="RGBX"))


class Setup:
    def __init__(self, root: Path) -> None:
        self.store = DirectoryStore(root)
        self.clock = Clock()
        self.writing: list[bool] = []
        self.indexed: list[Manifest] = []
        manifest = Manifest(uuid="0b0c5f4e-3a59-4a43-9e1a-3f6c0e6d2b11", session="s", node="n")
        self.recorder = Recorder(
            self.store, manifest, self._writing, self._indexed, clock=self.clock
        )

    async def _writing(self, writing: bool) -> None:
        self.writing.append(writing)

    async def _indexed(self, manifest: Manifest) -> None:
        self.indexed.append(manifest)

    @property
    def uuid(self) -> str:
        return self.recorder.manifest.uuid


async def record_a_session(setup: Setup) -> None:
    recorder, clock = setup.recorder, setup.clock
    first = picture(100)
    recorder.event("joined")
    recorder.frame(first.encoded(), first)
    clock.t += 1
    recorder.frame(b"P\x00\x00", picture(120))  # A patch (empty, as far as the recording cares).
    recorder.event("action", action="click", result="refused", reason="masked")
    recorder.pointer("agent", 10, 20)
    recorder.pointer("agent", 11, 21)  # Too soon after the last: not kept.
    await recorder.flush()
    clock.t += KEYFRAME_S
    recorder.event("chat", sender="customer", text="hello")
    await recorder.flush()  # The chunk after this one starts with the whole picture.
    clock.t += 1
    recorder.event("ended", reason="customer_exit")
    await recorder.finish("customer_exit")


@in_thread
async def test_a_recording_reads_back_as_recorded(tmp_path: Path) -> None:
    setup = Setup(tmp_path)
    await record_a_session(setup)
    reading = await read_recording(setup.store, setup.uuid)
    assert reading.damaged == []
    manifest = reading.manifest
    assert manifest.end_reason == "customer_exit"
    assert manifest.duration == pytest.approx(2 + KEYFRAME_S)
    assert [c.n for c in manifest.chunks] == [0, 1, 2]
    events = [e["type"] for c in manifest.chunks for e in c.events]
    assert events == ["joined", "action", "chat", "ended"]  # Pointer positions are not indexed.
    assert manifest.chunks[0].keyframes == [0.0]  # The whole frame sent.
    # A keyframe, never sent:
    assert manifest.chunks[2].keyframes == [pytest.approx(1 + KEYFRAME_S)]
    kinds = [r.kind for r in reading.chunks[2].records]
    assert kinds == [Kind.KEYFRAME, Kind.EVENT]
    pointers = [r.event() for r in reading.chunks[0].records if r.kind is Kind.EVENT]
    assert [p for p in pointers if p["type"] == "pointer"] == [
        {"type": "pointer", "side": "agent", "x": 10, "y": 20}
    ]
    assert setup.indexed[-1].ended_at is not None and setup.writing == []


@in_thread
async def test_verify_names_a_changed_chunk_and_a_missing_one(tmp_path: Path) -> None:
    setup = Setup(tmp_path)
    await record_a_session(setup)
    changed = tmp_path / chunk_key(setup.uuid, 1)
    data = bytearray(changed.read_bytes())
    data[-3] ^= 0x01  # One bit of the chat line.
    changed.write_bytes(bytes(data))
    (tmp_path / chunk_key(setup.uuid, 2)).unlink()
    reading = await read_recording(setup.store, setup.uuid)
    assert [(d.n, d.why) for d in reading.damaged] == [
        (1, "its SHA-256 is not the one in the manifest"),
        (2, "missing"),
    ]
    assert [c.n for c in reading.chunks] == [0]  # The readable ones, for playback and export.


@in_thread
async def test_a_chunk_cut_off_with_its_manifest_entry_breaks_the_index_head(
    tmp_path: Path,
) -> None:
    setup = Setup(tmp_path)
    await record_a_session(setup)
    head = setup.indexed[-1].head
    manifest = json.loads((tmp_path / setup.uuid / "manifest.json").read_bytes())
    manifest["chunks"] = manifest["chunks"][:-1]
    (tmp_path / setup.uuid / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / chunk_key(setup.uuid, 2)).unlink()
    assert (await read_recording(setup.store, setup.uuid)).damaged == []  # Alone, it looks whole.
    damaged = (await read_recording(setup.store, setup.uuid, head)).damaged
    assert [d.n for d in damaged] == [2]


@in_thread
async def test_a_store_that_fails_leaves_a_marked_gap(tmp_path: Path) -> None:
    root = tmp_path / "store"
    setup = Setup(root)
    recorder, clock = setup.recorder, setup.clock
    first = picture(100)
    recorder.frame(first.encoded(), first)
    await recorder.flush()
    shutil.move(root, tmp_path / "away")
    root.write_bytes(b"")  # A file where the folder was: every write fails.
    clock.t += 3
    recorder.event("chat", sender="agent", text="lost")
    await recorder.flush()
    clock.t += 3
    await recorder.flush()
    root.unlink()
    shutil.move(tmp_path / "away", root)
    clock.t += 3
    recorder.event("chat", sender="agent", text="kept")
    await recorder.flush()
    await recorder.finish("agent_exit")
    assert setup.writing == [False, True]
    reading = await read_recording(setup.store, setup.uuid)
    assert reading.damaged == [] and reading.manifest.gaps == [(0.0, 6.0)]
    after = decode_chunk((root / chunk_key(setup.uuid, 1)).read_bytes())
    assert after.prev == reading.manifest.chunks[0].sha256  # The chain goes on over the gap.
    assert [r.kind for r in after.records] == [Kind.EVENT, Kind.KEYFRAME, Kind.EVENT]
    assert after.records[0].event() == {"type": "gap", "from": 0.0, "to": 6.0}
    texts = [e.get("text") for c in reading.manifest.chunks for e in c.events]
    assert "lost" not in texts and "kept" in texts


@in_thread
async def test_chunks_written_after_the_last_manifest_are_found(tmp_path: Path) -> None:
    setup = Setup(tmp_path)
    recorder, clock = setup.recorder, setup.clock
    await recorder.flush()  # Nothing yet: no chunk, no manifest.
    first = picture(100)
    recorder.frame(first.encoded(), first)
    clock.t += 1
    await recorder.flush()  # The manifest is written at most every MANIFEST_S...
    assert not (tmp_path / setup.uuid / "manifest.json").exists()
    await setup.store.put(f"{setup.uuid}/manifest.json", recorder.manifest.encode())
    recorder.event("joined")
    clock.t += 1
    await recorder.flush()  # ...so this chunk is one a crash would leave beyond it.
    index = await read_index(setup.store, setup.uuid)
    assert [c.n for c in index.manifest.chunks] == [0, 1] and index.damaged == []


def test_the_customer_s_pointer_and_page_paths_are_all_that_is_kept() -> None:
    batch = [
        b'{"type":4,"data":{"href":"https://shop.example/checkout/?card=4111","width":800},"timestamp":1}',
        b'{"type":3,"data":{"source":1,"positions":[{"x":5,"y":6,"id":3,"timeOffset":0},'
        b'{"x":7,"y":8,"id":3,"timeOffset":10}]},"timestamp":2}',
        b'{"type":3,"data":{"source":5,"text":"4111","isChecked":false,"id":9},"timestamp":3}',
        b'{"type":2,"data":{"node":{"href":"x"}},"timestamp":4}',
        b"not json",
    ]
    assert list(customer_marks(batch)) == [Page("/checkout/", ""), (7.0, 8.0)]


def test_a_page_is_named_by_its_path_and_title_bounded() -> None:
    meta = (
        b'{"type":4,"data":{"href":"https://shop.example/pay?t=SECRET#cvc","title":"Pay  \\n now"}}'
    )
    assert list(customer_marks([meta])) == [Page("/pay", "Pay now")]
    long = b'{"type":4,"data":{"href":"https://shop.example","title":"' + b"t" * 900 + b'"}}'
    assert list(customer_marks([long])) == [Page("/", "t" * MAX_TITLE)]
    oversize = b'{"type":4,"data":{"href":"https://shop.example","title":"' + b"t" * 5000 + b'"}}'
    assert list(customer_marks([oversize])) == []  # Too large to be a page event.


@in_thread
async def test_a_resting_page_s_whole_frame_again_is_kept_only_as_a_due_keyframe(
    tmp_path: Path,
) -> None:
    setup = Setup(tmp_path)
    recorder, clock = setup.recorder, setup.clock
    first, patched = picture(100), picture(120)
    recorder.frame(first.encoded(), first)
    recorder.frame(b"P\x00\x00", patched)
    recorder.frame(patched.encoded(), patched)  # The page rests: the same picture, whole.
    clock.t += KEYFRAME_S
    await recorder.flush()  # Patched since the last whole picture: a keyframe.
    clock.t += KEYFRAME_S
    await recorder.flush()  # Nothing changed since: no keyframe.
    recorder.frame(b"P\x00\x00", later := picture(140))
    clock.t += KEYFRAME_S
    recorder.frame(later.encoded(), later)  # Due now: kept, and it is the keyframe.
    await recorder.finish("agent_exit")
    reading = await read_recording(setup.store, setup.uuid)
    kinds = [(r.kind, r.payload[:1]) for c in reading.chunks for r in c.records]
    assert kinds == [
        (Kind.FRAME, b"\xff"),
        (Kind.FRAME, b"P"),
        (Kind.KEYFRAME, b"\xff"),
        (Kind.FRAME, b"P"),
        (Kind.FRAME, b"\xff"),
    ]
