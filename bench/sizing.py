"""How big a cluster a number of concurrent sessions needs, from one run's figures: the CPU and
memory one session costs a node (the one-server parts), what relaying it through other nodes
adds, and what it costs Redis (the cluster part). Pure arithmetic, so the table can be checked
by hand: the load it assumes is stated in :class:`Load` and printed with the table.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

SESSIONS = (100, 1_000, 10_000)


@dataclass(frozen=True)
class Load:
    """The load the table is for."""

    busy_share: float = 0.25  # Sessions whose page changes; the rest are live but still.
    changes_per_second: float = 5.0  # How busy a busy session is (typing, scrolling).
    utilisation: float = 0.7  # Of the nodes' cores, leaving room for joins and bursts.
    cores_per_node: int = 8
    spare_nodes: int = 1  # A node's sessions move to the others when it goes.
    redis_ops_per_core: float = 100_000.0  # One Redis on one core, small commands.
    # Past this share of that core, shard Redis (by channel, as channels_redis does): joins'
    # snapshots and a failover's takeovers come on top of the steady rate.
    redis_shard_share: float = 0.5


@dataclass(frozen=True)
class Costs:
    """What one session costs, per second: cores of a node, MB of memory, and Redis."""

    busy_cores: float  # One busy session on one node (all its processes)...
    idle_cores: float  # ...one live session whose page is still...
    relay_cores: float  # ...and what relaying a busy one's sockets through other nodes adds.
    memory_mb: float | None  # PSS per session on a node
    redis_busy_ops: float  # Commands per second of a busy session, sockets on other nodes...
    redis_idle_ops: float  # ...of a still one...
    redis_busy_bytes: float  # ...and bytes in and out.
    redis_idle_bytes: float
    redis_busy_cores: float  # Redis's own CPU per busy session...
    redis_idle_cores: float  # ...and per still one.
    redis_node_ops: float  # Each node's own upkeep (its lease, the sweeps), commands per second


def mix(load: Load, busy: float, idle: float) -> float:
    """The average session's share of a cost, at ``load``."""
    return load.busy_share * busy + (1 - load.busy_share) * idle


def row(sessions: int, costs: Costs, load: Load) -> dict[str, Any]:
    """Nodes, cores, memory and the Redis load for ``sessions`` concurrent sessions."""
    busy = costs.busy_cores + max(0.0, costs.relay_cores)
    cores = sessions * mix(load, busy, costs.idle_cores) / load.utilisation
    working = max(1, math.ceil(cores / load.cores_per_node))
    nodes = working + load.spare_nodes
    ops = sessions * mix(load, costs.redis_busy_ops, costs.redis_idle_ops)
    ops += nodes * costs.redis_node_ops
    redis_bytes = sessions * mix(load, costs.redis_busy_bytes, costs.redis_idle_bytes)
    redis_cores = sessions * mix(load, costs.redis_busy_cores, costs.redis_idle_cores)
    shard_at = load.redis_ops_per_core * load.redis_shard_share
    return {
        "sessions": sessions,
        "cores": round(cores, 1),
        "nodes": nodes,
        "memory_gb_per_node": None
        if costs.memory_mb is None
        else round(sessions * costs.memory_mb / working / 1024, 1),
        "redis_ops_per_s": round(ops),
        "redis_mb_per_s": round(redis_bytes / 1e6, 2),
        "redis_share_of_a_core_by_ops": round(ops / load.redis_ops_per_core, 3),
        "redis_cores_measured": round(redis_cores, 3),
        "redis_shards": max(1, math.ceil(ops / shard_at)),
    }


def table(costs: Costs, load: Load, sessions: tuple[int, ...] = SESSIONS) -> dict[str, Any]:
    return {
        "load": asdict(load),
        "costs": asdict(costs),
        "rows": [row(n, costs, load) for n in sessions],
    }


def markdown(sizing: dict[str, Any]) -> str:
    load, rows, c = sizing["load"], sizing["rows"], sizing["costs"]
    memory = "" if c["memory_mb"] is None else f", {c['memory_mb']:g} MB PSS"
    lines = [
        f"Per session: busy {100 * c['busy_cores']:.1f} % of a core, "
        f"+{100 * c['relay_cores']:.1f} % relayed through other nodes, still "
        f"{100 * c['idle_cores']:.1f} %{memory}; Redis {c['redis_busy_ops']:g} commands/s and "
        f"{c['redis_busy_bytes'] / 1000:.1f} kB/s busy, {c['redis_idle_ops']:g} and "
        f"{c['redis_idle_bytes'] / 1000:.1f} kB/s still, {c['redis_node_ops']:g} commands/s "
        "per node.",
        "",
        f"Load: {load['busy_share']:.0%} of sessions busy (the page changing "
        f"{load['changes_per_second']:g} times a second, agent watching), the rest live but "
        f"still; nodes of {load['cores_per_node']} cores used to {load['utilisation']:.0%}, "
        f"plus {load['spare_nodes']} spare; both sockets of every session on other nodes than "
        "its render page (the most Redis traffic a session can make). One Redis: "
        f"{load['redis_ops_per_core']:,.0f} commands a second on one core, sharded past "
        f"{load['redis_shard_share']:.0%} of it.",
        "",
        "| Sessions | cores | nodes | GB per node | Redis commands/s | Redis MB/s "
        "| share of a Redis core (by commands) | Redis servers |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        memory = "–" if r["memory_gb_per_node"] is None else f"{r['memory_gb_per_node']:g}"
        lines.append(
            f"| {r['sessions']:,} | {r['cores']:g} | {r['nodes']} | {memory} "
            f"| {r['redis_ops_per_s']:,} | {r['redis_mb_per_s']:g} "
            f"| {r['redis_share_of_a_core_by_ops']:.0%} | {r['redis_shards']} |"
        )
    return "\n".join(lines) + "\n"
