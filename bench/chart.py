"""``results/latency.png``: change -> view latency (p50 and p99) against concurrent sessions, with
the Chromium sessions, the DOM-streaming baseline and the targets drawn beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # No display: the chart is only ever written to a file.
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.ticker import ScalarFormatter  # noqa: E402

from bench import targets  # noqa: E402


def _point(part: dict[str, Any], stat: str) -> float | None:
    value = (part["figures"].get("change_to_view_ms") or {}).get(stat)
    return None if value is None else float(value)


def write(data: dict[str, Any], path: Path) -> None:
    """Draw the chart; a run without any change figure still gets its (empty) axes."""
    fig, ax = plt.subplots(figsize=(8, 6), dpi=120)
    steps = [s for s in data["scale"] if s["sessions_ok"]]
    counts = [s["sessions"] for s in steps]
    for stat, style in (("p50", "o-"), ("p99", "s--")):
        values = [_point(s, stat) for s in steps]
        shown = [(n, v) for n, v in zip(counts, values, strict=True) if v is not None]
        if shown:
            ax.plot(
                *zip(*shown, strict=True),
                style,
                color="tab:blue",
                label=f"mirror {stat} (replayed customers)",
            )
    browser = data.get("browser")
    if browser and browser["sessions_ok"]:
        for stat, marker in (("p50", "o"), ("p99", "s")):
            value = _point(browser, stat)
            if value is not None:
                ax.plot(
                    [browser["sessions"]],
                    [value],
                    marker,
                    color="tab:orange",
                    markerfacecolor="none",
                    markersize=10,
                    label=f"mirror {stat} (Chromium customer and agent)",
                )
    baseline = (browser or {}).get("figures", {}).get("baseline_change_to_view_ms") or {}
    if baseline.get("p50") is not None:
        ax.axhline(
            baseline["p50"],
            color="tab:green",
            label=f"baseline p50, rrweb DOM streaming ({baseline['p50']:.0f} ms)",
        )
        ax.axhline(
            targets.P99_OVER_BASELINE * baseline["p50"],
            color="tab:green",
            ls=":",
            label=f"p99 target: {targets.P99_OVER_BASELINE:g} × baseline p50",
        )
    ax.axhline(
        targets.LOAD_P50_MS,
        color="tab:red",
        ls=":",
        label=f"p50 target at {targets.LOAD_SESSIONS} sessions ({targets.LOAD_P50_MS:g} ms)",
    )
    ax.set_xlabel("concurrent sessions")
    # Log: an overloaded step is orders of magnitude slower than the baseline; both must show.
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(ScalarFormatter())  # 100, 1000: not 10², 10³
    ax.set_ylabel("customer change → agent's view (ms, log scale)")
    rate = data["options"]["changes_per_second"]
    ax.set_title(
        f"Change → view latency, each customer changing {rate:g} times/s (nproc {data['nproc']})",
        fontsize=10,
    )
    if counts:
        ax.set_xticks(sorted(set(counts + ([browser["sessions"]] if browser else []))))
    ax.grid(True, which="both", alpha=0.3)
    # Below the axes: inside, it would hide the points it names.
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
