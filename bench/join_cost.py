"""What a join costs the customer's page (``python -m bench --join-cost``): a long page built
from this project's own guides (about 20,000 and 50,000 elements), served as a site serves it.
For cobrowse.js, the customer's long tasks (``PerformanceObserver`` "longtask") from the agent's
Join until a second after the first frame, and the join time (Join pressed to the first frame
drawn in the agent's page); for plain rrweb recording of the same page, its long tasks from the
start of recording. Then, while shared (recorded), the same for a page change (one part of the
page replaced by another's content, as a single-page site changes view) and for typing. Also the
script's size, gzipped.

Where the machine has two CPUs or more, the customer's browser runs on one of its own (as on the
customer's own computer) and the server, its Chromium, the agent's browser and this benchmark on
the others: a customer's task stretched by the server's work for the join is not the script's."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import html
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, async_playwright

from bench.bundles import build
from bench.pages import launch
from bench.relay import Relay
from mirror.testing.processes import ChildProcess
from mirror.testing.server import CobrowseServer, free_port, started_server

ROOT = Path(__file__).resolve().parents[1]
SIZES = (20_000, 50_000)
AFTER_S = 1.0  # Long tasks counted this long after the first frame (or the start of recording).
JOIN_WINDOW_S = 5.0  # ...and at least this long after Join: the whole snapshot, slices and all.
# A page change: the second part's content replaced by a copy of the first's.
CHANGE_JS = """() => {
  const [first, second] = document.querySelectorAll("section");
  second.replaceChildren(...first.cloneNode(true).childNodes);
  return second.getElementsByTagName("*").length;
}"""
TYPED = "Where is my order? It was due on Tuesday."
# When the agent's view draws its first frame, on the agent page's clock (the epoch's): read in
# the page, not when Playwright next looks, which under load came 0.4 s later.
FIRST_FRAME_JS = """() => {
  const view = document.querySelector("[data-cobrowse-view]");
  new MutationObserver((_, observer) => {
    window.firstFrameAt = performance.timeOrigin + performance.now();
    observer.disconnect();
  }).observe(view, { attributes: true, attributeFilter: ["data-frames"] });
}"""
TIMEOUT_MS = 60_000
OBSERVE_JS = """() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    const at = performance.timeOrigin;
    for (const e of list.getEntries()) window.__longTasks.push([at + e.startTime, e.duration]);
  }).observe({ type: "longtask", buffered: true });
}"""


def blocks(markdown: str) -> Iterator[tuple[str, str]]:
    """The guides' blocks: ("h", text), ("li", text), ("code", text) or ("p", text)."""
    for chunk in re.split(r"\n\s*\n", markdown):
        chunk = chunk.strip()
        if not chunk or chunk.startswith(("![", "|")):
            continue
        if chunk.startswith("#"):
            yield "h", chunk.lstrip("# ")
        elif chunk.startswith("```"):
            yield "code", chunk.strip("`")
        elif chunk.startswith("- "):
            for item in re.split(r"\n- ", chunk[2:]):
                yield "li", item
        else:
            yield "p", chunk


def inline(text: str) -> str:
    """Markdown's code spans and bold as elements, the rest as escaped text."""
    escaped = html.escape(" ".join(text.split()))
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)


def large_page(elements: int, script: bool) -> str:
    """A documentation page of at least ``elements`` elements from docs/*.md, repeated."""
    guides = [blocks(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "docs").glob("*.md"))]
    content = [block for guide in guides for block in guide]
    parts: list[str] = []
    count, round_ = 0, 0
    while count < elements:
        round_ += 1
        parts.append(f'<section id="part-{round_}"><h1>Part {round_}</h1>')
        for kind, text in content:
            body = inline(text)
            if kind == "h":
                parts.append(f"<h2>{body}</h2>")
            elif kind == "code":
                parts.append(f"<pre><code>{html.escape(text)}</code></pre>")
                count += 1
            elif kind == "li":
                parts.append(f"<ul><li>{body}</li></ul>")
                count += 1
            else:
                parts.append(f"<p>{body}</p>")
            count += 1 + body.count("<code>") + body.count("<strong>")
        parts.append("</section>")
    tag = '<script src="__COBROWSE__/cobrowse.js" defer></script>' if script else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Guides, {elements} elements</title>{tag}"
        "<style>body{font:16px/1.5 system-ui;max-width:60em;margin:2em auto}</style></head>"
        f'<body><input id="search" aria-label="Search the guides">{"".join(parts)}</body></html>'
    )


async def change_tasks(page: Page) -> tuple[int, list[float]]:
    """The elements a page change adds, and the long tasks in the second from it."""
    started = time.time() * 1000
    changed = await page.evaluate(CHANGE_JS)
    await page.wait_for_timeout(AFTER_S * 1000)
    return changed, await long_tasks(page, started)


async def while_shared(page: Page) -> dict[str, float]:
    """The long tasks of a page change and of typing, a second each, on a shared page."""
    changed, change = await change_tasks(page)
    started = time.time() * 1000
    await page.locator("#search").press_sequentially(TYPED, delay=40)
    await page.wait_for_timeout(AFTER_S * 1000)
    typing = await long_tasks(page, started)
    return {
        "change_elements": changed,
        "change_longest_ms": max(change, default=0.0),
        "change_blocked_ms": sum(change),
        "typing_longest_ms": max(typing, default=0.0),
    }


async def long_tasks(page: Page, since_ms: float) -> list[float]:
    tasks = await page.evaluate("() => window.__longTasks")
    return [duration for start, duration in tasks if start + duration >= since_ms]


async def customer_page(browser: Browser, url: str) -> Page:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await page.add_init_script(script=f"({OBSERVE_JS})()")
    await page.goto(url, timeout=TIMEOUT_MS)
    await page.wait_for_function("() => document.readyState === 'complete'")
    await page.wait_for_timeout(1000)  # Its own load's long tasks are over.
    return page


async def ours(
    browser: Browser, agents: Browser, server: CobrowseServer, url: str
) -> dict[str, float]:
    page = await customer_page(browser, url)
    await page.get_by_role("button", name="Co-browse").click()
    await page.get_by_role("button", name="Yes").click()
    digits = page.locator("[data-cobrowse-session-id]")
    await digits.wait_for(timeout=TIMEOUT_MS)
    session_id = await digits.get_attribute("data-cobrowse-session-id") or ""
    agent = await (await agents.new_context(viewport={"width": 1700, "height": 1100})).new_page()
    await agent.goto(f"{server.url}/agent")
    await agent.get_by_label("Session ID").fill(session_id)
    await agent.evaluate(FIRST_FRAME_JS)
    started = time.time() * 1000
    await agent.get_by_role("button", name="Join").click()
    await agent.locator("[data-cobrowse-view][data-frames]").wait_for(timeout=TIMEOUT_MS)
    joined = await agent.evaluate("() => window.firstFrameAt") - started
    # The first frame comes once what the customer sees is sent; the rest of the page follows.
    await page.wait_for_timeout(max(AFTER_S * 1000, JOIN_WINDOW_S * 1000 - joined))
    tasks = await long_tasks(page, started)
    shared = await while_shared(page)
    await page.context.close()
    await agent.context.close()
    return {
        "join_ms": joined,
        "longest_ms": max(tasks, default=0.0),
        "blocked_ms": sum(tasks),
        **shared,
    }


async def plain_rrweb(
    browser: Browser, relay: Relay, record_js: Path, url: str
) -> dict[str, float]:
    page = await customer_page(browser, url)
    _, alone = await change_tasks(page)  # The page's own cost of the change, unrecorded.
    await page.add_script_tag(path=str(record_js))
    started = time.time() * 1000
    room = f"join-{int(started)}"
    socket = relay.url.replace("http", "ws") + f"/ws/{room}/customer"
    await page.evaluate("(url) => window.benchRecord.start(url)", socket)
    await page.wait_for_timeout(AFTER_S * 1000)
    tasks = await long_tasks(page, started)
    shared = await while_shared(page)
    await page.context.close()
    return {
        "longest_ms": max(tasks, default=0.0),
        "blocked_ms": sum(tasks),
        "unrecorded_change_longest_ms": max(alone, default=0.0),
        **shared,
    }


@contextlib.contextmanager
def served(folder: Path, state: Path | None = None) -> Iterator[tuple[CobrowseServer, str]]:
    """The server (its configuration, database and log in ``state``, by default ``folder``),
    and the pages in ``folder`` on a site of their own that embeds its script."""
    port = free_port()
    config = f'[server]\nallowed_origins = ["http://127.0.0.1:{port}"]\n'
    with started_server(config, state or folder) as server:
        args = ["site", str(folder), "--port", str(port), "--server", server.url]
        with ChildProcess(args) as site:
            yield server, site.url


def split_cpus() -> tuple[set[int], set[int]] | None:
    """One CPU for the customer's browser and the rest for everything else; None on one CPU."""
    cpus = sorted(os.sched_getaffinity(0))
    return ({cpus[0]}, set(cpus[1:])) if len(cpus) > 1 else None


@contextlib.contextmanager
def on_cpus(cpus: set[int] | None) -> Iterator[None]:
    """This process, and what it starts meanwhile, on ``cpus`` (all of them if None)."""
    before = os.sched_getaffinity(0)
    if cpus:
        os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


async def _measure(repeats: int) -> dict[str, Any]:
    bundles = build()
    folder = Path(tempfile.mkdtemp(prefix="cobrowse-join-"))
    for size in SIZES:
        (folder / f"ours-{size}.html").write_text(large_page(size, True), encoding="utf-8")
        (folder / f"plain-{size}.html").write_text(large_page(size, False), encoding="utf-8")
    script = (ROOT / "mirror" / "static" / "cobrowse.js").read_bytes()
    result: dict[str, Any] = {"script_gzip_bytes": len(gzip.compress(script, 9)), "pages": []}
    cpus = split_cpus()
    result["customer_cpu_of_its_own"] = cpus is not None
    with on_cpus(cpus and cpus[1]), served(folder) as (server, site):
        async with async_playwright() as playwright, Relay(bundles) as relay:
            browser, _ = await launch(playwright, cpus and cpus[0])
            agents, _ = await launch(playwright)
            for size in SIZES:
                ours_url, plain_url = f"{site}/ours-{size}.html", f"{site}/plain-{size}.html"
                runs = [await ours(browser, agents, server, ours_url) for _ in range(repeats)]
                record_js = bundles.record_js
                plain = [
                    await plain_rrweb(browser, relay, record_js, plain_url) for _ in range(repeats)
                ]
                result["pages"].append({"elements": size, "ours": runs, "plain_rrweb": plain})
            await browser.close()
            await agents.close()
    return result


def measure(repeats: int = 3) -> dict[str, Any]:
    return asyncio.run(_measure(repeats))


def _median(runs: list[dict[str, float]], key: str) -> str:
    return f"{statistics.median(r[key] for r in runs):.0f}"


Runs = list[dict[str, float]]


def _table(
    data: dict[str, Any], header: list[str], cells: Callable[[Runs, Runs], list[str]]
) -> list[str]:
    """A row a page: its size, then ``cells(ours, plain_rrweb)``."""
    lines = ["| " + " | ".join(["Page", *header]) + " |", "|---" * (len(header) + 1) + "|"]
    for page in data["pages"]:
        row = [f"{page['elements']:,} elements", *cells(page["ours"], page["plain_rrweb"])]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _at_join(ours: Runs, plain: Runs) -> list[str]:
    keys = [(ours, "join_ms"), (ours, "longest_ms"), (ours, "blocked_ms")]
    keys += [(plain, "longest_ms"), (plain, "blocked_ms")]
    return [_median(runs, key) for runs, key in keys]


def _while_shared(ours: Runs, plain: Runs) -> list[str]:
    return [
        _median(ours, "change_elements"),
        f"{_median(ours, 'change_longest_ms')} / {_median(plain, 'change_longest_ms')} "
        f"/ {_median(plain, 'unrecorded_change_longest_ms')}",
        f"{_median(ours, 'change_blocked_ms')} / {_median(plain, 'change_blocked_ms')}",
        f"{_median(ours, 'typing_longest_ms')} / {_median(plain, 'typing_longest_ms')}",
    ]


def markdown(data: dict[str, Any]) -> str:
    at_join = ["Join (ms)", "Longest task at join, ours (ms)", "Blocked at join, ours (ms)"]
    at_join += ["Longest task, plain rrweb (ms)", "Blocked, plain rrweb (ms)"]
    shared = ["Elements changed", "Longest task, ours / plain rrweb / unrecorded (ms)"]
    shared += ["Blocked, ours / plain rrweb (ms)", "Longest task typing, ours / plain rrweb (ms)"]
    lines = _table(data, at_join, _at_join)
    lines += [
        "",
        "While shared: a page change (one part replaced by another's content) and typing.",
        "",
    ]
    lines += _table(data, shared, _while_shared)
    where = "on a CPU of its own" if data.get("customer_cpu_of_its_own") else "sharing the CPU"
    lines += ["", f"The customer's browser {where}. Medians."]
    lines += [f"cobrowse.js is {data['script_gzip_bytes'] / 1024:.0f} KiB gzipped."]
    return "\n".join(lines) + "\n"
