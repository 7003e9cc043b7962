"""The run's figures as Markdown (``results/latest.md``): the targets with pass/fail, one row per
part (the Chromium sessions, the baseline, each scale step), then every figure of the Chromium
part in detail and the server's memory around each part."""

from __future__ import annotations

import math
from typing import Any

from bench.analysis import STARVED_GAP_MS
from bench.options import CUSTOMER_PATH
from bench.session import END_TIMEOUT_S

# (key in the figures, row label, unit divisor, unit): the Chromium part in detail
DETAIL_ROWS = (
    ("join_to_first_frame_ms", "Join click → first frame drawn", 1, "ms"),
    ("join_to_content_ms", "Join click → customer's page shown", 1, "ms"),
    ("change_to_view_ms", "Customer change → agent's view", 1, "ms"),
    (
        "baseline_change_to_view_ms",
        "Baseline (rrweb DOM streaming): change → agent's view",
        1,
        "ms",
    ),
    ("agent_action_to_dispatch_ms", "Agent click → event dispatched on customer's page", 1, "ms"),
    ("frames_per_second_changing", "Frames/s, changing at {rate}/s", 1, "fps"),
    ("frames_per_second_idle", "Frames/s, idle", 1, "fps"),
    ("frames_per_second_clicking", "Frames/s, agent clicking at {clicks}/s", 1, "fps"),
    ("agent_bytes_per_second_changing", "Agent kB/s, changing at {rate}/s", 1000, "kB/s"),
    (
        "baseline_agent_bytes_per_second_changing",
        "Baseline agent kB/s, changing at {rate}/s",
        1000,
        "kB/s",
    ),
    ("agent_bytes_per_second_idle", "Agent kB/s, idle", 1000, "kB/s"),
    ("agent_bytes_per_second_clicking", "Agent kB/s, agent clicking at {clicks}/s", 1000, "kB/s"),
    ("frame_bytes", "Frame message size, whole or patch (before the clicks)", 1000, "kB"),
)


def num(value: float | None, divisor: float = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    scaled = value / divisor
    return f"{scaled:.0f}" if abs(scaled) >= 100 else f"{scaled:.1f}"


def cores(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _stat(part: dict[str, Any], key: str, stat: str, divisor: float = 1) -> str:
    return num((part["figures"].get(key) or {}).get(stat), divisor)


def _parts(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    rows = []
    if data["browser"]:
        rows.append((f"{data['browser']['sessions']} Chromium", data["browser"]))
    rows += [(f"{p['sessions']} replayed", p) for p in data["scale"]]
    return rows


def targets_table(data: dict[str, Any]) -> list[str]:
    lines = [
        "## Targets",
        "",
        "| Figure | Target | Measured | Result | Where |",
        "|---|---|---:|---|---|",
    ]
    for v in data["targets"]:
        result = {True: "pass", False: "**fail**", None: "not measured"}[v["met"]]
        value = "–" if v["value"] is None else f"{num(v['value'])} {v['unit']}"
        lines.append(f"| {v['figure']} | {v['target']} | {value} | {result} | {v['where']} |")
    return lines


def latency_table(data: dict[str, Any]) -> list[str]:
    lines = [
        "## Latency by concurrent sessions",
        "",
        "| Sessions | completed | change → view p50 | p90 | p99 | p50 ÷ baseline p50 "
        "| p99 ÷ baseline p50 | worst session's p99 | changes not shown | join → first frame "
        "p50 | p99 | join → page shown p50 | action → dispatch p50 | p99 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, p in _parts(data):
        change = p["figures"].get("change_to_view_ms") or {}
        ratio = p.get("vs_baseline") or {}
        lines.append(
            f"| {label} | {p['sessions_ok']}/{p['sessions']} "
            f"| {_stat(p, 'change_to_view_ms', 'p50')} | {_stat(p, 'change_to_view_ms', 'p90')} "
            f"| {_stat(p, 'change_to_view_ms', 'p99')} "
            f"| {num(ratio.get('p50_over_baseline_p50'))} "
            f"| {num(ratio.get('p99_over_baseline_p50'))} "
            f"| {_stat(p, 'session_change_to_view_p99_ms', 'max')} "
            f"| {change.get('not_shown', '–')} of {change.get('changes', '–')} "
            f"| {_stat(p, 'join_to_first_frame_ms', 'p50')} "
            f"| {_stat(p, 'join_to_first_frame_ms', 'p99')} "
            f"| {_stat(p, 'join_to_content_ms', 'p50')} "
            f"| {_stat(p, 'agent_action_to_dispatch_ms', 'p50')} "
            f"| {_stat(p, 'agent_action_to_dispatch_ms', 'p99')} |"
        )
    base = (data["browser"] or {}).get("figures", {})
    if "baseline_change_to_view_ms" in base:
        b = {"figures": base}
        lines.append(
            f"| baseline, {data['baseline']['sessions_ok']} Chromium (rrweb DOM streaming) "
            f"| {data['baseline']['sessions_ok']} "
            f"| {_stat(b, 'baseline_change_to_view_ms', 'p50')} "
            f"| {_stat(b, 'baseline_change_to_view_ms', 'p90')} "
            f"| {_stat(b, 'baseline_change_to_view_ms', 'p99')} | 1.0 | | "
            f"| {base['baseline_change_to_view_ms']['not_shown']} of "
            f"{base['baseline_change_to_view_ms']['changes']} | | | | | |"
        )
    return lines


def fairness_table(data: dict[str, Any]) -> list[str]:
    lines = [
        "## How evenly frames are shared",
        "",
        "Frames each agent received while its customer changed, from the least to the best "
        "served session, and the worst session's p99 time between two frames. Converged: "
        "the views that show the customer's last change once the changes stop (by the end of "
        "the idle phase), and the time from that change to the view showing it.",
        "",
        "| Sessions | frames, fewest | median | most | most ÷ fewest "
        "| worst session's frame interval p99 | starved sessions | converged "
        "| last change → view p50 | max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, p in _parts(data):
        frames = p["figures"].get("frames_changing_per_session") or {}
        fewest, most = frames.get("min"), frames.get("max")
        spread = most / fewest if fewest and most is not None else None
        lines.append(
            f"| {label} | {num(fewest)} | {num(frames.get('p50'))} | {num(most)} "
            f"| {'–' if spread is None else f'{spread:.1f}'} "
            f"| {_stat(p, 'session_frame_interval_p99_ms', 'max')} ms "
            f"| {p['figures'].get('starved_sessions', '–')} "
            f"| {p['figures'].get('converged_sessions', '–')} of "
            f"{p['figures'].get('changed_sessions', '–')} "
            f"| {_stat(p, 'last_change_to_view_ms', 'p50')} ms "
            f"| {_stat(p, 'last_change_to_view_ms', 'max')} ms |"
        )
    return lines


def frames_table(data: dict[str, Any]) -> list[str]:
    lines = [
        "## Frames and bandwidth per agent",
        "",
        "Means per agent over each phase. Frame age: how old the render pages' frames were when "
        "they reached the server, over the joins and changes (the server's own histogram): "
        "past 100 ms its Chromium is behind. Frames sent small: captured at [frames] "
        "scale_when_behind while it was.",
        "",
        "| Sessions | fps changing | fps idle | kB/s changing | kB/s idle | kB/s clicking "
        "| frame kB p50 | longest frame gap while changing | starved sessions "
        "| frame age mean, ms | frames over 100 ms | frames repeated | frames sent small |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, p in _parts(data):
        lag = p.get("frame_lag") or {}
        late = lag.get("over_100ms_share")
        lines.append(
            f"| {label} | {_stat(p, 'frames_per_second_changing', 'session_mean')} "
            f"| {_stat(p, 'frames_per_second_idle', 'session_mean')} "
            f"| {_stat(p, 'agent_bytes_per_second_changing', 'session_mean', 1000)} "
            f"| {_stat(p, 'agent_bytes_per_second_idle', 'session_mean', 1000)} "
            f"| {_stat(p, 'agent_bytes_per_second_clicking', 'session_mean', 1000)} "
            f"| {_stat(p, 'frame_bytes', 'p50', 1000)} "
            f"| {_stat(p, 'max_frame_gap_changing_ms', 'max')} ms "
            f"| {p['figures'].get('starved_sessions', '–')} "
            f"| {num(lag.get('mean_ms'))} | {_share(late)} | {_share(lag.get('repeated_share'))} "
            f"| {_share(lag.get('scaled_share'))} |"
        )
    base = (data["browser"] or {}).get("figures", {})
    if "baseline_agent_bytes_per_second_changing" in base:
        kbps = base["baseline_agent_bytes_per_second_changing"]["session_mean"]
        lines.append(
            f"| baseline (rrweb DOM streaming) | | | {num(kbps, 1000)} | | | | | | | | | |"
        )
    return lines


def _cpu(p: dict[str, Any], phase: str, key: str) -> str:
    use = p["cpu"].get(phase)
    if not use:
        return "–"
    return cores(use[key]) if key.endswith("cores") else num(use[key])


def resources_table(data: dict[str, Any]) -> list[str]:
    lines = [
        "## Server CPU and memory",
        "",
        "CPU in cores busy (1.0 = one core) over the change phase unless named otherwise. "
        "'Others' is what the rest of the machine used meanwhile, and the load average the "
        "highest seen: both say how far these figures are from a quiet machine's.",
        "",
        "| Sessions | server CPU | % of a core per session | server CPU idle | benchmark's "
        "own CPU | others' CPU | load average | PSS MB/session | USS MB/session "
        "| RSS MB/session |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, p in _parts(data):
        per = p["memory"]["per_session"]
        lines.append(
            f"| {label} | {_cpu(p, 'change', 'server_cores')} "
            f"| {_cpu(p, 'change', 'server_percent_of_a_core_per_session')} "
            f"| {_cpu(p, 'idle', 'server_cores')} | {_cpu(p, 'change', 'bench_client_cores')} "
            f"| {_cpu(p, 'change', 'other_processes_cores')} "
            f"| {_cpu(p, 'change', 'max_load_average')} "
            f"| {num(per['pss_mb'])} | {num(per['uss_mb'])} | {num(per['rss_mb'])} |"
        )
    fit = data.get("memory_per_session_fit") or {}
    if fit.get("pss_mb") is not None:
        lines += [
            "",
            f"Fitted over the scale steps (slope of live memory against sessions): "
            f"{num(fit['pss_mb'])} MB PSS, {num(fit['uss_mb'])} MB USS, "
            f"{num(fit['rss_mb'])} MB RSS per session.",
        ]
    return lines


def cpu_breakdown_table(data: dict[str, Any]) -> list[str]:
    """The server's CPU over the change phase, by kind of process."""
    parts = [
        (label, (p["cpu"].get("change") or {}).get("server_cores_by_process") or {})
        for label, p in _parts(data)
    ]
    totals: dict[str, float] = {}
    for _, kinds in parts:
        for name, used in kinds.items():
            totals[name] = totals.get(name, 0.0) + used
    names = sorted(totals, key=lambda k: -totals[k])
    if not names:
        return []
    lines = [
        "## Where the server's CPU goes (change phase, cores)",
        "",
        "| Sessions | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for label, kinds in parts:
        lines.append(f"| {label} | " + " | ".join(cores(kinds.get(n)) for n in names) + " |")
    lines += [
        "",
        "CPU per frame sent, ms: the cores above over the frames all agents received a second.",
        "",
        "| Sessions | all | " + " | ".join(names) + " |",
        "|---|---:|" + "---:|" * len(names),
    ]
    for (label, kinds), (_, part) in zip(parts, _parts(data), strict=True):
        fps = (part["figures"].get("frames_per_second_changing") or {}).get("all_sessions")
        per_frame = {n: used * 1000 / fps for n, used in kinds.items()} if fps else {}
        every = sum(per_frame.values()) if per_frame else None
        row = " | ".join(num(per_frame.get(n)) for n in names)
        lines.append(f"| {label} | {num(every)} | {row} |")
    return lines


def memory_breakdown_table(data: dict[str, Any]) -> list[str]:
    """What one more session costs, in private memory (USS), by kind of process."""
    parts = [
        (label, p["memory"].get("per_session_uss_mb_by_process") or {}) for label, p in _parts(data)
    ]
    names = sorted(
        {n for _, kinds in parts for n in kinds},
        key=lambda n: -sum(k.get(n, 0.0) for _, k in parts),
    )
    if not names:
        return []
    lines = [
        "## Where a session's memory goes (USS MB per session)",
        "",
        "| Sessions | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for label, kinds in parts:
        lines.append(f"| {label} | " + " | ".join(num(kinds.get(n)) for n in names) + " |")
    return lines


def run_notes(data: dict[str, Any]) -> list[str]:
    notes = []
    for label, p in _parts(data):
        line = (
            f"{label}: {p['sessions']} session(s) started and joined one after another in "
            f"{p['ramp_s']:g} s; the part took {p['wall_s']:g} s"
        )
        if p.get("join_trials"):
            line += (
                f"; then {p['join_trials']} join-only session(s), one after another, whose joins "
                "the join figures also pool"
            )
        if p["late_ends"]:
            line += (
                f"; {p['late_ends']} session(s) did not end within {END_TIMEOUT_S:g} s of "
                "the agent's Exit (the server was still working through earlier messages)"
            )
        notes.append(f"- {line}.")
    return notes


def detail_table(data: dict[str, Any]) -> list[str]:
    browser = data["browser"]
    if not browser or not browser["figures"]:
        return []
    opts = data["options"]
    rate, clicks = f"{opts['changes_per_second']:g}", f"{opts['clicks_per_second']:g}"
    lines = [
        f"## The Chromium part in detail ({browser['sessions']} session(s))",
        "",
        "| Figure | p50 | p90 | p99 | count | unit |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for key, label, divisor, unit in DETAIL_ROWS:
        s = browser["figures"].get(key)
        if s:
            lines.append(
                f"| {label.format(rate=rate, clicks=clicks)} | {num(s['p50'], divisor)} "
                f"| {num(s['p90'], divisor)} | {num(s['p99'], divisor)} | {s['count']} | {unit} |"
            )
    return lines


def memory_table(data: dict[str, Any]) -> list[str]:
    lines = [
        "## Server memory (the server and its Chromium)",
        "",
        "| Sessions | when | processes | RSS MB | PSS MB | USS MB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for label, p in _parts(data):
        for key, when in (("before", "before"), ("live", "live"), ("after_end", "after the end")):
            m = p["memory"].get(key)
            if m:
                lines.append(
                    f"| {label} | {when} | {m['processes']} | {num(m['rss_mb'])} "
                    f"| {num(m['pss_mb'])} | {num(m['uss_mb'])} |"
                )
    return lines


def _header(data: dict[str, Any]) -> list[str]:
    opts = data["options"]
    baseline = data["baseline"]
    if not opts["baseline"] or not opts["browser_sessions"]:
        base = "skipped"
    elif baseline["error"]:
        base = f"not run ({baseline['error'].splitlines()[0]})"
    else:
        base = f"{baseline['sessions_ok']} session(s) completed"
    return [
        f"# cobrowse-mirror benchmark, {data['timestamp']}",
        "",
        f"Scale steps of {', '.join(map(str, opts['sessions'])) or 'none'} concurrent replayed "
        f"session(s), and {opts['browser_sessions']} with Chromium customers and agents"
        f"{' (quick)' if opts['quick'] else ''} on {opts.get('page') or CUSTOMER_PATH}; each "
        f"customer changes {opts['changes']} times "
        f"at {opts['changes_per_second']:g}/s, then {opts['idle_s']:g} s idle, then "
        f"{opts['clicks']} agent clicks ({opts['scale_clicks']} in the scale steps) at "
        f"{opts['clicks_per_second']:g}/s; baseline: {base}; "
        f"{MIX_NOTE if opts.get('mix') else ''}"
        f"nproc {data['nproc']}; server's Chromium {data.get('server_chromium') or 'unknown'}; "
        f"the benchmark's pages' {data['chromium'] or 'none'}; "
        f"run took {data['wall_s']} s.",
    ]


MIX_NOTE = (
    "scale steps mixed as a contact centre's (of every ten sessions two typing at that rate, "
    "four reading with a change every 1 s, four idle); "
)

NOTES = [
    "How it is measured: a customer changes a 40x40 square's colour and stamps the change with "
    "the wall clock; the agent reads the colour at the square's centre off each frame. "
    "'Chromium': the checkout page (or --page) with cobrowse.js, and /agent reading the drawn "
    "canvas. 'replayed': a recorded capture stream of the checkout page replayed over the "
    "customer's WebSocket, and an agent reading each frame message (a whole JPEG or a patch) "
    "as it arrives (no drawing). Baseline: rrweb record → a relay → rrweb replay in the agent's "
    "own Chromium, with the same square.",
    f"A session is starved if its agent gets no frame for over {STARVED_GAP_MS / 1000:g} s while "
    "its customer changes. Memory per session is (live − idle) / sessions of the server's "
    "process tree, idle being the lower of the readings before and after the sessions. RSS "
    "counts Chromium's shared pages in every process, PSS shares them out (also with other "
    "Chromiums on the machine), USS counts only private pages: what ending the sessions would "
    "free. With few sessions these are noisy: the Playwright driver's and Chromium's browser "
    "process's heaps swing by about 100 MB as they collect garbage. Read the fitted slope or "
    "the largest step.",
]


def markdown(data: dict[str, Any]) -> str:
    blocks = [
        _header(data),
        targets_table(data),
        latency_table(data),
        frames_table(data),
        fairness_table(data),
        resources_table(data),
        cpu_breakdown_table(data),
        memory_breakdown_table(data),
        detail_table(data),
        memory_table(data),
        ["## Notes", "", *run_notes(data), *[f"- {n}" for n in NOTES]],
    ]
    errors = [f"{label}: {e}" for label, p in _parts(data) for e in p["errors"]]
    errors += [f"baseline: {e}" for e in data["baseline"]["errors"]]
    if errors:
        blocks.append(["Failed sessions:", *[f"- {e}" for e in errors]])
    return "\n\n".join("\n".join(b) for b in blocks if b) + "\n"
