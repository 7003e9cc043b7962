"""What taking a page's pixels costs, two ways (``python -m bench --capture-cost``): the way the
server takes them (the headless shell's screencast: every frame copied whole, JPEG-encoded,
sent through the driver, acknowledged and decoded here) and from windows on an X display
(Debian's chromium drawing into windows on Xvfb, the X Damage extension saying which rectangles
changed, only those read: bench/xdamage.py). Nothing of the server runs: the same pages, a
1280x800 page of text whose 40x40 square changes colour at random intervals (5 a second on
average), in a context each. Measured over the same time for both: the CPU each change costs by
kind of process, from the change on the page to its pixels in hand here (this process's clock
against the page's, both the epoch's), and the memory a page holds (PSS by kind of process)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from typing import Any

import simplejpeg
from playwright.async_api import BrowserContext, CDPSession, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from bench import xdamage
from bench.cpu import tree_cpu_by_kind
from bench.memory import sample
from mirror.render.browser import HEADLESS_SHELLS, SERVER_ARGS, SYSTEM_CHROMIUMS, system_chromium
from mirror.render.xserver import WITHOUT
from mirror.testing.xdisplay import virtual_display

WIDTH, HEIGHT = 1280, 800
PROBE = (620, 320)  # The square's centre, in CSS pixels.
COLOURS = {"red": (255, 0, 0), "blue": (0, 0, 255), "green": (0, 128, 0), "black": (0, 0, 0)}
TEXT = "".join(f"<p>Line {i} of a page of text, words and more words.</p>" for i in range(60))
PAGE = (
    '<!doctype html><body style="margin:0;font:14px sans-serif">'
    + TEXT
    + """
<div id="square" style="position:fixed;left:600px;top:300px;width:40px;height:40px"></div>
<script>
window.changes = [];
const colours = ["red", "blue", "green", "black"];
let n = 0;
function change() {
  const colour = colours[n++ % colours.length];
  document.getElementById("square").style.background = colour;
  changes.push([performance.timeOrigin + performance.now(), colour]);
  setTimeout(change, 150 + Math.random() * 100);
}
setTimeout(change, Math.random() * 200);
</script></body>"""
)
# This process plays the server's part: it takes the frames (or reads the windows) and decodes.
READER = "server (Python)"
# Not a page's memory: this process and the driver, one each whatever the pages.
PROCESS_WIDE = (READER, "Playwright driver (node)")
SETTLE_S = 2.0  # Before measuring: the pages' first paints and the processes' start are done.
NEAR = 8  # How far a channel of a read pixel may be from the colour set (JPEG's rounding).
Seen = list[tuple[int, float, tuple[int, int, int]]]  # page, when (ms), the probe's colour


def _colour_at(pixels: bytes, width: int, x: int, y: int, order: str) -> tuple[int, int, int]:
    at = (y * width + x) * len(order)
    channel = dict(zip(order, pixels[at : at + len(order)], strict=True))
    return channel["R"], channel["G"], channel["B"]


def _latencies(changes: list[list[Any]], seen: list[tuple[float, tuple[int, int, int]]]) -> list:
    """For each change on a page, how long until its colour was first seen after it."""
    out = []
    for at, colour in changes:
        want = COLOURS[colour]
        for when, rgb in seen:
            if when >= at and all(abs(a - b) <= NEAR for a, b in zip(rgb, want, strict=True)):
                out.append(when - at)
                break
    return out


async def _open_pages(
    contexts: list[BrowserContext], place: Callable[[int, Page, CDPSession], Awaitable[None]]
) -> list[Page]:
    pages = []
    for index, context in enumerate(contexts):
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await place(index, page, cdp)
        await page.set_content(PAGE)
        pages.append(page)
    return pages


async def _measured(pages: list[Page], seconds: float, seen: Seen) -> dict[str, Any]:
    """CPU, memory and latency over ``seconds`` of changes on ``pages``."""
    await asyncio.sleep(SETTLE_S)
    memory = sample(os.getpid())
    seen.clear()
    before, started = tree_cpu_by_kind(os.getpid()), time.time() * 1000
    await asyncio.sleep(seconds)
    after = tree_cpu_by_kind(os.getpid())
    latencies, count = [], 0
    for index, page in enumerate(pages):
        changes = [c for c in await page.evaluate("changes") if c[0] >= started]
        count += len(changes)
        latencies += _latencies(changes, [(w, rgb) for i, w, rgb in seen if i == index])
    cpu = {k: (after[k] - before.get(k, 0)) * 1000 / max(count, 1) for k in after}
    return {
        "changes": count,
        "cpu_ms_per_change": {k: round(v, 2) for k, v in sorted(cpu.items()) if v > 0},
        "pss_mb_per_page": {
            k: round(v / len(pages), 1)
            for k, v in sorted(memory.pss_mb_by_kind.items())
            if k not in PROCESS_WIDE
        },
        "seen": len(latencies),
        "latency_ms": [round(v, 1) for v in sorted(latencies)],
    }


async def screencast(playwright: Playwright, pages: int, seconds: float) -> dict[str, Any]:
    """The server's way: the headless shell's screencast, each frame acknowledged and decoded."""
    executable = system_chromium(candidates=HEADLESS_SHELLS + SYSTEM_CHROMIUMS)
    browser = await playwright.chromium.launch(executable_path=executable, args=SERVER_ARGS)
    seen: Seen = []

    async def start(index: int, _page: Page, cdp: CDPSession) -> None:
        async def frame(params: dict[str, Any]) -> None:
            pixels = simplejpeg.decode_jpeg(base64.b64decode(params["data"]), colorspace="RGB")
            red, green, blue = (int(v) for v in pixels[PROBE[1], PROBE[0]])
            seen.append((index, time.time() * 1000, (red, green, blue)))
            # A frame may come as the browser closes: its ack's error would surface in the next
            # call to Playwright, whichever it is.
            with contextlib.suppress(PlaywrightError):
                await cdp.send("Page.screencastFrameAck", {"sessionId": params["sessionId"]})

        cdp.on("Page.screencastFrame", frame)
        await cdp.send("Page.startScreencast", {"format": "jpeg", "quality": 80})

    viewport = {"width": WIDTH, "height": HEIGHT}
    contexts = [await browser.new_context(viewport=viewport) for _ in range(pages)]
    try:
        return await _measured(await _open_pages(contexts, start), seconds, seen)
    finally:
        await browser.close()


# Debian's /usr/bin/chromium is a script that runs this binary: the binary itself comes first.
WINDOWED_CHROMIUMS = ("/usr/lib/chromium/chromium", *SYSTEM_CHROMIUMS)


def _corner(index: int) -> tuple[int, int]:
    """Where page ``index``'s window sits: the windows overlap (they are redirected off-screen,
    bench/xdamage.py) and are told apart by their corners."""
    return 10 + 7 * index, 10 + 11 * index


async def windows(playwright: Playwright, pages: int, seconds: float) -> dict[str, Any]:
    """Windows on an X display, what changed in them read as the X server reports it."""
    with virtual_display("1600x1200x24", *WITHOUT) as name, xdamage.redirected(name):
        executable = system_chromium(candidates=WINDOWED_CHROMIUMS)
        browser = await playwright.chromium.launch(
            executable_path=executable,
            args=SERVER_ARGS,
            headless=False,
            env={**os.environ, "DISPLAY": name},
        )
        bars: list[int] = []  # The height of each window's own bar above the page.

        async def place(index: int, page: Page, cdp: CDPSession) -> None:
            window = (await cdp.send("Browser.getWindowForTarget"))["windowId"]
            left, top = _corner(index)
            bounds = {"left": left, "top": top, "width": WIDTH, "height": HEIGHT}
            await cdp.send("Browser.setWindowBounds", {"windowId": window, "bounds": bounds})
            bars.append(await page.evaluate("outerHeight - innerHeight"))
            bounds = {"width": WIDTH, "height": HEIGHT + bars[-1]}
            await cdp.send("Browser.setWindowBounds", {"windowId": window, "bounds": bounds})

        try:
            contexts = [await browser.new_context(no_viewport=True) for _ in range(pages)]
            opened = await _open_pages(contexts, place)
            ids = xdamage.windows_at(name, [_corner(i) for i in range(pages)])
            return await _read_windows(name, ids, bars, opened, seconds)
        finally:
            await browser.close()


async def _read_windows(
    name: str, ids: list[int], bars: list[int], pages: list[Page], seconds: float
) -> dict[str, Any]:
    seen: Seen = []
    index_of = {wid: index for index, wid in enumerate(ids)}

    def on_pixels(wid: int, box: xdamage.Rect, pixels: bytes) -> None:
        index = index_of[wid]
        x, y = PROBE[0] - box[0], PROBE[1] + bars[index] - box[1]
        if 0 <= x < box[2] and 0 <= y < box[3]:
            colour = _colour_at(pixels, box[2], x, y, "BGRX")
            seen.append((index, time.time() * 1000, colour))

    reader = xdamage.DamageReader(name, ids, on_pixels)
    reader.start()
    try:
        result = await _measured(pages, seconds, seen)
    finally:
        stats = reader.stop()
    result["reads"] = stats.reads
    result["bytes_per_read"] = stats.bytes // max(stats.reads, 1)
    result["ms_per_read"] = round(stats.seconds * 1000 / max(stats.reads, 1), 3)
    return result


def missing() -> str | None:
    """What this machine lacks for the windows' part (`make setup` installs it), or None."""
    if not shutil.which("Xvfb"):
        return "Xvfb (Debian's xvfb)"
    if system_chromium(candidates=WINDOWED_CHROMIUMS) is None:
        return "Debian's chromium"
    return None


async def _measure(pages: int, seconds: float) -> dict[str, Any]:
    async with async_playwright() as playwright:
        result = {"pages": pages, "seconds": seconds}
        result["screencast"] = await screencast(playwright, pages, seconds)
        lacking = missing()
        if lacking:
            result["windows"] = {"missing": lacking}
        else:
            result["windows"] = await windows(playwright, pages, seconds)
        return result


def measure(pages: int = 10, seconds: float = 10.0) -> dict[str, Any]:
    return asyncio.run(_measure(pages, seconds))


WAYS = (("screencast", "Screencast (headless shell)"), ("windows", "Windows on Xvfb, damage read"))


def _percentile(values: list[float], share: float) -> str:
    return f"{values[min(len(values) - 1, int(len(values) * share))]:.1f}" if values else "-"


def _rows(data: dict[str, Any], key: str) -> list[list[str]]:
    """A row for each kind of process under ``key``, and one for all of them."""
    runs = [data[way] for way, _ in WAYS]
    kinds = sorted({k for run in runs for k in run.get(key, {})})
    rows = [[k.replace(READER, "this process (the server's part)")] for k in kinds]
    for row, kind in zip(rows, kinds, strict=True):
        row += [f"{run.get(key, {}).get(kind, 0):.2f}" for run in runs]
    total = [f"{sum(run.get(key, {}).values()):.2f}" for run in runs]
    return [*rows, ["**all**", *total]]


def markdown(data: dict[str, Any]) -> str:
    header = ["", *(title for _, title in WAYS)]
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    lost = [f"{t}: {data[w]['missing']} missing" for w, t in WAYS if "missing" in data[w]]
    if lost:
        return "; ".join(lost) + "\n"
    runs = [data[way] for way, _ in WAYS]
    cells = [["Changes measured", *(str(run["changes"]) for run in runs)]]
    latency = [r["latency_ms"] for r in runs]
    cells.append(
        ["Change -> pixels here, p50 / p90 (ms)"]
        + [f"{_percentile(v, 0.5)} / {_percentile(v, 0.9)}" for v in latency]
    )
    cells += [["**CPU a change (ms)**", "", ""], *_rows(data, "cpu_ms_per_change")]
    cells += [["**PSS a page (MB), Chromium and Xvfb**", "", ""]]
    cells += _rows(data, "pss_mb_per_page")
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    windowed = data["windows"]
    lines += [
        "",
        f"{data['pages']} pages, {data['seconds']:.0f} s. Windows: {windowed['reads']} reads, "
        f"{windowed['bytes_per_read'] / 1024:.0f} KiB and {windowed['ms_per_read']} ms each.",
    ]
    return "\n".join(lines) + "\n"
