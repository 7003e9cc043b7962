"""The baseline's browser bundles: ``node bench/build.mjs`` (esbuild, from the project's
node_modules) writes them into ``bench/.build/``, which is git-ignored."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
BUILD_DIR = BENCH / ".build"
BUILD_TIMEOUT_S = 60


class BuildFailed(RuntimeError):
    """``node`` is missing or ``bench/build.mjs`` failed; the message says which."""


@dataclass(frozen=True)
class Bundles:
    """Where the built files are."""

    record_js: Path  # The customer's side, injected into the page (``benchRecord.start``).
    replay_js: Path  # The agent's side, served by the relay with ``replay_css``...
    replay_css: Path
    agent_html: Path  # ...and this page.


def build() -> Bundles:
    """Run ``node bench/build.mjs`` from the project's root and return the files it wrote."""
    node = shutil.which("node")
    if node is None:
        raise BuildFailed("no `node` on PATH: the baseline's bundles cannot be built")
    try:
        done = subprocess.run(
            [node, "bench/build.mjs"],
            cwd=BENCH.parent,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BuildFailed(f"node bench/build.mjs took over {BUILD_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        raise BuildFailed(f"node bench/build.mjs failed:\n{done.stderr.strip()}")
    bundles = Bundles(
        record_js=BUILD_DIR / "record.js",
        replay_js=BUILD_DIR / "replay.js",
        replay_css=BUILD_DIR / "replay.css",
        agent_html=BENCH / "web" / "baseline.html",
    )
    missing = [str(p) for p in vars(bundles).values() if not p.is_file()]
    if missing:
        raise BuildFailed(f"node bench/build.mjs did not write {', '.join(missing)}")
    return bundles
