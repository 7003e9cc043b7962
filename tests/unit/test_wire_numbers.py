"""The numbers both sides of the wire must agree on, read from the browser sources as text: the
protocol versions and close codes of mirror/wire.py and replay/messages.py, and rrweb's numbers
in mirror/render/rrweb.py, so that neither side can drift from the other."""

from __future__ import annotations

import enum
import re
from pathlib import Path

import pytest

from mirror import wire
from mirror.render import rrweb
from replay.messages import SCRIPT_VERSION

ROOT = Path(__file__).resolve().parents[2]
WEB_SOURCES = (ROOT / "mirror" / "web", ROOT / "replay" / "web")
RRWEB_TYPES = ROOT / "node_modules" / "@rrweb" / "types" / "dist" / "index.d.ts"
# A version written or compared as a number: `v: 1`, `"v": 1`, `.v === 1`.
LITERAL_VERSION = re.compile(r"""(?<![\w$-])["']?v["']?\s*:\s*\d|\.v\s*[!=]==?\s*\d""")


def js_constant(path: Path, name: str) -> int:
    found = re.search(rf"export const {name} = (\d+);", path.read_text(encoding="utf-8"))
    assert found, f"{path.relative_to(ROOT)} does not export {name} as a number"
    return int(found[1])


def test_the_browser_speaks_the_servers_protocol_versions() -> None:
    assert js_constant(ROOT / "mirror/web/messages.js", "PROTOCOL_VERSION") == wire.PROTOCOL_VERSION
    assert js_constant(ROOT / "replay/web/script.js", "SCRIPT_VERSION") == SCRIPT_VERSION


def test_the_browser_knows_every_close_code_of_the_server() -> None:
    text = (ROOT / "mirror/web/messages.js").read_text(encoding="utf-8")
    block = re.search(r"export const CLOSE = \{(.*?)\};", text, re.DOTALL)
    assert block, "mirror/web/messages.js has no CLOSE object"
    browser = {name: int(code) for name, code in re.findall(r"(\w+):\s*(\d+)", block[1])}
    server = {
        name.removeprefix("CLOSE_"): value
        for name, value in vars(wire).items()
        if name.startswith("CLOSE_") and isinstance(value, int)
    }
    assert browser == server


@pytest.mark.parametrize(
    "path",
    sorted(path for root in WEB_SOURCES for path in root.rglob("*") if path.is_file()),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_no_browser_source_writes_a_version_number_of_its_own(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    literal = [
        f"{n}: {line.strip()}" for n, line in enumerate(lines, 1) if LITERAL_VERSION.search(line)
    ]
    listing = "\n".join(literal)
    assert not literal, (
        f"versions written as numbers (use PROTOCOL_VERSION or the like):\n{listing}"
    )


def rrweb_enum(text: str, name: str) -> dict[str, int]:
    """The members of rrweb's enum ``name`` in UPPER_SNAKE_CASE: FullSnapshot -> FULL_SNAPSHOT."""
    body = re.search(rf"export declare enum {name} \{{(.*?)\}}", text, re.DOTALL)
    assert body, f"@rrweb/types has no enum {name}"
    members = re.findall(r"(\w+) = (\d+)", body[1])
    return {re.sub(r"(?<=[a-z])(?=[A-Z])", "_", key).upper(): int(value) for key, value in members}


@pytest.mark.parametrize("kind", [rrweb.EventType, rrweb.IncrementalSource, rrweb.NodeType])
def test_the_python_side_has_rrwebs_own_numbers(kind: type[enum.IntEnum]) -> None:
    assert RRWEB_TYPES.exists(), "node_modules is not installed: run make setup"
    theirs = rrweb_enum(RRWEB_TYPES.read_text(encoding="utf-8"), kind.__name__)
    assert {member.name: member.value for member in kind}.items() <= theirs.items()
