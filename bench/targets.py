"""The product's targets (issue 7), each checked against this run's figures: measured, never
asserted. A target whose figure this run did not measure says so (``met`` is None).

One-session targets are read off the Chromium part when it ran (the whole product, as people use
it), else off the one-session scale step; the load targets off the 50-session scale step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

LOAD_SESSIONS = 50
P50_OVER_BASELINE = 1.0  # change -> view p50 <= baseline p50
P99_OVER_BASELINE = 2.0  # change -> view p99 < 2 x baseline p50
JOIN_P50_MS = 300.0
ACTION_P50_MS = 20.0
LOAD_P50_MS = 100.0
LOAD_MEMORY_MB = 50.0  # PSS: RSS counts Chromium's shared pages once per process
BANDWIDTH_KBPS = 150.0
IDLE_KBPS = 1.0  # "near zero": less than a kB a second


@dataclass(frozen=True)
class Verdict:
    figure: str
    target: str
    value: float | None
    unit: str
    met: bool | None  # None: not measured in this run
    where: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _get(figures: dict[str, Any], key: str, stat: str) -> float | None:
    value = (figures.get(key) or {}).get(stat)
    return None if value is None else float(value)


def _check(
    figure: str, target: str, value: float | None, unit: str, ok: bool | None, where: str
) -> Verdict:
    return Verdict(figure, target, value, unit, None if value is None else ok, where)


def one_session(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The figures one-session targets are read from, and where they come from."""
    browser = data.get("browser")
    if browser and browser["sessions_ok"]:
        return browser["figures"], f"{browser['sessions']} Chromium session(s)"
    for step in data["scale"]:
        if step["sessions"] == 1 and step["sessions_ok"]:
            return step["figures"], "1 replayed session"
    return {}, "not run"


def load_step(data: dict[str, Any]) -> dict[str, Any] | None:
    return next((s for s in data["scale"] if s["sessions"] == LOAD_SESSIONS), None)


def verdicts(data: dict[str, Any]) -> list[Verdict]:
    figures, where = one_session(data)
    baseline = _get(
        (data.get("browser") or {}).get("figures", {}), "baseline_change_to_view_ms", "p50"
    )
    rate = data["options"]["changes_per_second"]
    p50 = _get(figures, "change_to_view_ms", "p50")
    p99 = _get(figures, "change_to_view_ms", "p99")
    out = [
        _check(
            "Change → view p50, one session",
            f"≤ baseline p50 ({_ms(baseline)})",
            p50,
            "ms",
            baseline is not None and p50 is not None and p50 <= P50_OVER_BASELINE * baseline,
            where if baseline is not None else f"{where}; no baseline",
        ),
        _check(
            "Change → view p99, one session",
            f"< {P99_OVER_BASELINE:g} × baseline p50 ({_ms(baseline, P99_OVER_BASELINE)})",
            p99,
            "ms",
            baseline is not None and p99 is not None and p99 < P99_OVER_BASELINE * baseline,
            where if baseline is not None else f"{where}; no baseline",
        ),
    ]
    join = _get(figures, "join_to_first_frame_ms", "p50")
    out.append(
        _check(
            "Join → first frame p50",
            f"< {JOIN_P50_MS:g} ms",
            join,
            "ms",
            join is not None and join < JOIN_P50_MS,
            where,
        )
    )
    action = _get(figures, "agent_action_to_dispatch_ms", "p50")
    out.append(
        _check(
            "Agent action → dispatch p50",
            f"< {ACTION_P50_MS:g} ms",
            action,
            "ms",
            action is not None and action < ACTION_P50_MS,
            where,
        )
    )
    out += _load_verdicts(load_step(data), rate)
    bandwidth = _get(figures, "agent_bytes_per_second_changing", "session_mean")
    kbps = None if bandwidth is None else bandwidth / 1000
    out.append(
        _check(
            f"Agent kB/s at 1280x800, changing {rate:g}/s",
            f"< {BANDWIDTH_KBPS:g}",
            kbps,
            "kB/s",
            kbps is not None and kbps < BANDWIDTH_KBPS,
            where,
        )
    )
    idle = _get(figures, "agent_bytes_per_second_idle", "session_mean")
    idle_kbps = None if idle is None else idle / 1000
    out.append(
        _check(
            "Agent kB/s idle",
            f"near zero (< {IDLE_KBPS:g})",
            idle_kbps,
            "kB/s",
            idle_kbps is not None and idle_kbps < IDLE_KBPS,
            where,
        )
    )
    return out


def _load_verdicts(step: dict[str, Any] | None, rate: float) -> list[Verdict]:
    where = f"{LOAD_SESSIONS} replayed sessions, {rate:g} changes/s each"
    if step is None or not step["sessions_ok"]:
        where = f"not run (add {LOAD_SESSIONS} to --sessions)" if step is None else "all failed"
        step = {"figures": {}, "memory": {"per_session": {}}}
    figures = step["figures"]
    p50 = _get(figures, "change_to_view_ms", "p50")
    pss = step["memory"]["per_session"].get("pss_mb")
    starved = figures.get("starved_sessions")
    failed = len(step.get("errors", []))
    return [
        _check(
            f"Change → view p50, {LOAD_SESSIONS} sessions",
            f"< {LOAD_P50_MS:g} ms",
            p50,
            "ms",
            p50 is not None and p50 < LOAD_P50_MS,
            where,
        ),
        _check(
            f"Server memory per session (PSS), {LOAD_SESSIONS} sessions",
            f"< {LOAD_MEMORY_MB:g} MB",
            pss,
            "MB",
            pss is not None and pss < LOAD_MEMORY_MB,
            where,
        ),
        _check(
            f"Sessions starved (no frame > 2 s while changing) or failed, {LOAD_SESSIONS}",
            "0",
            None if starved is None else float(starved + failed),
            "sessions",
            starved == 0 and failed == 0,
            where,
        ),
    ]


def _ms(value: float | None, times: float = 1.0) -> str:
    return "–" if value is None else f"{value * times:.0f} ms"
