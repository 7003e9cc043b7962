"""The run's figures as JSON (``results/latest.json``): each part's pooled figures, memory and CPU
per session, the baseline's beside the mirror's, and the targets; :mod:`bench.tables` and
:mod:`bench.chart` present the same data."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import targets
from bench.analysis import SessionFigures, baseline_figures, join_times, pooled, session_figures
from bench.harness import PartResult, RunResult
from bench.memory import MemorySample
from bench.probes import COLOURS, PROBE_SIZE, PROBE_X, PROBE_Y
from bench.stats import Summary


def _idle_footprint(samples: dict[str, MemorySample]) -> MemorySample | None:
    """The server without sessions: the lower of the readings before the sessions and after they
    ended. A fresh server can still hold start-up garbage (its driver's and browser's heaps are
    collected lazily) worth more than a session, and the end can leave renderers going."""
    readings = [s for s in (samples.get("before"), samples.get("after_end")) if s is not None]
    if not readings:
        return None
    return min(readings, key=lambda s: s.uss_mb if s.uss_mb is not None else s.rss_mb)


def _memory(samples: dict[str, MemorySample], sessions: int) -> dict[str, Any]:
    """Each reading, and (live − idle) / sessions: what one more session costs the server."""
    out: dict[str, Any] = {
        k: {
            "processes": s.processes,
            "rss_mb": _mb(s.rss_mb),
            "pss_mb": _mb(s.pss_mb),
            "uss_mb": _mb(s.uss_mb),
            "uss_mb_by_process": {n: _mb(v) for n, v in s.uss_mb_by_kind.items()},
        }
        for k, s in samples.items()
    }
    per: dict[str, float | None] = {"rss_mb": None, "pss_mb": None, "uss_mb": None}
    idle, live = _idle_footprint(samples), samples.get("live")
    if idle and live and sessions:
        for key in per:
            was, now = getattr(idle, key), getattr(live, key)
            if was is not None and now is not None:
                per[key] = round((now - was) / sessions, 1)
        kinds = idle.uss_mb_by_kind.keys() | live.uss_mb_by_kind.keys()
        out["per_session_uss_mb_by_process"] = {
            k: round(
                (live.uss_mb_by_kind.get(k, 0.0) - idle.uss_mb_by_kind.get(k, 0.0)) / sessions, 1
            )
            for k in sorted(kinds)
        }
    out["per_session"] = per
    return out


def _mb(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _per_session(
    index: int, error: str | None, late_end: str | None, f: SessionFigures | None
) -> dict[str, Any]:
    if f is None:
        return {"index": index, "error": error}
    change = Summary.of(f.change_to_view_ms)
    return {
        "index": index,
        "error": error,
        "late_end": late_end,
        "join_to_first_frame_ms": f.join_to_first_frame_ms,
        "join_to_content_ms": f.join_to_content_ms,
        "change_to_view_p50_ms": change.p50,
        "change_to_view_p99_ms": change.p99,
        "changes_shown": len(f.change_to_view_ms),
        "not_shown": f.not_shown,
        "max_frame_gap_changing_ms": round(f.max_frame_gap_ms, 1),
        "starved": f.starved,
        "converged_ms": f.converged_ms,
        "clicks_dispatched": len(f.action_to_dispatch_ms),
        "not_dispatched": f.not_dispatched,
        "mean_fps": f.mean_fps,
        "mean_bytes_per_second": f.mean_bytes_per_second,
    }


def part_data(part: PartResult) -> dict[str, Any]:
    pairs = [(t, session_figures(t) if t.error is None and t.agent else None) for t in part.traces]
    figures = [f for _, f in pairs if f is not None]
    joins = [join_times(t.agent) for t in part.join_trials if t.error is None and t.agent]
    return {
        "kind": part.kind,
        "sessions": part.sessions,
        "sessions_ok": len(figures),
        "errors": [t.error for t in part.traces + part.join_trials if t.error],
        "join_trials": len(joins),
        "late_ends": sum(t.late_end is not None for t in part.traces),
        "ramp_s": round(part.ramp_s, 1),
        "frame_lag": part.frame_lag,
        "wall_s": round(part.wall_s, 1),
        "figures": pooled(figures, joins) if figures else {},
        "memory": _memory(part.memory, len(figures)),
        "cpu": {
            k: None if u is None else u.as_dict(max(1, len(figures))) for k, u in part.cpu.items()
        },
        "per_session": [_per_session(t.index, t.error, t.late_end, f) for t, f in pairs],
    }


def _ratios(figures: dict[str, Any], baseline: dict[str, Any]) -> dict[str, float]:
    """This part's change -> view p50 and p99 over the baseline's."""
    change = figures.get("change_to_view_ms") or {}
    if not baseline.get("p50") or change.get("p50") is None:
        return {}
    return {
        "p50_over_baseline_p50": round(change["p50"] / baseline["p50"], 2),
        "p99_over_baseline_p50": round(change["p99"] / baseline["p50"], 2),
        "p99_over_baseline_p99": round(change["p99"] / baseline["p99"], 2),
    }


def build(result: RunResult) -> dict[str, Any]:
    """Everything the run measured, ready for ``json.dump``."""
    options = result.options
    browser = part_data(result.browser) if result.browser else None
    baseline_ok = [t for t in result.baseline if t.error is None and t.view is not None]
    if browser is not None and baseline_ok:
        browser["figures"].update(baseline_figures(baseline_ok))
    baseline = (browser or {}).get("figures", {}).get("baseline_change_to_view_ms") or {}
    scale = [part_data(p) for p in result.scale]
    for part in ([browser] if browser else []) + scale:
        part["vs_baseline"] = _ratios(part["figures"], baseline)
    data: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "chromium": result.chromium,
        "server_chromium": result.server_chromium,
        "wall_s": round(result.wall_s, 1),
        "options": {
            "sessions": list(options.sessions),
            "browser_sessions": options.browser_sessions,
            "quick": options.quick,
            "mix": options.mix,
            "changes": options.changes,
            "changes_per_second": options.changes_per_second,
            "idle_s": options.idle_s,
            "settle_s": options.settle_s,
            "clicks": options.clicks,
            "scale_clicks": options.scale_clicks,
            "clicks_per_second": options.clicks_per_second,
            "baseline": options.baseline,
            "page": options.page,
        },
        "probe": {
            "centre": [PROBE_X, PROBE_Y],
            "size": PROBE_SIZE,
            "colours": ["#{:02x}{:02x}{:02x}".format(*c) for c in COLOURS],
        },
        "browser": browser,
        "baseline": {
            "sessions_ok": len(baseline_ok),
            "error": result.baseline_error,
            "errors": [t.error for t in result.baseline if t.error],
            "per_session": [
                {"index": t.index, "error": t.error, "batches": t.batches, "events": t.events}
                for t in result.baseline
            ],
        },
        "scale": scale,
        "memory_per_session_fit": memory_slope(scale),
    }
    data["targets"] = [v.as_dict() for v in targets.verdicts(data)]
    return data


def memory_slope(scale: list[dict[str, Any]]) -> dict[str, float | None]:
    """Live memory against session count over the scale steps, fitted by least squares: the
    slope is what one more session costs, free of the noise in any one step's baseline."""
    out: dict[str, float | None] = {}
    for key in ("pss_mb", "uss_mb", "rss_mb"):
        points = [
            (p["sessions"], p["memory"]["live"][key])
            for p in scale
            if p["sessions_ok"] == p["sessions"] and (p["memory"].get("live") or {}).get(key)
        ]
        out[key] = None
        if len({n for n, _ in points}) >= 2:
            mean_n = sum(n for n, _ in points) / len(points)
            mean_m = sum(m for _, m in points) / len(points)
            spread = sum((n - mean_n) ** 2 for n, _ in points)
            out[key] = round(sum((n - mean_n) * (m - mean_m) for n, m in points) / spread, 1)
    return out


def sessions_ok(data: dict[str, Any]) -> int:
    parts = ([data["browser"]] if data["browser"] else []) + data["scale"]
    return sum(p["sessions_ok"] for p in parts)


def write_json(data: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "latest.json"
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2)
        out.write("\n")
    return path
