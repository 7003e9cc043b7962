"""``python -m bench [--sessions N] [--quick] ...``: run the benchmark, write results/latest.*,
print the table. Exits 1 if no session completed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import harness, redaction, report
from bench.options import RESULTS_DIR, Options


def parse(argv: list[str] | None = None) -> Options:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--sessions", type=int, default=1, help="concurrent sessions (default 1)")
    p.add_argument("--quick", action="store_true", help="shorter phases: under a minute")
    p.add_argument("--changes", type=int, help="changes per session (default 100, quick 30)")
    p.add_argument("--rate", type=float, default=5.0, help="changes per second (default 5)")
    p.add_argument("--idle", type=float, help="seconds with nothing changing (default 3)")
    p.add_argument("--clicks", type=int, help="agent clicks per session (default 60, quick 20)")
    p.add_argument("--no-baseline", action="store_true",
                   help="skip the DOM-streaming baseline (rrweb record -> relay -> replay)")
    p.add_argument("--out", type=Path, default=RESULTS_DIR, help="where latest.json/.md go")
    args = p.parse_args(argv)
    counts = [args.sessions, *(n for n in (args.changes, args.clicks) if n is not None)]
    if min(counts) < 1 or args.rate <= 0:
        p.error("--sessions, --changes and --clicks must be at least 1, --rate above 0")
    return Options.create(
        args.sessions, args.quick, args.changes, args.rate, args.idle, args.out,
        clicks=args.clicks, baseline=not args.no_baseline,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    result = harness.run(options)
    data = report.build(result)
    data["redaction"] = redaction.measure()
    text = report.markdown(data) + "\n\n" + redaction.markdown(data["redaction"]) + "\n"
    report.write(data, text, options.results_dir)
    print(text)
    print(f"written: {options.results_dir / 'latest.json'}, {options.results_dir / 'latest.md'}")
    return 0 if data["sessions_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
