"""The cluster part's figures (``cluster`` in results/latest.json) and its Markdown: latency with
a session's roles on three nodes beside all on one, failover times, Redis per session, and the
sizing table (:mod:`bench.sizing`) made of those and the one-server parts' CPU and memory."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

from bench import redis_load, sizing
from bench.cluster import (
    AGENT_NODE,
    CUSTOMER_NODE,
    OTHER_CAPACITY,
    RENDER_CAPACITY,
    RENDER_NODE,
)
from bench.cluster_run import ONE_NODE, THREE_NODES, ClusterResult, run
from bench.options import Options
from bench.report import part_data
from bench.stats import Summary
from bench.tables import num

ADDED_P50_MS = 3.0  # Three nodes against one, change -> view and action -> dispatch, p50
FAILOVER_MS = 5000.0
LOAD_P50_MS = 100.0  # A scale step past this is overloaded: its CPU per session reads low.
FIGURES = {
    "change_to_view_ms": "Customer change → agent's view",
    "agent_action_to_dispatch_ms": "Agent click → dispatched on the customer's page",
    "join_to_first_frame_ms": "Join → first frame",
}


def measure(options: Options, data: dict[str, Any]) -> dict[str, Any]:
    """Run the cluster part; a cluster that cannot start, or sessions placed elsewhere than
    the measurement needs (``PlacementError``), leave an ``error`` instead of figures."""
    try:
        return build(run(options), data)
    except Exception as exc:  # The one-server figures stand without the cluster's.
        error = f"{type(exc).__name__}: {exc}"
        print(f"bench: the cluster part failed: {error}", file=sys.stderr)
        return {"error": error}


def build(result: ClusterResult, data: dict[str, Any]) -> dict[str, Any]:
    latency = {k: part_data(p) for k, p in result.latency.items()}
    out: dict[str, Any] = {
        "nodes": result.nodes,
        "layout": {
            "render_page": RENDER_NODE,
            "customer_socket": CUSTOMER_NODE,
            "agent_socket": AGENT_NODE,
            "max_mirrors": {RENDER_NODE: RENDER_CAPACITY, "others": OTHER_CAPACITY},
        },
        "chromium": result.chromium,
        "wall_s": round(result.wall_s, 1),
        "errors": result.errors,
        "latency": {
            k: {n: p[n] for n in ("sessions", "sessions_ok", "errors", "figures")}
            for k, p in latency.items()
        },
        "added_ms": added(latency),
        "failover": failover_figures(result),
        "redis": redis_figures(result),
    }
    out["sizing"] = sizing_figures(out, data)
    out["targets"] = targets(out)
    return out


def added(latency: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Three nodes less one node, at p50 and p99, for each figure."""
    one = (latency.get(ONE_NODE) or {}).get("figures", {})
    three = (latency.get(THREE_NODES) or {}).get("figures", {})
    out: dict[str, dict[str, float | None]] = {}
    for key in FIGURES:
        out[key] = {}
        for stat in ("p50", "p99"):
            a, b = (one.get(key) or {}).get(stat), (three.get(key) or {}).get(stat)
            out[key][stat] = None if a is None or b is None else round(b - a, 2)
    return out


def failover_figures(result: ClusterResult) -> dict[str, Any]:
    times = [f.kill_to_view_ms for f in result.failovers if f.kill_to_view_ms is not None]
    return {
        "repeats": [dataclasses.asdict(f) for f in result.failovers],
        "kill_to_view_ms": Summary.of(times).as_dict(),
    }


def redis_figures(result: ClusterResult) -> dict[str, Any]:
    windows = result.windows
    empty = windows.get("empty")
    out: dict[str, Any] = {
        "sessions": result.busy_sessions,
        "windows": {k: w.as_dict() for k, w in windows.items()},
        "agent_bytes_per_s": {k: round(v) for k, v in result.agent_bytes_per_s.items()},
        "per_session": {},
    }
    if empty is not None:
        out["upkeep_per_node_commands_per_s"] = round(empty.commands / result.nodes, 2)
        for name, window in windows.items():
            if name != "empty" and result.busy_sessions:
                out["per_session"][name] = redis_load.per_session(
                    window, empty, result.busy_sessions
                )
    return out


def single_node_costs(data: dict[str, Any]) -> tuple[float, float, float | None, str] | None:
    """Busy and idle cores and PSS MB per session of the one-server run: its largest scale step
    that kept up (every session done, none starved, p50 under the load target)."""
    kept_up = [
        p
        for p in data.get("scale", [])
        if p["sessions_ok"] == p["sessions"]
        and not p["figures"].get("starved_sessions")
        and (p["figures"].get("change_to_view_ms") or {}).get("p50", 1e9) < LOAD_P50_MS
        and p["cpu"].get("change")
        and p["cpu"].get("idle")
    ]
    if not kept_up:
        return None
    step = max(kept_up, key=lambda p: p["sessions"])
    n = step["sessions_ok"]
    memory = (data.get("memory_per_session_fit") or {}).get("pss_mb")
    memory = memory or step["memory"]["per_session"].get("pss_mb")
    where = f"the one-server run's {n}-session scale step"
    busy, idle = (step["cpu"][phase]["server_cores"] / n for phase in ("change", "idle"))
    return busy, idle, memory, where


def sizing_figures(cluster: dict[str, Any], data: dict[str, Any]) -> dict[str, Any] | None:
    per = cluster["redis"]["per_session"]
    busy3, idle3 = per.get(f"busy_{THREE_NODES}"), per.get(f"idle_{THREE_NODES}")
    busy1, idle1 = per.get(f"busy_{ONE_NODE}"), per.get(f"idle_{ONE_NODE}")
    if not (busy3 and idle3 and busy1 and idle1):
        return None
    single = single_node_costs(data)
    if single is None:
        single = (busy1["node_cores"], idle1["node_cores"], None, "the cluster's one-node window")
    busy_cores, idle_cores, memory, where = single
    costs = sizing.Costs(
        busy_cores=round(busy_cores, 4),
        idle_cores=round(max(0.0, idle_cores), 4),
        relay_cores=round(busy3["node_cores"] - busy1["node_cores"], 4),
        memory_mb=memory,
        redis_busy_ops=busy3["commands_per_s"],
        redis_idle_ops=max(0.0, idle3["commands_per_s"]),
        redis_busy_bytes=busy3["in_bytes_per_s"] + busy3["out_bytes_per_s"],
        redis_idle_bytes=max(0, idle3["in_bytes_per_s"] + idle3["out_bytes_per_s"]),
        redis_busy_cores=max(0.0, busy3["redis_cores"]),
        redis_idle_cores=max(0.0, idle3["redis_cores"]),
        redis_node_ops=cluster["redis"].get("upkeep_per_node_commands_per_s", 0.0),
    )
    return {"cpu_from": where, **sizing.table(costs, sizing.Load())}


def targets(cluster: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key in ("change_to_view_ms", "agent_action_to_dispatch_ms"):
        value = cluster["added_ms"][key]["p50"]
        out.append(_verdict(f"{FIGURES[key]}, added p50", ADDED_P50_MS, value))
    worst = cluster["failover"]["kill_to_view_ms"]["max"]
    out.append(_verdict("Kill → view back with a change, every repeat", FAILOVER_MS, worst))
    return out


def _verdict(figure: str, under_ms: float, value: float | None) -> dict[str, Any]:
    return {
        "figure": figure,
        "target": f"< {under_ms:g} ms",
        "value": value,
        "met": None if value is None else value < under_ms,
    }


def sessions_ok(cluster: dict[str, Any] | None) -> int:
    if not cluster or "latency" not in cluster:
        return 0
    return sum(p["sessions_ok"] for p in cluster["latency"].values())


# -- Markdown ----------------------------------------------------------------------------------


def markdown(cluster: dict[str, Any]) -> str:
    if "error" in cluster:
        return f"Not measured: {cluster['error']}\n"
    parts = [
        _layout(cluster),
        _targets(cluster),
        _latency(cluster),
        _failover(cluster),
        _redis(cluster),
    ]
    if cluster.get("sizing"):
        parts.append(
            f"### Sizing\n\nCPU per session from {cluster['sizing']['cpu_from']}.\n\n"
            + sizing.markdown(cluster["sizing"])
        )
    return "\n".join(parts)


def _layout(cluster: dict[str, Any]) -> str:
    text = (
        f"{cluster['nodes']} nodes on one Redis; every session's render page on {RENDER_NODE}. "
        f"Three nodes: the customer's socket on {CUSTOMER_NODE}, the agent's on {AGENT_NODE}. "
        f"One node: both on {RENDER_NODE}. {cluster['wall_s']:g} s.\n"
    )
    if cluster["errors"]:
        text += "\nErrors: " + "; ".join(cluster["errors"]) + "\n"
    return text


def _targets(cluster: dict[str, Any]) -> str:
    lines = ["| Figure | Target | Measured | Result |", "|---|---|---:|---|"]
    for v in cluster["targets"]:
        result = {True: "pass", False: "**fail**", None: "not measured"}[v["met"]]
        lines.append(f"| {v['figure']} | {v['target']} | {num(v['value'])} ms | {result} |")
    return "\n".join(lines) + "\n"


def _latency(cluster: dict[str, Any]) -> str:
    lines = [
        "### Latency, three nodes against one",
        "",
        "| Figure | one node p50 | p99 | three nodes p50 | p99 | added p50 | added p99 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    latency = cluster["latency"]
    for key, label in FIGURES.items():
        one = latency.get(ONE_NODE, {}).get("figures", {}).get(key) or {}
        three = latency.get(THREE_NODES, {}).get("figures", {}).get(key) or {}
        add = cluster["added_ms"][key]
        lines.append(
            f"| {label} (ms) | {num(one.get('p50'))} | {num(one.get('p99'))} "
            f"| {num(three.get('p50'))} | {num(three.get('p99'))} "
            f"| {num(add['p50'])} | {num(add['p99'])} |"
        )
    counts = {k: p["sessions_ok"] for k, p in latency.items()}
    lines += ["", f"Sessions completed: {counts}.", ""]
    return "\n".join(lines)


def _failover(cluster: dict[str, Any]) -> str:
    failover = cluster["failover"]
    summary = failover["kill_to_view_ms"]
    lines = [
        f"### Failover: {RENDER_NODE} killed (SIGKILL), the customer's page changes at once",
        "",
        "| Repeat | kill → view shows the change | change → view | taken over by | error |",
        "|---:|---:|---:|---|---|",
    ]
    for r in failover["repeats"]:
        lines.append(
            f"| {r['repeat']} | {num(r['kill_to_view_ms'])} ms | {num(r['change_to_view_ms'])} ms "
            f"| {r['taken_over_by'] or '–'} | {r['error'] or ''} |"
        )
    lines += [
        "",
        f"Kill → view: p50 {num(summary['p50'])} ms, max {num(summary['max'])} ms "
        f"over {summary['count']}.",
        "",
    ]
    return "\n".join(lines)


def _redis(cluster: dict[str, Any]) -> str:
    redis = cluster["redis"]
    lines = [
        f"### Redis per session ({redis['sessions']} sessions, less a window with none)",
        "",
        "| Window | commands/s | PUBLISH/s | upkeep/s | in B/s | out B/s | Redis CPU "
        "| nodes' CPU | most of it |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, f in redis["per_session"].items():
        top = ", ".join(f"{n} {s:.0%}" for n, s in redis_load.dominant(f) if s >= 0.005)
        lines.append(
            f"| {name.replace('_', ' ')} | {num(f['commands_per_s'])} | {num(f['relayed_per_s'])} "
            f"| {num(f['upkeep_per_s'])} | {f['in_bytes_per_s']:,} | {f['out_bytes_per_s']:,} "
            f"| {_percent(f['redis_cores'], 2)} | {_percent(f['node_cores'], 1)} | {top} |"
        )
    if "upkeep_per_node_commands_per_s" in redis:
        lines += [
            "",
            f"With no session: {num(redis['upkeep_per_node_commands_per_s'])} commands/s per "
            f"node. Frames the agents received while busy, per session (B/s): "
            f"{redis['agent_bytes_per_s']}.",
        ]
    return "\n".join(lines) + "\n"


def _percent(cores: float, places: int) -> str:
    """Cores as a percentage of one. Below 0.05 %, either way, the difference of two windows is
    within the kernel's accounting of a process's CPU (a clock tick at a time): "< 0.05 %"."""
    value = 100 * cores
    return "< 0.05 %" if abs(value) < 0.05 else f"{value:.{places}f} %"
