"""What a join costs the customer's page (``python -m bench --join-cost``): a long page built
from this project's own guides (about 20,000 and 50,000 elements), served as a site serves it.
For cobrowse.js, the customer's long tasks (``PerformanceObserver`` "longtask") from the agent's
Join until a second after the first frame, and the join time (Join pressed to the first frame
drawn in the agent's page); for plain rrweb recording of the same page, its long tasks from the
start of recording. Also the script's size, gzipped."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import html
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
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
        f"<body>{''.join(parts)}</body></html>"
    )


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


async def ours(browser: Browser, server: CobrowseServer, url: str) -> dict[str, float]:
    page = await customer_page(browser, url)
    await page.get_by_role("button", name="Co-browse").click()
    await page.get_by_role("button", name="Yes").click()
    digits = page.locator("[data-cobrowse-session-id]")
    await digits.wait_for(timeout=TIMEOUT_MS)
    session_id = await digits.get_attribute("data-cobrowse-session-id") or ""
    agent = await (await browser.new_context(viewport={"width": 1700, "height": 1100})).new_page()
    await agent.goto(f"{server.url}/agent")
    await agent.get_by_label("Session ID").fill(session_id)
    started = time.time() * 1000
    await agent.get_by_role("button", name="Join").click()
    await agent.locator("[data-cobrowse-view][data-frames]").wait_for(timeout=TIMEOUT_MS)
    joined = time.time() * 1000 - started
    await page.wait_for_timeout(AFTER_S * 1000)
    tasks = await long_tasks(page, started)
    await page.context.close()
    await agent.context.close()
    return {"join_ms": joined, "longest_ms": max(tasks, default=0.0), "blocked_ms": sum(tasks)}


async def plain_rrweb(
    browser: Browser, relay: Relay, record_js: Path, url: str
) -> dict[str, float]:
    page = await customer_page(browser, url)
    await page.add_script_tag(path=str(record_js))
    started = time.time() * 1000
    room = f"join-{int(started)}"
    socket = relay.url.replace("http", "ws") + f"/ws/{room}/customer"
    await page.evaluate("(url) => window.benchRecord.start(url)", socket)
    await page.wait_for_timeout(AFTER_S * 1000)
    tasks = await long_tasks(page, started)
    await page.context.close()
    return {"longest_ms": max(tasks, default=0.0), "blocked_ms": sum(tasks)}


@contextlib.contextmanager
def served(folder: Path) -> Iterator[tuple[CobrowseServer, str]]:
    """The server, and the pages in ``folder`` on a site of their own that embeds its script."""
    port = free_port()
    config = f'[server]\nallowed_origins = ["http://127.0.0.1:{port}"]\n'
    with started_server(config, folder) as server:
        args = ["site", str(folder), "--port", str(port), "--server", server.url]
        with ChildProcess(args) as site:
            yield server, site.url


async def _measure(repeats: int) -> dict[str, Any]:
    bundles = build()
    folder = Path(tempfile.mkdtemp(prefix="cobrowse-join-"))
    for size in SIZES:
        (folder / f"ours-{size}.html").write_text(large_page(size, True), encoding="utf-8")
        (folder / f"plain-{size}.html").write_text(large_page(size, False), encoding="utf-8")
    script = (ROOT / "mirror" / "static" / "cobrowse.js").read_bytes()
    result: dict[str, Any] = {"script_gzip_bytes": len(gzip.compress(script, 9)), "pages": []}
    with served(folder) as (server, site):
        async with async_playwright() as playwright, Relay(bundles) as relay:
            browser, _ = await launch(playwright)
            for size in SIZES:
                ours_url, plain_url = f"{site}/ours-{size}.html", f"{site}/plain-{size}.html"
                runs = [await ours(browser, server, ours_url) for _ in range(repeats)]
                record_js = bundles.record_js
                plain = [
                    await plain_rrweb(browser, relay, record_js, plain_url) for _ in range(repeats)
                ]
                result["pages"].append({"elements": size, "ours": runs, "plain_rrweb": plain})
            await browser.close()
    return result


def measure(repeats: int = 3) -> dict[str, Any]:
    return asyncio.run(_measure(repeats))


def _median(runs: list[dict[str, float]], key: str) -> str:
    return f"{statistics.median(r[key] for r in runs):.0f}"


def markdown(data: dict[str, Any]) -> str:
    lines = [
        "| Page | Join (ms) | Longest task at join, ours (ms) | Blocked at join, ours (ms) "
        "| Longest task, plain rrweb (ms) | Blocked, plain rrweb (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for page in data["pages"]:
        ours_runs, plain = page["ours"], page["plain_rrweb"]
        lines.append(
            f"| {page['elements']:,} elements | {_median(ours_runs, 'join_ms')} "
            f"| {_median(ours_runs, 'longest_ms')} | {_median(ours_runs, 'blocked_ms')} "
            f"| {_median(plain, 'longest_ms')} | {_median(plain, 'blocked_ms')} |"
        )
    lines.append("")
    lines.append(f"cobrowse.js is {data['script_gzip_bytes'] / 1024:.0f} KiB gzipped. Medians.")
    return "\n".join(lines) + "\n"
