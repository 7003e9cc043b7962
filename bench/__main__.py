"""``python -m bench [--sessions 1,10,25,50] [--quick] [--nodes 3] [--recording] ...``: run the
benchmark, write results/latest.json, latest.md and latency.png, print the tables. Exits 1 if no
session completed. Targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from urllib.parse import urlsplit

from bench import (
    capture_cost,
    chart,
    cluster_report,
    fidelity_report,
    harness,
    healing,
    join_cost,
    layout,
    recording_report,
    redaction,
    rematch,
    report,
    tables,
)
from bench.options import (
    CUSTOMER_PATH,
    FULL_SESSIONS,
    QUICK_SESSIONS,
    RESULTS_DIR,
    ClusterOptions,
    Options,
    RecordingOptions,
)


def session_counts(text: str) -> tuple[int, ...]:
    """``"1,10,25,50"`` -> ``(1, 10, 25, 50)``; ``""`` -> no scale steps."""
    try:
        counts = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of session counts: {text!r}") from exc
    if any(n < 1 for n in counts):
        raise argparse.ArgumentTypeError("each session count must be at least 1")
    return counts


def page_location(text: str) -> str:
    """A path on the sample site (``/shop/``) or an http(s) URL."""
    parts = urlsplit(text)
    if text.startswith("/") and not text.startswith("//"):
        return text
    if parts.scheme in ("http", "https") and parts.netloc:
        return text
    raise argparse.ArgumentTypeError(f"not a path on the sample site or an http(s) URL: {text!r}")


def parse(argv: list[str] | None = None) -> Options:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument(
        "--sessions",
        type=session_counts,
        help="concurrent replayed sessions of each scale step, comma-separated "
        f"(default {','.join(map(str, FULL_SESSIONS))}; quick "
        f"{','.join(map(str, QUICK_SESSIONS))}; '' for none)",
    )
    p.add_argument(
        "--browser-sessions",
        type=int,
        default=1,
        help="concurrent sessions with Chromium customers and agents, and as many "
        "baseline sessions (default 1; 0 skips them)",
    )
    p.add_argument("--quick", action="store_true", help="shorter phases and steps: ~2 minutes")
    p.add_argument("--changes", type=int, help="changes per session (default 100, quick 30)")
    p.add_argument("--rate", type=float, default=5.0, help="changes per second (default 5)")
    p.add_argument("--idle", type=float, help="seconds with nothing changing (default 3)")
    p.add_argument(
        "--clicks", type=int, help="agent clicks per Chromium session (default 60, quick 20)"
    )
    p.add_argument(
        "--scale-clicks", type=int, help="agent clicks per replayed session (default 20, quick 10)"
    )
    p.add_argument(
        "--joins",
        type=int,
        help="join-only sessions after the Chromium sessions, for the join figures (default 6, "
        "quick 3)",
    )
    p.add_argument(
        "--page",
        type=page_location,
        default=CUSTOMER_PATH,
        help="the customer's page of the Chromium sessions and the baseline: a path on the "
        f"sample site or any http(s) URL, given the script if it does not embed it (default "
        f"{CUSTOMER_PATH})",
    )
    p.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the DOM-streaming baseline (rrweb record -> relay -> replay)",
    )
    p.add_argument(
        "--no-fidelity",
        action="store_true",
        help="skip the fidelity figure (every fixture page, mirror and baseline)",
    )
    p.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="1 (default): one server. 3 or more: also a cluster of that many nodes on one "
        "Redis, measured with a session's customer, agent and render page on three nodes "
        "against all on one: latency, failover and Redis load (docs/benchmark.md, Cluster)",
    )
    p.add_argument(
        "--failovers",
        type=int,
        help="with --nodes: kills of the render page's node (default 5, quick 2; 0 skips them)",
    )
    p.add_argument(
        "--busy-sessions",
        type=int,
        help="with --nodes: sessions of the Redis windows (default 5, quick 3; 0 skips them)",
    )
    p.add_argument(
        "--window",
        type=float,
        help="with --nodes: seconds of each Redis window (default 10, quick 5)",
    )
    p.add_argument(
        "--mix",
        action="store_true",
        help="the scale steps' sessions as a contact centre's: of every ten, two typing, four "
        "reading (a change every 1 s at the default rate), four idle",
    )
    p.add_argument(
        "--recording",
        action="store_true",
        help="also the recording part: bytes a minute of a busy, a reading and an idle "
        "session recorded, and the CPU per frame sent with recording off and on "
        "(docs/benchmark.md, Recording)",
    )
    p.add_argument(
        "--healing",
        action="store_true",
        help="also the time from each fault a node heals (its browser killed, its renderer "
        "killed or stopped) to the agent's view back (docs/benchmark.md, Healing)",
    )
    p.add_argument(
        "--join-cost",
        action="store_true",
        help="also what a join costs the customer's page on 20,000 and 50,000 elements: long "
        "tasks against plain rrweb, and the join time (docs/benchmark.md, Join cost)",
    )
    p.add_argument(
        "--capture",
        choices=("auto", "screencast", "windows"),
        default="auto",
        help="how the server takes Chromium's pixels ([frames] capture): its default, auto "
        "(windows where Xvfb is installed), its screencast, or windows on an X server of its "
        "own read where they changed (docs/benchmark.md)",
    )
    p.add_argument(
        "--capture-cost",
        action="store_true",
        help="also what taking pixels costs Chromium: the screencast against windows on Xvfb "
        "read where X Damage says they changed (docs/benchmark.md, Capture cost)",
    )
    p.add_argument(
        "--layout",
        action="store_true",
        help="also the layout agreement of a customer in WebKit with the view (Chromium): "
        "offsets of every element of the fixture pages (docs/benchmark.md, Layout agreement)",
    )
    p.add_argument(
        "--recording-window",
        type=float,
        help="with --recording: seconds each kind of session is recorded (default 60, quick 20)",
    )
    p.add_argument(
        "--recording-repeats",
        type=int,
        help="with --recording: off/on pairs of 10-session CPU steps (default 2, quick 1)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=RESULTS_DIR,
        help="where latest.json, latest.md and latency.png go",
    )
    args = p.parse_args(argv)
    counts = [n for n in (args.changes, args.clicks, args.scale_clicks) if n is not None]
    if (
        min(counts, default=1) < 1
        or args.rate <= 0
        or args.browser_sessions < 0
        or (args.joins or 0) < 0
    ):
        p.error(
            "--changes, --clicks and --scale-clicks must be at least 1, --rate above 0, "
            "--browser-sessions and --joins 0 or more"
        )
    if args.nodes == 2 or args.nodes < 1:
        p.error(
            "--nodes is 1 (one server) or 3 or more: a session's customer, agent and render "
            "page on three nodes"
        )
    if (
        (args.failovers or 0) < 0
        or (args.busy_sessions or 0) < 0
        or (args.window is not None and args.window <= 0)
    ):
        p.error("--failovers and --busy-sessions must be 0 or more, --window above 0")
    if (args.recording_window is not None and args.recording_window <= 0) or (
        args.recording_repeats is not None and args.recording_repeats < 0
    ):
        p.error("--recording-window must be above 0, --recording-repeats 0 or more")
    options = Options.create(
        args.quick,
        args.sessions,
        args.browser_sessions,
        args.changes,
        args.rate,
        args.idle,
        args.out,
        clicks=args.clicks,
        scale_clicks=args.scale_clicks,
        baseline=not args.no_baseline,
        joins=args.joins,
    )
    cluster = (
        ClusterOptions.create(
            args.quick, args.nodes, args.failovers, args.busy_sessions, args.window
        )
        if args.nodes > 1
        else None
    )
    recording = (
        RecordingOptions.create(args.quick, args.recording_window, args.recording_repeats)
        if args.recording
        else None
    )
    return dataclasses.replace(
        options,
        fidelity=not args.no_fidelity,
        page=args.page,
        cluster=cluster,
        mix=args.mix,
        recording=recording,
        healing=args.healing,
        join_cost=args.join_cost,
        capture_cost=args.capture_cost,
        capture=args.capture,
        layout=args.layout,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    result = harness.run(options)
    data = report.build(result)
    data["redaction"] = redaction.measure()
    if options.fidelity:
        data["fidelity"] = fidelity_report.measure(baseline=options.baseline)
        data["rematch"] = rematch.measure()
    if options.cluster is not None:
        data["cluster"] = cluster_report.measure(options, data)
    if options.recording is not None:
        data["recording"] = recording_report.measure(options)
    if options.healing:
        data["healing"] = healing.measure(2 if options.quick else 3)
    if options.join_cost:
        data["join_cost"] = join_cost.measure(1 if options.quick else 3)
    if options.capture_cost:
        data["capture_cost"] = capture_cost.measure(seconds=5 if options.quick else 10)
    if options.layout:
        data["layout"] = layout.measure()
    out = options.results_dir
    json_path = report.write_json(data, out)  # First: the figures stay if presenting them fails.
    text = (
        tables.markdown(data)
        + "\n## Frame redaction\n\n"
        + redaction.markdown(data["redaction"])
        + "\n"
    )
    if "fidelity" in data:
        text += "\n## Fidelity\n\n" + fidelity_report.markdown(data["fidelity"])
    if "rematch" in data:
        text += "\n## The view matching again after a change\n\n"
        text += rematch.markdown(data["rematch"])
    if "cluster" in data:
        text += "\n## Cluster\n\n" + cluster_report.markdown(data["cluster"])
    if "recording" in data:
        text += "\n## Recording\n\n" + recording_report.markdown(data["recording"])
    if "healing" in data:
        text += "\n## Healing\n\n" + healing.markdown(data["healing"])
    if "join_cost" in data:
        text += "\n## Join cost\n\n" + join_cost.markdown(data["join_cost"])
    if "capture_cost" in data:
        text += "\n## Capture cost\n\n" + capture_cost.markdown(data["capture_cost"])
    if "layout" in data:
        text += "\n## Layout agreement\n\n" + layout.markdown(data["layout"])
    md_path, png_path = out / "latest.md", out / "latency.png"
    md_path.write_text(text, encoding="utf-8")
    chart.write(data, png_path)
    print(text)
    print(f"written: {json_path}, {md_path}, {png_path}")
    completed = (
        report.sessions_ok(data)
        + cluster_report.sessions_ok(data.get("cluster"))
        + recording_report.sessions_ok(data.get("recording"))
    )
    failed = any("error" in data.get(part, {}) for part in ("cluster", "recording", "healing"))
    return 0 if completed and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
