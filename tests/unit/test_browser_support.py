"""The embed script calls no browser API that a supported customer's browser lacks (Safari and
iOS Safari 15.4, Firefox 115 ESR, Chromium 100), unless it feature-detects it: a static check of
the built script, rrweb included, against MDN's compatibility data (scripts/browser_support.mjs)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ESLINT = ROOT / "node_modules" / ".bin" / "eslint"
CONFIG = ROOT / "scripts" / "browser_support.mjs"
SCRIPT = ROOT / "mirror" / "static" / "cobrowse.js"


def compat(path: Path) -> subprocess.CompletedProcess[str]:
    assert ESLINT.exists(), "node_modules is not installed: run make setup"
    command = [str(ESLINT), "--no-config-lookup", "--config", str(CONFIG), path.name]
    # ESLint checks only files under the folder it runs in, which it reads from PWD.
    folder = str(path.parent)
    env = {**os.environ, "PWD": folder}
    return subprocess.run(
        command, capture_output=True, text=True, cwd=folder, env=env, timeout=120, check=False
    )


def test_the_embed_script_uses_only_what_customers_browsers_have() -> None:
    result = compat(SCRIPT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_finds_an_api_safari_lacks(tmp_path: Path) -> None:
    # The same check on a script that calls what Safari 15.4 and Firefox 115 lack unguarded.
    script = tmp_path / "uses.js"
    script.write_text(
        "structuredClone({}); new CompressionStream('gzip'); Promise.withResolvers();\n"
    )
    result = compat(script)
    assert result.returncode == 1
    assert "CompressionStream is not supported in Safari 15.4" in result.stdout
