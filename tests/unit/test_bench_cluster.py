"""The cluster benchmark's logic: its command line, the nodes' configurations that put every
render page on node-3, Redis's counters turned into per-session rates, and the sizing
arithmetic."""

from __future__ import annotations

import pytest

from bench import cluster_report, redis_load, sizing
from bench.__main__ import parse
from bench.cluster import OTHER_CAPACITY, RENDER_CAPACITY, node_config, node_names
from bench.cluster_run import first_shown
from bench.probes import COLOURS, AgentLog
from bench.servers import site_config
from mirror.cluster.nodes import Load, NodeTable, fingerprint
from mirror.config import parse_config


def test_one_server_by_default_and_a_cluster_with_nodes() -> None:
    assert parse([]).cluster is None
    assert parse(["--nodes", "1"]).cluster is None
    full = parse(["--nodes", "3"]).cluster
    assert full is not None and (full.nodes, full.failovers, full.busy_sessions) == (3, 5, 5)
    quick = parse(["--nodes", "3", "--quick", "--failovers", "0"]).cluster
    assert quick is not None and (quick.failovers, quick.busy_sessions, quick.rounds) == (0, 3, 1)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--nodes", "2"], "--nodes is 1 (one server) or 3 or more"),
        (["--nodes", "0"], "--nodes is 1 (one server) or 3 or more"),
        (["--nodes", "3", "--window", "0"], "--window above 0"),
        (["--nodes", "3", "--failovers", "-1"], "--failovers and --busy-sessions must be 0"),
    ],
)
def test_what_the_cluster_part_cannot_run_is_refused(
    args: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        parse(args)
    assert error in capsys.readouterr().err


def test_the_nodes_differ_only_in_capacity() -> None:
    configs = {name: parse_config(node_config(site_config(20001), name)) for name in node_names(3)}
    capacities = {name: c.cluster.capacity() for name, c in configs.items()}
    assert capacities == {
        "node-1": OTHER_CAPACITY,
        "node-2": OTHER_CAPACITY,
        "node-3": RENDER_CAPACITY,
    }
    assert len({str(sorted(fingerprint(c).items())) for c in configs.values()}) == 1


def test_every_session_goes_to_node_3_wherever_its_customer_connects() -> None:
    """The cluster's own placement, with the nodes' loads as the benchmark sets them: node-3
    wins from any node, even with the run's other sessions already on it."""
    for here in node_names(3):
        table = NodeTable(None, here, 0, lambda: Load(0, 0, 0))  # type: ignore[arg-type]
        table.alive = {
            "node-1": Load(0, 0, OTHER_CAPACITY),
            "node-2": Load(0, 0, OTHER_CAPACITY),
            "node-3": Load(10, 10, RENDER_CAPACITY),
        }
        assert table.choose() == "node-3"


def counters(at_s: float, calls: dict[str, int], net: int, cpu_s: float) -> redis_load.Counters:
    stats = {f"cmdstat_{name}": {"calls": n, "usec": 1} for name, n in calls.items()}
    return redis_load.Counters.parse(
        stats,
        {"total_net_input_bytes": net, "total_net_output_bytes": 2 * net},
        {"used_cpu_user": cpu_s, "used_cpu_sys": 0.0},
        at_s,
    )


def test_a_window_is_rates_per_second_without_the_benchmarks_own_reads() -> None:
    before = counters(100.0, {"publish": 10, "hget": 5, "info": 3}, 1000, 1.0)
    after = counters(110.0, {"publish": 110, "hget": 25, "info": 9, "set": 10}, 21000, 1.5)
    window = redis_load.Window.between(before, after, node_cpu_s=5.0)
    assert window.calls == {"publish": 10.0, "hget": 2.0, "set": 1.0}
    assert (window.net_in, window.net_out) == (2000.0, 4000.0)
    assert window.redis_cores == pytest.approx(0.05)
    assert window.node_cores == pytest.approx(0.5)


def test_per_session_is_the_window_less_an_empty_one_split_into_relayed_and_upkeep() -> None:
    empty = redis_load.Window(10, {"set": 6.0, "hget": 0.5}, 2000.0, 1500.0, 0.01, 0.1)
    busy = redis_load.Window(
        10, {"set": 6.0, "hget": 12.5, "publish": 40.0}, 42000, 41500, 0.03, 1.1
    )
    figures = redis_load.per_session(busy, empty, 4)
    assert figures["by_command_per_s"] == {"publish": 10.0, "hget": 3.0}
    assert (figures["relayed_per_s"], figures["upkeep_per_s"]) == (10.0, 3.0)
    assert (figures["in_bytes_per_s"], figures["out_bytes_per_s"]) == (10000, 10000)
    assert figures["node_cores"] == pytest.approx(0.25)
    assert redis_load.dominant(figures) == [("publish", 10 / 13), ("hget", 3 / 13)]


def test_the_sizing_adds_up() -> None:
    costs = sizing.Costs(
        busy_cores=0.2,
        idle_cores=0.01,
        relay_cores=0.02,
        memory_mb=64.0,
        redis_busy_ops=16.0,
        redis_idle_ops=6.0,
        redis_busy_bytes=32000.0,
        redis_idle_bytes=400.0,
        redis_busy_cores=0.001,
        redis_idle_cores=0.0,
        redis_node_ops=12.0,
    )
    load = sizing.Load(busy_share=0.25, utilisation=0.5, cores_per_node=8, spare_nodes=1)
    # Per session: 0.25 x 0.22 + 0.75 x 0.01 = 0.0625 cores, 0.125 at half use.
    row = sizing.row(1000, costs, load)
    assert row["cores"] == 125.0
    assert row["nodes"] == 16 + 1
    assert row["memory_gb_per_node"] == round(1000 * 64 / 16 / 1024, 1)
    # 0.25 x 16 + 0.75 x 6 = 8.5 commands a session, and 12 for each node.
    assert row["redis_ops_per_s"] == 8500 + 17 * 12
    assert row["redis_mb_per_s"] == round((0.25 * 32000 + 0.75 * 400) * 1000 / 1e6, 2)
    assert row["redis_shards"] == 1
    assert sizing.row(10_000, costs, load)["redis_shards"] == 2


def scale_step(sessions: int, ok: int, p50: float, busy: float) -> dict[str, object]:
    return {
        "sessions": sessions,
        "sessions_ok": ok,
        "figures": {"starved_sessions": 0, "change_to_view_ms": {"p50": p50}},
        "cpu": {"change": {"server_cores": busy}, "idle": {"server_cores": busy / 10}},
        "memory": {"per_session": {"pss_mb": 60.0}},
    }


def test_the_cpu_per_session_comes_from_the_largest_step_that_kept_up() -> None:
    data = {
        "scale": [
            scale_step(1, 1, 30.0, 0.3),
            scale_step(10, 10, 40.0, 2.0),
            scale_step(25, 25, 900.0, 2.0),  # Overloaded: its CPU per session reads low.
        ],
        "memory_per_session_fit": {"pss_mb": 62.5},
    }
    costs = cluster_report.single_node_costs(data)
    assert costs is not None
    busy, idle, memory, where = costs
    assert (busy, idle, memory) == (pytest.approx(0.2), pytest.approx(0.02), 62.5)
    assert "10-session" in where
    assert cluster_report.single_node_costs({"scale": []}) is None


def test_added_latency_is_three_nodes_less_one() -> None:
    latency = {
        "one_node": {"figures": {"change_to_view_ms": {"p50": 30.0, "p99": 45.0}}},
        "three_nodes": {"figures": {"change_to_view_ms": {"p50": 31.5, "p99": 50.0}}},
    }
    added = cluster_report.added(latency)
    assert added["change_to_view_ms"] == {"p50": 1.5, "p99": 5.0}
    assert added["agent_action_to_dispatch_ms"] == {"p50": None, "p99": None}


def test_the_view_is_back_at_the_first_frame_showing_the_new_colour() -> None:
    red, green = COLOURS[0], COLOURS[1]
    log = AgentLog(None, [100.0, 200.0, 300.0, 400.0], [green, red, None, green])
    assert first_shown(log, 1, since_ms=150.0) == 400.0
    assert first_shown(log, 1, since_ms=450.0) is None
