"""The run's figures as JSON (``results/latest.json``) and as a Markdown table
(``results/latest.md``), the DOM-streaming baseline's next to the mirror's."""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, datetime
from typing import Any

from bench.analysis import (
    TARGET_ACTION_P50_MS,
    TARGET_P50_RATIO,
    TARGET_P99_RATIO,
    baseline_figures,
    comparison,
    pooled,
    session_figures,
)
from bench.harness import RunResult
from bench.probes import COLOURS, PROBE_SIZE, PROBE_X, PROBE_Y

# (key in the figures, row label, unit divisor, unit)
ROWS = (
    ("join_to_first_frame_ms", "Join click → first frame drawn", 1, "ms"),
    ("join_to_content_ms", "Join click → customer's page shown", 1, "ms"),
    ("change_to_view_ms", "Customer change → agent's view", 1, "ms"),
    ("baseline_change_to_view_ms", "Baseline (rrweb DOM streaming): change → agent's view", 1,
     "ms"),
    ("agent_action_to_dispatch_ms", "Agent click → event dispatched on customer's page", 1, "ms"),
    ("frames_per_second_changing", "Frames/s, changing at {rate}/s", 1, "fps"),
    ("frames_per_second_idle", "Frames/s, idle", 1, "fps"),
    ("frames_per_second_clicking", "Frames/s, agent clicking at {clicks}/s", 1, "fps"),
    ("agent_bytes_per_second_changing", "Agent kB/s, changing at {rate}/s", 1000, "kB/s"),
    ("baseline_agent_bytes_per_second_changing", "Baseline agent kB/s, changing at {rate}/s",
     1000, "kB/s"),
    ("agent_bytes_per_second_idle", "Agent kB/s, idle", 1000, "kB/s"),
    ("agent_bytes_per_second_clicking", "Agent kB/s, agent clicking at {clicks}/s", 1000, "kB/s"),
    ("frame_bytes", "JPEG frame size (before the clicks)", 1000, "kB"),
)


def build(result: RunResult) -> dict[str, Any]:
    """Everything the run measured, ready for ``json.dump``."""
    options = result.options
    pairs = [(t, session_figures(t) if t.error is None and t.agent else None)
             for t in result.traces]
    figures = [f for _, f in pairs if f is not None]
    baseline_ok = [t for t in result.baseline if t.error is None and t.view is not None]
    pooled_figures = pooled(figures) if figures else {}
    if baseline_ok:
        pooled_figures.update(baseline_figures(baseline_ok))
    mem = {k: {"processes": s.processes, "rss_mb": round(s.rss_mb, 1),
               "pss_mb": None if s.pss_mb is None else round(s.pss_mb, 1)}
           for k, s in result.memory.items()}
    before, live = result.memory.get("before"), result.memory.get("live")
    per_session: dict[str, float | None] = {"rss_mb": None, "pss_mb": None}
    if before and live and figures:
        per_session["rss_mb"] = round((live.rss_mb - before.rss_mb) / len(figures), 1)
        if before.pss_mb is not None and live.pss_mb is not None:
            per_session["pss_mb"] = round((live.pss_mb - before.pss_mb) / len(figures), 1)
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "chromium": result.chromium,
        "wall_s": round(result.wall_s, 1),
        "options": {
            "sessions": options.sessions, "quick": options.quick, "changes": options.changes,
            "changes_per_second": options.changes_per_second, "idle_s": options.idle_s,
            "settle_s": options.settle_s, "clicks": options.clicks,
            "clicks_per_second": options.clicks_per_second, "baseline": options.baseline,
        },
        "probe": {
            "centre": [PROBE_X, PROBE_Y], "size": PROBE_SIZE,
            "colours": ["#{:02x}{:02x}{:02x}".format(*c) for c in COLOURS],
        },
        "sessions_ok": len(figures),
        "errors": [t.error for t in result.traces if t.error],
        "figures": pooled_figures,
        "comparison": comparison(pooled_figures),
        "baseline": {
            "sessions_ok": len(baseline_ok),
            "error": result.baseline_error,
            "errors": [t.error for t in result.baseline if t.error],
            "per_session": [
                {"index": t.index, "error": t.error, "batches": t.batches, "events": t.events}
                for t in result.baseline
            ],
        },
        "memory": {**mem, "per_session": per_session},
        "per_session": [
            {"index": t.index, "error": t.error, **({} if f is None else {
                "join_to_first_frame_ms": f.join_to_first_frame_ms,
                "join_to_content_ms": f.join_to_content_ms,
                "changes_shown": len(f.change_to_view_ms), "not_shown": f.not_shown,
                "clicks_dispatched": len(f.action_to_dispatch_ms),
                "not_dispatched": f.not_dispatched,
                "mean_fps": f.mean_fps, "mean_bytes_per_second": f.mean_bytes_per_second,
            })}
            for t, f in pairs
        ],
    }


def _num(value: float | None, divisor: float = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    scaled = value / divisor
    return f"{scaled:.0f}" if abs(scaled) >= 100 else f"{scaled:.1f}"


def markdown(data: dict[str, Any]) -> str:
    """The figures as a Markdown table, with the run's settings and memory under it."""
    opts = data["options"]
    rate = f"{opts['changes_per_second']:g}"
    clicks = f"{opts['clicks_per_second']:g}"
    lines = [
        f"# cobrowse-mirror benchmark, {data['timestamp']}",
        "",
        f"{opts['sessions']} concurrent session(s){' (quick)' if opts['quick'] else ''}, "
        f"{data['sessions_ok']} completed; {opts['changes']} changes per session at {rate}/s; "
        f"idle {opts['idle_s']:g} s; {opts['clicks']} agent clicks per session at "
        f"{opts['clicks_per_second']:g}/s; baseline: {_baseline_line(data)}; "
        f"nproc {data['nproc']}; {data['chromium']}; run took {data['wall_s']} s.",
        "",
        "| Figure | p50 | p90 | p99 | count | unit |",
        "|---|---:|---:|---:|---:|---|",
    ]
    figures = data["figures"]
    for key, label, divisor, unit in ROWS:
        s = figures.get(key)
        if not s:
            continue
        lines.append(
            f"| {label.format(rate=rate, clicks=clicks)} | {_num(s['p50'], divisor)} "
            f"| {_num(s['p90'], divisor)} | {_num(s['p99'], divisor)} | {s['count']} | {unit} |"
        )
    notes = _comparison_notes(data["comparison"])
    for key, who in (("change_to_view_ms", ""), ("baseline_change_to_view_ms", "Baseline: ")):
        change = figures.get(key)
        if change:
            notes.append(f"{who}Changes never shown (replaced by a newer one first): "
                         f"{change['not_shown']} of {change['changes']}.")
    action = figures.get("agent_action_to_dispatch_ms")
    if action:
        notes.append(f"Agent clicks never dispatched on the customer's page: "
                     f"{action['not_dispatched']} of {action['clicks']}.")
    for key in ("frames_per_second_changing", "frames_per_second_idle",
                "frames_per_second_clicking", "agent_bytes_per_second_changing",
                "agent_bytes_per_second_idle", "agent_bytes_per_second_clicking",
                "baseline_agent_bytes_per_second_changing"):
        s = figures.get(key)
        if s:
            divisor = 1000 if "bytes" in key else 1
            notes.append(f"`{key}` over the whole phase: {_num(s['session_mean'], divisor)} per "
                         f"session, {_num(s['all_sessions'], divisor)} for all sessions.")
    mem = data["memory"]
    lines += ["", "Rates are counted per session and per whole second of each phase.", ""]
    lines += [f"- {n}" for n in notes]
    lines += ["", "| Server memory (server + its Chromium) | processes | RSS MB | PSS MB |",
              "|---|---:|---:|---:|"]
    for key, label in (("before", "before sessions"), ("live", "sessions live"),
                       ("after_end", "after the sessions ended")):
        if key in mem:
            m = mem[key]
            lines.append(f"| {label} | {m['processes']} | {_num(m['rss_mb'])} "
                         f"| {_num(m['pss_mb'])} |")
    per = mem["per_session"]
    lines.append(f"| **per session** (live − before) / sessions | | {_num(per['rss_mb'])} "
                 f"| {_num(per['pss_mb'])} |")
    errors = data["errors"] + [f"baseline {e}" for e in data["baseline"]["errors"]]
    if errors:
        lines += ["", "Failed sessions:", *[f"- {e}" for e in errors]]
    return "\n".join(lines) + "\n"


def _baseline_line(data: dict[str, Any]) -> str:
    baseline = data["baseline"]
    if not data["options"]["baseline"]:
        return "skipped"
    if baseline["error"]:
        return f"not run ({baseline['error'].splitlines()[0]})"
    return f"{baseline['sessions_ok']} session(s) completed"


def _comparison_notes(c: dict[str, Any]) -> list[str]:
    def met(ok: bool) -> str:
        return "met" if ok else "**not met**"

    notes = []
    if "mirror_p50_over_baseline_p50" in c:
        notes.append(
            f"Mirror vs baseline: mirror p50 / baseline p50 = {c['mirror_p50_over_baseline_p50']}"
            f" (target ≤ {TARGET_P50_RATIO:g}: {met(c['p50_target_met'])}); mirror p99 / "
            f"baseline p50 = {c['mirror_p99_over_baseline_p50']} (target < "
            f"{TARGET_P99_RATIO:g}: {met(c['p99_target_met'])})."
        )
    if "action_p50_target_met" in c:
        notes.append(f"Agent click → dispatched, p50 target < {TARGET_ACTION_P50_MS:g} ms: "
                     f"{met(c['action_p50_target_met'])}.")
    return notes


def write(data: dict[str, Any], text: str, directory: os.PathLike[str] | str) -> None:
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "latest.json"), "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2)
        out.write("\n")
    with open(os.path.join(directory, "latest.md"), "w", encoding="utf-8") as out:
        out.write(text)
