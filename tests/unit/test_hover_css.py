"""The render page's adaptation of the customer's sheets for replay (mirror/web/render/hover_css.js,
run in Node): each selector with :hover gets its .\\:hover twin, device media read as the page's,
everything else left as it was, in one pass over the text."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "mirror" / "web" / "render" / "hover_css.js"
NODE = shutil.which("node")


def adapted(*sheets: str) -> list[str]:
    script = (
        f"import {{ adaptCss }} from {json.dumps(MODULE.as_uri())};\n"
        "let text = '';\n"
        "for await (const chunk of process.stdin) text += chunk;\n"
        "console.log(JSON.stringify(JSON.parse(text).map(adaptCss)));\n"
    )
    assert NODE is not None, "make setup installs Node"
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script],
        input=json.dumps(list(sheets)),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return list(json.loads(done.stdout))


@pytest.mark.parametrize(
    ("sheet", "expected"),
    [
        ("a:hover{color:red}", "a:hover,a.\\:hover{color:red}"),
        (
            "nav a, .menu li:hover > ul { display: block }",
            "nav a, .menu li:hover > ul,.menu li.\\:hover > ul { display: block }",
        ),
        ("p{color:red}a{x:1}", "p{color:red}a{x:1}"),  # No :hover: not a byte changes.
        (
            "@media (max-device-width: 600px) { b:hover { c: d } }",
            "@media (max-width: 600px) { b:hover,b.\\:hover { c: d } }",
        ),
        # A media feature named hover is no selector; nor is a string or a url's text.
        ("@media (hover:hover){a{b:c}}", "@media (hover:hover){a{b:c}}"),
        ('a::after{content:"x:hover{"}', 'a::after{content:"x:hover{"}'),
        ("a{background:url(data:x;y:hover)}", "a{background:url(data:x;y:hover)}"),
        # Commas inside :is() do not cut the list; nested rules get twins too.
        (":is(a, b):hover{c:d}", ":is(a, b):hover,:is(a, b).\\:hover{c:d}"),
        (
            ".card{color:red;&:hover{color:blue}}",
            ".card{color:red;&:hover,&.\\:hover{color:blue}}",
        ),
        # A comment in a selector list may hold anything: that list keeps no twin.
        ("a:hover /* x, { */ {b:c}", "a:hover /* x, { */ {b:c}"),
        ("a{b:c}/* rr_split */d:hover{e:f}", "a{b:c}/* rr_split */d:hover,d.\\:hover{e:f}"),
    ],
)
def test_hover_twins_and_device_media(sheet: str, expected: str) -> None:
    assert adapted(sheet) == [expected]


def test_a_large_sheet_takes_one_pass() -> None:
    """rrweb's own adaptation is quadratic in the rules: 20,000 of them took seconds."""
    rules = "".join(f".c{i} a:hover, .d{i} {{ color: #{i % 4096:03x} }}\n" for i in range(20_000))
    (out,) = adapted(rules)
    assert out.count(".\\:hover") == 20_000 and out.count(":hover") == 40_000
