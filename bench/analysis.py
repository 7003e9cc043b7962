"""From the sessions' raw traces to the benchmark's figures.

Change-to-view latency matches, in order, each colour the agent's view newly shows to the
earliest change not yet matched that set that colour before it was seen; a change the view
never showed (a newer one replaced it first) counts as ``not_shown``. The baseline's replayed
square is matched the same way. Agent clicks are matched, in order, to the clicks the customer's
page dispatched. A session is starved when, while its customer changes, its agent receives no
frame for longer than :data:`STARVED_GAP_MS`. Its view converges when, once the changes stop,
it shows the customer's last change (:func:`convergence`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench import probes
from bench.baseline import BaselineTrace
from bench.session import SessionTrace
from bench.stats import Summary, per_second, rate

STARVED_GAP_MS = 2000.0


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
    action_to_dispatch_ms: list[float]
    not_dispatched: int
    max_frame_gap_ms: float  # The longest spell without a frame while the page changed
    frames_changing: int  # Frames received while the page changed
    frame_interval_p99_ms: float | None  # Between frames (and the phase's edges) while changing
    converged_ms: float | None  # From the last change to the view showing it for good; None: never

    @property
    def changed(self) -> bool:
        """Its customer changed the page (an idle session of a mix does not)."""
        return bool(self.change_to_view_ms or self.not_shown)

    @property
    def starved(self) -> bool:
        return self.changed and self.max_frame_gap_ms > STARVED_GAP_MS


def view_transitions(log: probes.AgentLog) -> list[tuple[float, int]]:
    """``(Date.now(), colour)`` of each frame whose square shows a colour unlike the previous."""
    shown: int | None = None
    transitions = []
    for t, rgb in zip(log.frame_times, log.pixels, strict=True):
        colour = probes.classify(rgb)
        if colour is not None and colour != shown:
            transitions.append((t, colour))
            shown = colour
    return transitions


def convergence(
    stamps: Sequence[tuple[float, int]], log: probes.AgentLog, until: float
) -> float | None:
    """From the customer's last change to the first frame from which the view shows it up to
    ``until`` (the end of the idle phase); None when the view does not show it then."""
    if not stamps:
        return None
    changed_at, colour = stamps[-1]
    since = None
    for t, rgb in zip(log.frame_times, log.pixels, strict=True):
        if t < changed_at or t > until:
            continue
        shows = probes.classify(rgb) == colour
        since = (since or t) if shows else None
    return None if since is None else float(since - changed_at)


def change_latencies(
    stamps: Sequence[tuple[float, int]], transitions: Sequence[tuple[float, int]]
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


def dispatch_latencies(
    pressed: Sequence[float], dispatched: Sequence[float]
) -> tuple[list[float], int]:
    """Latency of each agent click the customer's page dispatched, and how many it never did.

    The player dispatches the scripts in order, so the k-th dispatch is the k-th press. If some
    never arrived (the counts differ), each press takes instead the first dispatch after it and
    before the next press.
    """
    if len(pressed) == len(dispatched):
        return [float(d - p) for p, d in zip(pressed, dispatched, strict=True)], 0
    latencies: list[float] = []
    j = 0
    for k, pressed_at in enumerate(pressed):
        until = pressed[k + 1] if k + 1 < len(pressed) else None
        while j < len(dispatched) and dispatched[j] < pressed_at:
            j += 1
        if j < len(dispatched) and (until is None or dispatched[j] < until):
            latencies.append(float(dispatched[j] - pressed_at))
            j += 1
    return latencies, len(pressed) - len(latencies)


def frame_intervals(frame_times: Sequence[float], window: tuple[float, float]) -> list[float]:
    """The times between frames within ``window`` (its edges count as frames)."""
    start, end = window
    times = [start, *(t for t in frame_times if start < t < end), end]
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def max_frame_gap(frame_times: Sequence[float], window: tuple[float, float]) -> float:
    """The longest time within ``window`` with no frame (its edges count as frames)."""
    return max(frame_intervals(frame_times, window))


def session_figures(trace: SessionTrace) -> SessionFigures:
    log = trace.agent
    assert log is not None
    frames = [(float(t), 1.0) for t in log.frame_times]
    sizes = [(t, float(n)) for t, n in trace.ws_binary]
    windows = {
        "changing": trace.change_window,
        "idle": trace.idle_window,
        "clicking": trace.click_window,
    }
    before_clicks = trace.click_window[0] or float("inf")
    start, end = trace.change_window
    latencies, not_shown = change_latencies(trace.stamps, view_transitions(log))
    actions, not_dispatched = dispatch_latencies(trace.pressed, trace.dispatched)
    to_first_frame, to_content = join_times(log)
    return SessionFigures(
        join_to_first_frame_ms=to_first_frame,
        join_to_content_ms=to_content,
        change_to_view_ms=latencies,
        not_shown=not_shown,
        frames_per_second={k: per_second(frames, w) for k, w in windows.items()},
        bytes_per_second={k: per_second(sizes, w) for k, w in windows.items()},
        mean_fps={k: rate(frames, w) for k, w in windows.items()},
        mean_bytes_per_second={k: rate(sizes, w) for k, w in windows.items()},
        frame_bytes=[n for t, n in trace.ws_binary if t < before_clicks],
        action_to_dispatch_ms=actions,
        not_dispatched=not_dispatched,
        max_frame_gap_ms=max_frame_gap(log.frame_times, trace.change_window),
        frames_changing=sum(1 for t in log.frame_times if start < t < end),
        frame_interval_p99_ms=Summary.of(frame_intervals(log.frame_times, trace.change_window)).p99,
        converged_ms=convergence(trace.stamps, log, trace.idle_window[1]),
    )


def join_times(log: probes.AgentLog) -> tuple[float | None, float | None]:
    """From the agent's join click to its first frame, and to the customer's page shown."""
    first = log.frame_times[0] if log.frame_times else None
    content = next((t for t, c in view_transitions(log) if c == 0), None)
    join_at = log.join_at
    return (
        float(first - join_at) if first and join_at else None,
        float(content - join_at) if content and join_at else None,
    )


def pooled(
    figures: Sequence[SessionFigures],
    more_joins: Sequence[tuple[float | None, float | None]] = (),
) -> dict[str, Any]:
    """Every session's values pooled into one summary per figure; the join figures also pool
    ``more_joins`` (:func:`join_times` of join-only sessions).

    Rates are per session and per whole second of each phase; ``session_mean`` is one session's
    rate over the whole phase (averaged over sessions), ``all_sessions`` their sum.
    """

    def values(name: str) -> list[float]:
        return [v for f in figures if (v := getattr(f, name)) is not None]

    to_frame = values("join_to_first_frame_ms") + [j[0] for j in more_joins if j[0] is not None]
    to_content = values("join_to_content_ms") + [j[1] for j in more_joins if j[1] is not None]
    out: dict[str, Any] = {
        "join_to_first_frame_ms": Summary.of(to_frame).as_dict(),
        "join_to_content_ms": Summary.of(to_content).as_dict(),
        "change_to_view_ms": {
            **Summary.of(v for f in figures for v in f.change_to_view_ms).as_dict(),
            "changes": sum(len(f.change_to_view_ms) + f.not_shown for f in figures),
            "not_shown": sum(f.not_shown for f in figures),
        },
        "frame_bytes": Summary.of(n for f in figures for n in f.frame_bytes).as_dict(),
        "agent_action_to_dispatch_ms": {
            **Summary.of(v for f in figures for v in f.action_to_dispatch_ms).as_dict(),
            "clicks": sum(len(f.action_to_dispatch_ms) + f.not_dispatched for f in figures),
            "not_dispatched": sum(f.not_dispatched for f in figures),
        },
        "max_frame_gap_changing_ms": Summary.of(
            f.max_frame_gap_ms for f in figures if f.changed
        ).as_dict(),
        "starved_sessions": sum(f.starved for f in figures),
        # Once the changes stop, every view should come to show the last one.
        "converged_sessions": sum(f.converged_ms is not None for f in figures if f.changed),
        "changed_sessions": sum(f.changed for f in figures),
        "last_change_to_view_ms": Summary.of(
            f.converged_ms for f in figures if f.converged_ms is not None
        ).as_dict(),
        # How evenly the machine's frames were shared while every page changed.
        "frames_changing_per_session": Summary.of(
            f.frames_changing for f in figures if f.changed
        ).as_dict(),
        "session_frame_interval_p99_ms": Summary.of(
            f.frame_interval_p99_ms
            for f in figures
            if f.changed and f.frame_interval_p99_ms is not None
        ).as_dict(),
        # Each session's own p50 and p99, so one slow session is not hidden in the pool.
        "session_change_to_view_p50_ms": Summary.of(
            p for f in figures if (p := Summary.of(f.change_to_view_ms).p50) is not None
        ).as_dict(),
        "session_change_to_view_p99_ms": Summary.of(
            p for f in figures if (p := Summary.of(f.change_to_view_ms).p99) is not None
        ).as_dict(),
    }
    for phase in ("changing", "idle", "clicking"):
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


def baseline_figures(traces: Sequence[BaselineTrace]) -> dict[str, Any]:
    """The baseline's change-to-view latency and relay -> agent bytes, pooled over sessions."""
    latencies: list[float] = []
    not_shown, per_second_bytes, means = 0, [], []
    for trace in traces:
        assert trace.view is not None
        shown, missed = change_latencies(trace.stamps, view_transitions(trace.view))
        latencies += shown
        not_shown += missed
        per_second_bytes += per_second(trace.sent, trace.change_window)
        means.append(rate(trace.sent, trace.change_window))
    return {
        "baseline_change_to_view_ms": {
            **Summary.of(latencies).as_dict(),
            "changes": len(latencies) + not_shown,
            "not_shown": not_shown,
        },
        "baseline_agent_bytes_per_second_changing": {
            **Summary.of(per_second_bytes).as_dict(),
            "session_mean": sum(means) / len(means),
            "all_sessions": sum(means),
        },
    }
