"""The recording part's figures (``recording`` in results/latest.json) and its Markdown: bytes a
minute of each kind of session recorded, split by kind of record, and the CPU per frame sent
with recording off and on (:mod:`bench.recording` runs both)."""

from __future__ import annotations

import statistics
import sys
from typing import Any

from bench import playback, recording
from bench.options import Options
from bench.recording import ChunkSplit, CpuStep, KindResult, RecordingResult
from bench.recording_cost import ROUNDS, RecorderCost
from bench.report import part_data
from bench.tables import num

MB = 1_000_000  # Bytes; the target is "under 1 MB a minute".
BYTES_PER_MINUTE = 1 * MB  # A typical session at 1280x800, recorded.
ADDED_PERCENT = 5.0  # The server process's CPU per frame sent, recording on against off.
SERVER = "server (Python)"  # bench.proctree's kind of the server's own process.
TARGET_KINDS = ("busy", "reading")  # "Typical" sessions; an idle one is far below either way.


def measure(options: Options) -> dict[str, Any]:
    """Run the recording part; a failure leaves an ``error`` instead of figures."""
    try:
        out = build(recording.run(options))
        assert options.recording is not None
        out["playback"] = playback_figures(playback.measure(options.recording.playback_minutes))
        out["targets"].append(seek_target(out["playback"]))
        return out
    except Exception as exc:  # The rest of the run's figures stand without these.
        error = f"{type(exc).__name__}: {exc}"
        print(f"bench: the recording part failed: {error}", file=sys.stderr)
        return {"error": error}


def build(result: RecordingResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "window_s": result.window_s,
        "viewport": result.viewport,
        "wall_s": round(result.wall_s, 1),
        "sizes": [size_figures(k) for k in result.sizes],
        "cpu": cpu_figures(result),
    }
    out["targets"] = targets(out)
    return out


# -- sizes ------------------------------------------------------------------------------------


def per_minute(size: float, seconds: float) -> float | None:
    return None if seconds <= 0 else round(size * 60 / seconds)


def split_per_minute(split: ChunkSplit, seconds: float) -> dict[str, float | None]:
    return {
        "frames": per_minute(split.frame_bytes, seconds),
        "keyframes": per_minute(split.keyframe_bytes, seconds),
        "events": per_minute(split.event_bytes, seconds),
        "overhead": per_minute(split.overhead_bytes, seconds),
    }


def size_figures(kind: KindResult) -> dict[str, Any]:
    """The API's bytes and duration (summed over the session's recordings: one on one server)
    as bytes a minute, and the store's chunks split by kind of record at the same rate."""
    size = sum(int(r["bytes"]) for r in kind.listed)
    seconds = sum(float(r["duration"] or 0.0) for r in kind.listed)
    split = kind.split
    return {
        "kind": kind.kind,
        "changes": kind.pace[0],
        "interval_ms": kind.pace[1],
        "error": kind.error,
        "recordings": len(kind.listed),
        "states": sorted({r["state"] for r in kind.listed}),
        "duration_s": round(seconds, 1),
        "chunks": sum(int(r["chunks"]) for r in kind.listed),
        "bytes": size,
        "bytes_per_minute": per_minute(size, seconds),
        "split_bytes_per_minute": None if split is None else split_per_minute(split, seconds),
        "counts": None
        if split is None
        else {
            "whole_frames": split.whole_frames,
            "patches": split.patches,
            "keyframes": split.keyframes,
            "events": split.events,
        },
        # The agent's frames a minute: the recording's frames should match (frames as sent).
        "agent_bytes_per_minute": per_minute(kind.agent_bytes, seconds),
        "store_matches_api": None if split is None else split.total == size,
    }


# -- CPU --------------------------------------------------------------------------------------


def ms_per_frame(part: dict[str, Any]) -> dict[str, float]:
    """The change phase's CPU by kind of process over the frames all agents received a second
    (as bench/tables.py's "CPU per frame sent"), in ms; empty without both."""
    fps = (part["figures"].get("frames_per_second_changing") or {}).get("all_sessions")
    kinds = (part["cpu"].get("change") or {}).get("server_cores_by_process") or {}
    if not fps or not kinds:
        return {}
    return {k: round(cores * 1000 / fps, 2) for k, cores in kinds.items()}


def step_figures(step: CpuStep) -> dict[str, Any]:
    part = part_data(step.part)
    per_frame = ms_per_frame(part)
    fps = (part["figures"].get("frames_per_second_changing") or {}).get("all_sessions")
    change = part["figures"].get("change_to_view_ms") or {}
    return {
        "repeat": step.repeat,
        "recording": step.recording,
        "sessions": part["sessions"],
        "sessions_ok": part["sessions_ok"],
        "errors": part["errors"],
        "frames_per_second": None if fps is None else round(fps, 1),
        "change_to_view_p50_ms": change.get("p50"),
        "server_ms_per_frame": per_frame.get(SERVER),
        "all_ms_per_frame": round(sum(per_frame.values()), 2) if per_frame else None,
        "ms_per_frame_by_process": per_frame,
        "recorded_bytes_per_session_minute": per_minute(step.store_bytes, step.store_seconds)
        if step.recording
        else None,
    }


def spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "min": round(min(values), 2),
        "max": round(max(values), 2),
        "mean": round(statistics.fmean(values), 2),
    }


def added(steps: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """``key`` (ms per frame) off and on, and what recording adds in percent: of the means, and
    the range over the off/on pairs of each repeat."""
    off = [s[key] for s in steps if not s["recording"] and s[key] is not None]
    on = [s[key] for s in steps if s["recording"] and s[key] is not None]
    pairs = [
        round(100 * (b[key] / a[key] - 1), 1)
        for a, b in _pairs(steps)
        if a[key] and b[key] is not None
    ]
    off_s, on_s = spread(off), spread(on)
    mean = None if not (off_s and on_s) else round(100 * (on_s["mean"] / off_s["mean"] - 1), 1)
    return {"off": off_s, "on": on_s, "added_percent": mean, "added_percent_by_repeat": pairs}


def _pairs(steps: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each repeat's (off, on) steps, where both ran."""
    by_repeat: dict[int, dict[bool, dict[str, Any]]] = {}
    for s in steps:
        by_repeat.setdefault(s["repeat"], {})[s["recording"]] = s
    return [(r[False], r[True]) for r in by_repeat.values() if False in r and True in r]


def cpu_figures(result: RecordingResult) -> dict[str, Any]:
    steps = [step_figures(s) for s in result.cpu]
    options = result.cpu_options
    server = added(steps, "server_ms_per_frame")
    return {
        "sessions": options.sessions[0] if options else None,
        "changes": options.changes if options else None,
        "changes_per_second": options.changes_per_second if options else None,
        "steps": steps,
        "server": server,
        "all": added(steps, "all_ms_per_frame"),
        "recorder_replay": replay_figures(result.recorder, server["off"]),
    }


def replay_figures(
    cost: RecorderCost | None, server_off: dict[str, float] | None
) -> dict[str, Any] | None:
    """The recorder's own CPU per frame, and that as a share of the server process's per frame
    with recording off (the mean of the off steps)."""
    if cost is None:
        return None
    share = None
    if server_off and server_off["mean"]:
        share = round(100 * cost.ms_per_frame / server_off["mean"], 2)
    return {
        "frames": cost.frames,
        "ms_per_frame": cost.ms_per_frame,
        "ms_per_frame_range": list(cost.ms_per_frame_range),
        "percent_of_server_off": share,
    }


# -- playback ---------------------------------------------------------------------------------

SEEK_MS = 1000.0


def playback_figures(figures: playback.PlaybackFigures) -> dict[str, Any]:
    seeks = sorted(figures.seek_ms)
    return {
        "minutes": figures.minutes,
        "chunks": figures.chunks,
        "megabytes": round(figures.megabytes, 1),
        "start_ms": round(figures.start_ms, 1),
        "seek_ms": [round(ms, 1) for ms in figures.seek_ms],
        "seek_p50_ms": round(seeks[len(seeks) // 2], 1),
        "seek_max_ms": round(seeks[-1], 1),
    }


def seek_target(data: dict[str, Any]) -> dict[str, Any]:
    return _verdict(
        f"Seek in a {data['minutes']:g}-minute recording, slowest of {len(data['seek_ms'])}",
        f"< {SEEK_MS:g} ms",
        data["seek_max_ms"],
        "ms",
        data["seek_max_ms"] < SEEK_MS,
    )


def _playback(data: dict[str, Any] | None) -> str:
    if not data:
        return ""
    return (
        f"### Playback of a {data['minutes']:g}-minute recording\n\n"
        f"A synthetic 1280x800 page whose square moves five times a second, recorded by the "
        f"real recorder ({data['chunks']} chunks, {data['megabytes']:g} MB), played back in "
        f"Chromium: the first picture {data['start_ms']:g} ms after the page was opened; "
        f"{len(data['seek_ms'])} seeks to random positions p50 {data['seek_p50_ms']:g} ms, "
        f"slowest {data['seek_max_ms']:g} ms (until the picture shows the position).\n"
    )


# -- targets ----------------------------------------------------------------------------------


def targets(data: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for size in data["sizes"]:
        if size["kind"] in TARGET_KINDS:
            value = size["bytes_per_minute"]
            out.append(
                _verdict(
                    f"Recorded, {size['kind']} session, 1280x800",
                    f"< {BYTES_PER_MINUTE / MB:g} MB a minute",
                    None if value is None else round(value / MB, 3),
                    "MB/min",
                    None if value is None else value < BYTES_PER_MINUTE,
                )
            )
    server = data["cpu"]["server"]
    mean, pairs = server["added_percent"], server["added_percent_by_repeat"]
    spread = ""
    if pairs:
        within = f"{min(pairs):+g} to {max(pairs):+g}" if len(pairs) > 1 else f"{pairs[0]:+g}"
        spread = f", each repeat {within} %"
    out.append(
        _verdict(
            f"Server process's CPU per frame sent, added by recording (of the means{spread})",
            f"< {ADDED_PERCENT:g} %",
            mean,
            "%",
            None if mean is None else mean < ADDED_PERCENT,
        )
    )
    return out


def _verdict(
    figure: str, target: str, value: float | None, unit: str, met: bool | None
) -> dict[str, Any]:
    return {"figure": figure, "target": target, "value": value, "unit": unit, "met": met}


def sessions_ok(data: dict[str, Any] | None) -> int:
    if not data or "error" in data:
        return 0
    sizes = sum(bool(s["error"] is None and s["recordings"] > 0) for s in data["sizes"])
    return sizes + sum(int(s["sessions_ok"]) for s in data["cpu"]["steps"])


# -- Markdown ---------------------------------------------------------------------------------


def markdown(data: dict[str, Any]) -> str:
    if "error" in data:
        return f"Not measured: {data['error']}\n"
    return "\n".join([_targets(data), _sizes(data), _cpu(data), _playback(data.get("playback"))])


def _targets(data: dict[str, Any]) -> str:
    lines = ["| Figure | Target | Measured | Result |", "|---|---|---:|---|"]
    for v in data["targets"]:
        result = {True: "pass", False: "**fail**", None: "not measured"}[v["met"]]
        value = "–" if v["value"] is None else f"{v['value']:g} {v['unit']}"
        lines.append(f"| {v['figure']} | {v['target']} | {value} | {result} |")
    return "\n".join(lines) + "\n"


def _kb(value: float | None) -> str:
    return num(value, 1000)


def _sizes(data: dict[str, Any]) -> str:
    view = data["viewport"]
    lines = [
        f"### Bytes a minute, one session of each kind at once, {view['width']}x{view['height']}, "
        f"recorded {data['window_s']:g} s",
        "",
        "| Session | changes | recorded s | chunks | kB/min | frames | whole / patches "
        "| keyframes (n) | events (n) | overhead | agent received kB/min | error |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in data["sizes"]:
        split, counts = s["split_bytes_per_minute"] or {}, s["counts"] or {}
        lines.append(
            f"| {s['kind']} | {s['changes']} every {s['interval_ms']} ms | {num(s['duration_s'])} "
            f"| {s['chunks']} | {_kb(s['bytes_per_minute'])} | {_kb(split.get('frames'))} "
            f"| {counts.get('whole_frames', '–')} / {counts.get('patches', '–')} "
            f"| {_kb(split.get('keyframes'))} ({counts.get('keyframes', '–')}) "
            f"| {_kb(split.get('events'))} ({counts.get('events', '–')}) "
            f"| {_kb(split.get('overhead'))} | {_kb(s['agent_bytes_per_minute'])} "
            f"| {s['error'] or ''} |"
        )
    lines += [
        "",
        "kB/min from GET /api/recordings (bytes over duration); the split from the chunks in the "
        "store, at the same rate. Frames are the frame messages as the agent was sent them: "
        "whole JPEGs (the join, and the page's whole picture once it rests after patches) and "
        "patches.",
    ]
    return "\n".join(lines) + "\n"


def _cpu(data: dict[str, Any]) -> str:
    cpu = data["cpu"]
    lines = [
        f"### CPU per frame sent, {cpu['sessions']} replayed sessions, {cpu['changes']} changes "
        f"at {num(cpu['changes_per_second'])}/s each, recording off and on in turn",
        "",
        "| Repeat | recording | frames/s | server ms/frame | all ms/frame | change → view p50 ms "
        "| recorded kB/min a session |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for s in cpu["steps"]:
        lines.append(
            f"| {s['repeat'] + 1} | {'on' if s['recording'] else 'off'} "
            f"| {num(s['frames_per_second'])} | {num(s['server_ms_per_frame'])} "
            f"| {num(s['all_ms_per_frame'])} | {num(s['change_to_view_p50_ms'])} "
            f"| {_kb(s['recorded_bytes_per_session_minute'])} |"
        )
    lines += [
        "",
        _summary("Server process", cpu["server"]),
        _summary("All processes", cpu["all"]),
        _replay(cpu["recorder_replay"]),
    ]
    return "\n".join(lines) + "\n"


def _replay(replay: dict[str, Any] | None) -> str:
    if replay is None:
        return "- The recorder alone: not measured (no busy recording)."
    low, high = replay["ms_per_frame_range"]
    share = replay["percent_of_server_off"]
    return (
        f"- The recorder alone (the busy session's {replay['frames']} frames recorded again in "
        f"the benchmark's process, median of {ROUNDS} rounds): {replay['ms_per_frame']:.3f} ms "
        f"a frame ({low:.3f}–{high:.3f})"
        + ("." if share is None else f", {share:g} % of the server process's with it off.")
    )


def _summary(label: str, figures: dict[str, Any]) -> str:
    off, on = figures["off"], figures["on"]
    if not off or not on:
        return f"- {label}: not measured."
    pairs = figures["added_percent_by_repeat"]
    by_repeat = ", ".join(f"{p:+.1f} %" for p in pairs)
    return (
        f"- {label}: off {num(off['min'])}–{num(off['max'])} ms a frame, on "
        f"{num(on['min'])}–{num(on['max'])} ms; added {figures['added_percent']:+.1f} % of the "
        f"means (each repeat: {by_repeat or '–'})."
    )
