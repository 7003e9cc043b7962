"""The pytest plugin as a website team runs it: real inner suites in a pytest subprocess
(pytester), with the plugin loaded from its entry point, a real server, the sample shop and
Chromium. Each run also checks that no server or browser outlives it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from mirror.render.browser import system_chromium
from mirror.testing.fidelity import is_blank
from mirror.testing.server import CobrowseServer, started_server

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "testing.md"
# A strict team's settings, as docs/testing.md suggests them.
STRICT_INI = """
[pytest]
addopts = --strict-markers
filterwarnings =
    error
    ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning
"""
RUN_MARK = "COBROWSE_PLUGIN_TEST_RUN"
KEY = "plugin-test-agent-key"
INNER_TIMEOUT_S = 300


def guide_file(name: str) -> str:
    """The code block that follows "`tests/cobrowse/NAME`:" in docs/testing.md."""
    text = GUIDE.read_text()
    match = re.search(rf"`tests/cobrowse/{re.escape(name)}`:\s*```python\n(.*?)```", text, re.S)
    assert match, f"docs/testing.md has no example {name}"
    return match.group(1)


def processes_with(mark: str) -> list[str]:
    """Command lines of live processes whose environment carries ``mark``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if mark.encode() in (proc / "environ").read_bytes():
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:  # Gone already, or not ours to read.
            continue
    return found


def wait_until_nothing_left(mark: str, timeout_s: float = 20.0) -> None:
    """A browser's helpers may exit a moment after the suite does: wait for that."""
    deadline = time.monotonic() + timeout_s
    while left := processes_with(mark):
        if time.monotonic() > deadline:
            raise AssertionError(f"still running after the suite: {left}")
        time.sleep(0.1)  # ok-sleep: polling /proc; no event tells when another process exits.


def run_inner(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str
) -> pytest.RunResult:
    pytester.makeini(STRICT_INI)
    mark = f"{RUN_MARK}={uuid.uuid4()}"
    monkeypatch.setenv(RUN_MARK, mark)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=INNER_TIMEOUT_S)
    wait_until_nothing_left(mark)
    return result


# -- the guide's example suite, verbatim ----------------------------------------------------------


def playwrights_own_chromium(browsers: Path) -> None:
    """Put a Chromium where Playwright looks for its own headless build under ``browsers``, as
    ``playwright install`` would (it is the system's build: nothing can be downloaded here).
    Playwright names that place when the file is missing."""
    probe = (
        "from playwright.sync_api import sync_playwright\n"
        "with sync_playwright() as p:\n"
        "    try:\n"
        "        p.chromium.launch()\n"
        "    except Exception as exc:\n"
        "        print(exc)\n"
    )
    env = {**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(browsers)}
    said = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    ).stdout
    place = re.search(r"Executable doesn't exist at (\S+)", said)
    chromium = system_chromium(os.environ.get("CHROMIUM"))
    assert place and chromium, f"no place for Playwright's Chromium: {said}"
    Path(place.group(1)).parent.mkdir(parents=True)
    Path(place.group(1)).symlink_to(chromium)


def test_the_guides_shop_suite_passes_with_playwrights_own_chromium(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other runs here have no Playwright build of Chromium: the plugin falls back there.
    browsers = pytester.path / "ms-playwright"
    playwrights_own_chromium(browsers)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(browsers))
    pytester.makeconftest(guide_file("conftest.py"))
    pytester.makepyfile(test_checkout_cobrowse=guide_file("test_checkout_cobrowse.py"))
    monkeypatch.setenv("SHOP_FIXTURES", str(ROOT / "fixtures"))
    monkeypatch.delenv("SHOP_URL", raising=False)
    result = run_inner(pytester, monkeypatch)
    result.assert_outcomes(passed=5)


# -- failures: each says why, and carries the agent's view and the session's record -------------

# A small site of two pages that does not embed cobrowse.js, served over HTTP on this machine.
SITE_CONFTEST = '''
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

PAGES = {
    "index.html": """<!doctype html><title>Shop</title>
<form action="two.html"><label>Name <input id="name"></label>
<button id="buy" type="submit">Buy</button></form>
<a id="next" href="two.html">Delivery</a>
<p id="offpage" style="position:absolute; left:-5000px">Off the page</p>""",
    "two.html": """<!doctype html><title>Delivery</title><h1>Delivery</h1>
<label>City <input id="city"></label>""",
}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    for name, html in PAGES.items():
        (root / name).write_text(html)
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()
'''

SUITE_WITH_FAILURES = """
import pytest
from playwright.sync_api import Page, expect
from mirror.testing import Cobrowse, CobrowseUsageError


def started(page: Page, cobrowse: Cobrowse, site: str):
    page.goto(f"{site}/index.html")
    session = cobrowse.start(page)
    session.join()
    return session


def test_leak(page: Page, cobrowse: Cobrowse, site: str) -> None:
    session = started(page, cobrowse, site)
    page.fill("#name", "Alice Leak")
    session.assert_shown_to_agent("#name")
    session.assert_never_sent("Alice Leak")


def test_refused_action(page: Page, cobrowse: Cobrowse, site: str) -> None:
    started(page, cobrowse, site).agent_click("#buy")


def test_page_without_the_widget(page: Page, cobrowse: Cobrowse, site: str) -> None:
    page.route("**/cobrowse.js", lambda route: route.fulfill(status=404, body="gone"))
    page.goto(f"{site}/index.html")
    cobrowse.start(page)


def test_bad_selectors_are_named(page: Page, cobrowse: Cobrowse, site: str) -> None:
    session = started(page, cobrowse, site)
    with pytest.raises(CobrowseUsageError, match=r"'#nope' matches nothing on .* \\(waited 6 s\\)"):
        session.agent_click("#nope")
    with pytest.raises(CobrowseUsageError, match="'#offpage' lies outside the customer's page"):
        session.agent_fill("#offpage", "x")
    with pytest.raises(CobrowseUsageError, match="part of the co-browse widget"):
        session.agent_click("text=Exit co-browse session")


def test_a_whole_session_across_two_pages(
    page: Page, cobrowse: Cobrowse, cobrowse_server, site: str
) -> None:
    session = started(page, cobrowse, site)
    session.agent_click("#next")
    expect(page.locator("h1")).to_have_text("Delivery")
    expect(session.customer_status).to_contain_text("established")
    session.agent_fill("#city", "Zoë's town")
    assert page.input_value("#city") == "Zoë's town"
    session.assert_shown_to_agent("#city")
    assert session.end(by="agent")["end_reason"] == "agent_exit"
    assert cobrowse_server.history()[0]["uuid"] == session.uuid
"""


@pytest.fixture
def keyed_server(tmp_path: Path) -> Iterator[CobrowseServer]:
    with started_server(f'[server]\nagent_keys = ["{KEY}"]\n', tmp_path) as server:
        yield server


def test_failing_tests_say_why_and_carry_the_agents_view_and_record(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, keyed_server: CobrowseServer
) -> None:
    pytester.makeconftest(SITE_CONFTEST)
    pytester.makepyfile(test_failing=SUITE_WITH_FAILURES)
    artifacts = pytester.path / "evidence"
    result = run_inner(
        pytester,
        monkeypatch,
        f"--cobrowse-url={keyed_server.url}",
        f"--cobrowse-agent-key={KEY}",
        f"--cobrowse-artifacts={artifacts}",
        # Short for the wait that must run out ('#nope'), long enough for a click to be applied
        # on a loaded machine (a shorter timeout has run out there).
        "--cobrowse-timeout=6",
        "--junitxml=report.xml",
    )
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines_random(
        [
            "*'Alice Leak' went over the wire: a message sent by the customer's page*",
            "*ActionRefused: submit*",
            "*cobrowse.js could not be loaded into http://127.0.0.1:*/index.html*",
            "*status of 404*",
            "*- cobrowse session 1 (*) -*",
        ]
    )
    folder = artifacts / "test_failing.py-test_leak-chromium"
    view = Image.open(folder / "session-1-view.png")
    assert view.size == (1280, 720) and not is_blank(view.convert("RGB"))  # The customer's page.
    record = json.loads((folder / "session-1-record.json").read_text())
    assert record["state"] == "active"
    assert (folder / "session-1-customer.png").stat().st_size > 0
    assert sorted(p.name for p in artifacts.iterdir()) == [  # Failed tests with sessions only.
        "test_failing.py-test_leak-chromium",
        "test_failing.py-test_refused_action-chromium",
    ]
    cases = ElementTree.parse(pytester.path / "report.xml").iter("testcase")
    leak = next(case for case in cases if case.get("name") == "test_leak[chromium]")
    properties = {p.get("name"): p.get("value") for p in leak.iter("property")}
    assert properties["cobrowse_session_1_view"] == str(folder / "session-1-view.png")
    assert properties["cobrowse_session_1_record"] == str(folder / "session-1-record.json")


# -- a server that cannot be had --------------------------------------------------------------


def test_a_server_that_does_not_start_fails_the_setup_with_its_log(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(
        """
import pytest

@pytest.fixture(scope="session")
def cobrowse_config():
    return "[server]\\nno_such_key = 1\\n"
"""
    )
    pytester.makepyfile("def test_one(cobrowse):\n    pass\ndef test_two(cobrowse):\n    pass\n")
    result = run_inner(pytester, monkeypatch)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines_random(
        ["*CobrowseServerError: the co-browse server did not start*", "*no_such_key*"]
    )
    assert "'cobrowse serve --port 0 --config" in result.stdout.str()
    # Tried once for the whole run, not once per test.
    assert len(set(re.findall(r"--config (\S+)", result.stdout.str()))) == 1


def test_a_cobrowse_url_where_nothing_answers_is_named(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile("def test_one(cobrowse):\n    pass\n")
    result = run_inner(pytester, monkeypatch, "--cobrowse-url=http://127.0.0.1:9")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no co-browse server answers at http://127.0.0.1:9*"])
