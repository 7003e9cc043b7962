"""How evenly the benchmark's scale steps say the machine's frames were shared: the times between
an agent's frames while its customer changed, and the table that compares the sessions."""

from __future__ import annotations

from typing import Any

from bench.analysis import frame_intervals, max_frame_gap
from bench.tables import fairness_table


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
        },
    }


def test_the_fairness_table_gives_the_spread_between_the_best_and_worst_served() -> None:
    data = {"browser": None, "scale": [part(50, 20.0, 40.0, 2500.0)]}
    row = fairness_table(data)[-1]
    assert row == "| 50 replayed | 20.0 | 30.0 | 40.0 | 2.0 | 2500 ms | 3 |"
