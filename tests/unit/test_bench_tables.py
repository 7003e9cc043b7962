"""The benchmark's capacity tables: how evenly the machine's frames were shared (the times between
an agent's frames while its customer changed, the sessions compared) and what a frame sent cost."""

from __future__ import annotations

from typing import Any

from bench.analysis import frame_intervals, max_frame_gap
from bench.tables import cpu_breakdown_table, fairness_table


def test_frame_intervals_count_the_phase_edges_as_frames() -> None:
    frames = [50.0, 900.0, 1000.0, 5000.0]  # The last one after the phase.
    assert frame_intervals(frames, (0.0, 3000.0)) == [50.0, 850.0, 100.0, 2000.0]
    assert max_frame_gap(frames, (0.0, 3000.0)) == 2000.0


def part(sessions: int, fewest: float, most: float, worst_p99: float) -> dict[str, Any]:
    return {
        "sessions": sessions,
        "figures": {
            "frames_changing_per_session": {"min": fewest, "p50": (fewest + most) / 2, "max": most},
            "session_frame_interval_p99_ms": {"max": worst_p99},
            "starved_sessions": 3,
            "converged_sessions": sessions - 1,
            "changed_sessions": sessions,
            "last_change_to_view_ms": {"p50": 420.0, "max": 2900.0},
        },
    }


def test_the_fairness_table_gives_the_spread_between_the_best_and_worst_served() -> None:
    data = {"browser": None, "scale": [part(50, 20.0, 40.0, 2500.0)]}
    row = fairness_table(data)[-1]
    assert row == (
        "| 50 replayed | 20.0 | 30.0 | 40.0 | 2.0 | 2500 ms | 3 | 49 of 50 | 420 ms | 2900 ms |"
    )


def test_the_cpu_of_a_frame_sent_is_each_process_cores_over_the_frames_a_second() -> None:
    step = part(10, 90.0, 110.0, 300.0)
    step["figures"]["frames_per_second_changing"] = {"all_sessions": 50.0}
    step["cpu"] = {"change": {"server_cores_by_process": {"browser": 0.35, "server": 0.25}}}
    rows = cpu_breakdown_table({"browser": None, "scale": [step]})
    assert rows[-1] == "| 10 replayed | 12.0 | 7.0 | 5.0 |"
