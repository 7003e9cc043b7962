"""The benchmark's convergence figure: once the customer's changes stop, does the agent's view
come to show the last one, and when (bench/analysis.py convergence)."""

from __future__ import annotations

from bench.analysis import convergence
from bench.probes import COLOURS, AgentLog

STAMPS = [(1000.0, 1), (1200.0, 2)]  # The customer's changes: (ms, colour index).
END = 5000.0  # The end of the idle phase.


def view(*frames: tuple[float, int]) -> AgentLog:
    return AgentLog(None, [t for t, _ in frames], [COLOURS[c] for _, c in frames])


def test_a_view_that_comes_to_the_last_change_converges_from_its_first_frame_of_it() -> None:
    log = view((1100.0, 1), (1900.0, 2), (2100.0, 2))
    assert convergence(STAMPS, log, END) == 700.0


def test_a_view_left_on_an_older_change_does_not_converge() -> None:
    assert convergence(STAMPS, view((1100.0, 1), (1300.0, 1)), END) is None
    # Shown, then replaced by an older picture (a late frame): not for good.
    assert convergence(STAMPS, view((1900.0, 2), (2000.0, 1)), END) is None


def test_frames_after_the_idle_phase_do_not_count() -> None:
    assert convergence(STAMPS, view((1100.0, 1), (END + 1, 2)), END) is None
    assert convergence([], view((1100.0, 1)), END) is None
