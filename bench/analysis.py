"""From the sessions' raw traces to the benchmark's figures.

Change-to-view latency matches, in order, each colour the agent's view newly shows to the
earliest change not yet matched that set that colour before it was seen; a change the view
never showed (a newer one replaced it first) counts as ``not_shown``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench import probes
from bench.session import SessionTrace
from bench.stats import Summary, per_second, rate


@dataclass
class SessionFigures:
    """One session's figures, before they are pooled with the others'."""

    join_to_first_frame_ms: float | None
    join_to_content_ms: float | None
    change_to_view_ms: list[float]
    not_shown: int
    frames_per_second: dict[str, list[float]]
    bytes_per_second: dict[str, list[float]]
    mean_fps: dict[str, float]
    mean_bytes_per_second: dict[str, float]
    frame_bytes: list[int]


def view_transitions(log: probes.AgentLog) -> list[tuple[int, int]]:
    """``(Date.now(), colour)`` of each frame whose square shows a colour unlike the previous."""
    shown: int | None = None
    transitions = []
    for t, rgb in zip(log.frame_times, log.pixels, strict=True):
        colour = probes.classify(rgb)
        if colour is not None and colour != shown:
            transitions.append((t, colour))
            shown = colour
    return transitions


def change_latencies(
    stamps: Sequence[tuple[int, int]], transitions: Sequence[tuple[int, int]]
) -> tuple[list[float], int]:
    """Latency of each change the view showed, and how many it never showed."""
    latencies: list[float] = []
    matched, next_change = 0, 0
    for seen_at, colour in transitions:
        for k in range(next_change, len(stamps)):
            changed_at, changed_to = stamps[k]
            if changed_at > seen_at:
                break
            if changed_to == colour:
                latencies.append(float(seen_at - changed_at))
                matched += 1
                next_change = k + 1
                break
    return latencies, len(stamps) - matched


def session_figures(trace: SessionTrace) -> SessionFigures:
    log = trace.agent
    assert log is not None
    frames = [(float(t), 1.0) for t in log.frame_times]
    sizes = [(t, float(n)) for t, n in trace.ws_binary]
    windows = {"changing": trace.change_window, "idle": trace.idle_window}
    first = log.frame_times[0] if log.frame_times else None
    content = next((t for t, c in view_transitions(log) if c == 0), None)
    latencies, not_shown = change_latencies(trace.stamps, view_transitions(log))
    join_at = log.join_at
    return SessionFigures(
        join_to_first_frame_ms=float(first - join_at) if first and join_at else None,
        join_to_content_ms=float(content - join_at) if content and join_at else None,
        change_to_view_ms=latencies,
        not_shown=not_shown,
        frames_per_second={k: per_second(frames, w) for k, w in windows.items()},
        bytes_per_second={k: per_second(sizes, w) for k, w in windows.items()},
        mean_fps={k: rate(frames, w) for k, w in windows.items()},
        mean_bytes_per_second={k: rate(sizes, w) for k, w in windows.items()},
        frame_bytes=[n for _, n in trace.ws_binary],
    )


def pooled(figures: Sequence[SessionFigures]) -> dict[str, Any]:
    """Every session's values pooled into one summary per figure.

    Rates are per session and per whole second of each phase; ``session_mean`` is one session's
    rate over the whole phase (averaged over sessions), ``all_sessions`` their sum.
    """

    def values(name: str) -> list[float]:
        return [v for f in figures if (v := getattr(f, name)) is not None]

    out: dict[str, Any] = {
        "join_to_first_frame_ms": Summary.of(values("join_to_first_frame_ms")).as_dict(),
        "join_to_content_ms": Summary.of(values("join_to_content_ms")).as_dict(),
        "change_to_view_ms": {
            **Summary.of(v for f in figures for v in f.change_to_view_ms).as_dict(),
            "changes": sum(len(f.change_to_view_ms) + f.not_shown for f in figures),
            "not_shown": sum(f.not_shown for f in figures),
        },
        "frame_bytes": Summary.of(n for f in figures for n in f.frame_bytes).as_dict(),
    }
    for phase in ("changing", "idle"):
        out[f"frames_per_second_{phase}"] = {
            **Summary.of(v for f in figures for v in f.frames_per_second[phase]).as_dict(),
            "session_mean": sum(f.mean_fps[phase] for f in figures) / len(figures),
            "all_sessions": sum(f.mean_fps[phase] for f in figures),
        }
        out[f"agent_bytes_per_second_{phase}"] = {
            **Summary.of(v for f in figures for v in f.bytes_per_second[phase]).as_dict(),
            "session_mean": sum(f.mean_bytes_per_second[phase] for f in figures) / len(figures),
            "all_sessions": sum(f.mean_bytes_per_second[phase] for f in figures),
        }
    return out
