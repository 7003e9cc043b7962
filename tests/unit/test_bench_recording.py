"""The recording benchmark's logic: its command line, the server's configuration with recording
on or off, each kind of session's pace, the chunks split by kind of record, and the figures and
targets made of them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench import recording_cost, recording_report
from bench.__main__ import parse
from bench.options import RecordingOptions
from bench.recording import KindResult, kind_pace, split_chunks, with_recording
from bench.servers import server_config
from mirror.config import parse_config
from mirror.frames.frame import encode_jpeg
from mirror.recording.chunks import Kind, Record, encode_chunk, genesis

JPEG = b"\xff\xd8" + b"j" * 98  # A whole frame's 100 bytes (only its first two matter here).
PATCH = b"P" + b"p" * 19


def test_the_recording_part_runs_only_when_asked_and_is_shorter_when_quick() -> None:
    assert parse([]).recording is None
    assert parse(["--recording"]).recording == RecordingOptions()
    quick = parse(["--recording", "--quick", "--recording-repeats", "3"]).recording
    assert quick is not None and (quick.window_s, quick.repeats, quick.changes) == (20.0, 3, 60)


@pytest.mark.parametrize("args", [["--recording-window", "0"], ["--recording-repeats", "-1"]])
def test_a_recording_part_that_cannot_run_is_refused(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        parse(["--recording", *args])
    assert "--recording-window must be above 0" in capsys.readouterr().err


def test_recording_on_and_off_differ_only_in_the_recording_table() -> None:
    base = server_config(20001)
    on = parse_config(with_recording(base, Path("/tmp/store"), "K"))
    off = parse_config(with_recording(base, None, "K"))
    assert on.recording.enabled and on.recording.store == "/tmp/store"
    assert not off.recording.enabled
    for config in (on, off):
        assert config.server.supervisor_keys == ["K"]
        assert config.server.allowed_origins == parse_config(base).server.allowed_origins
        assert config.cluster.max_mirrors == parse_config(base).cluster.max_mirrors


def test_each_kind_of_session_changes_at_its_own_pace_for_the_window() -> None:
    assert kind_pace("busy", 60, 200) == (300, 200)
    assert kind_pace("reading", 60, 200) == (60, 1000)  # The --mix readers': one a second.
    assert kind_pace("idle", 60, 200) == (0, 60000)


def _chunk(n: int, records: list[Record]) -> bytes:
    return encode_chunk("rec", n, genesis("rec"), 3.0 * n, records)


def test_the_chunks_are_split_by_kind_of_record_with_their_headers_apart() -> None:
    chunks = [
        _chunk(0, [Record(Kind.FRAME, 0.1, JPEG), Record(Kind.EVENT, 0.1, b'{"type":"joined"}')]),
        _chunk(1, [Record(Kind.FRAME, 3.2, PATCH), Record(Kind.KEYFRAME, 3.0, JPEG)]),
    ]
    split = split_chunks(chunks)
    assert (split.frame_bytes, split.keyframe_bytes, split.event_bytes) == (120, 100, 17)
    assert (split.whole_frames, split.patches, split.keyframes, split.events) == (1, 1, 1, 1)
    assert split.chunks == 2
    assert split.total == sum(len(c) for c in chunks)


def test_a_kinds_bytes_a_minute_come_from_the_api_and_its_split_at_the_same_rate() -> None:
    chunk = _chunk(0, [Record(Kind.FRAME, 0.1, JPEG)])
    kind = KindResult("busy", (300, 200), agent_bytes=100, split=split_chunks([chunk]))
    kind.listed = [{"bytes": len(chunk), "duration": 30.0, "chunks": 1, "state": "ended"}]
    figures = recording_report.size_figures(kind)
    assert figures["bytes_per_minute"] == 2 * len(chunk)
    assert figures["split_bytes_per_minute"]["frames"] == 200
    assert figures["agent_bytes_per_minute"] == 200
    assert figures["store_matches_api"] is True


def _step(repeat: int, on: bool, server: float, every: float) -> dict[str, Any]:
    return {
        "repeat": repeat,
        "recording": on,
        "server_ms_per_frame": server,
        "all_ms_per_frame": every,
    }


def test_recording_adds_the_difference_of_the_means_and_of_each_repeats_pair() -> None:
    steps = [
        _step(0, False, 5.0, 20.0),
        _step(0, True, 5.2, 21.0),
        _step(1, False, 6.0, 22.0),
        _step(1, True, 6.0, 22.0),
    ]
    server = recording_report.added(steps, "server_ms_per_frame")
    assert server["off"] == {"min": 5.0, "max": 6.0, "mean": 5.5}
    assert server["added_percent"] == pytest.approx(1.8, abs=0.05)
    assert server["added_percent_by_repeat"] == pytest.approx([4.0, 0.0])


def test_cpu_per_frame_is_the_change_phases_cores_over_the_frames_sent() -> None:
    part = {
        "figures": {"frames_per_second_changing": {"all_sessions": 50.0}},
        "cpu": {"change": {"server_cores_by_process": {"server (Python)": 0.25, "other": 0.5}}},
    }
    assert recording_report.ms_per_frame(part) == {"server (Python)": 5.0, "other": 10.0}
    assert recording_report.ms_per_frame({"figures": {}, "cpu": {}}) == {}


def _data(busy_bytes_per_minute: float, mean_added: float) -> dict[str, Any]:
    size = {"kind": "busy", "bytes_per_minute": busy_bytes_per_minute}
    added = {"added_percent": mean_added, "added_percent_by_repeat": [1.0, 2 * mean_added - 1]}
    return {"sizes": [size, {"kind": "idle", "bytes_per_minute": 9e9}], "cpu": {"server": added}}


def test_the_targets_are_bytes_a_minute_of_typical_sessions_and_the_mean_cpu_added() -> None:
    met = recording_report.targets(_data(600_000, 3.0))
    assert [v["met"] for v in met] == [True, True]  # The idle session is not a target's.
    assert "each repeat +1 to +5 %" in met[-1]["figure"]
    assert [v["met"] for v in recording_report.targets(_data(1_200_000, 7.0))] == [False, False]


def test_a_failed_part_says_so_and_counts_no_session() -> None:
    assert (
        recording_report.markdown({"error": "ProcessFailed: x"})
        == "Not measured: ProcessFailed: x\n"
    )
    assert recording_report.sessions_ok({"error": "x"}) == 0
    assert recording_report.sessions_ok(None) == 0


def test_the_recorder_is_replayed_on_the_recordings_own_frames() -> None:
    whole = encode_jpeg(np.zeros((32, 32, 4), dtype=np.uint8))
    frames = [Record(Kind.FRAME, 0.2 * i, whole if i == 0 else PATCH) for i in range(40)]
    chunks = [_chunk(0, frames[:15] + [Record(Kind.EVENT, 1.0, b"{}")]), _chunk(1, frames[15:])]
    # measure() runs its own event loops: in a thread, as a test session may hold one running.
    with ThreadPoolExecutor(1) as pool:
        cost = pool.submit(recording_cost.measure, chunks).result()
        assert cost is not None and cost.frames == 40
        low, high = cost.ms_per_frame_range
        assert 0 <= low <= cost.ms_per_frame <= high
        no_picture = pool.submit(recording_cost.measure, [_chunk(0, frames[1:])]).result()
        assert no_picture is None


def test_the_recorders_share_is_of_the_server_process_with_recording_off() -> None:
    cost = recording_cost.RecorderCost(300, 0.05, (0.04, 0.07))
    replay = recording_report.replay_figures(cost, {"min": 4.0, "max": 6.0, "mean": 5.0})
    assert replay is not None and replay["percent_of_server_off"] == 1.0
    assert recording_report.replay_figures(None, None) is None
