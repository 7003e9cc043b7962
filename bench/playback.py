"""Playback of a long recording (part of ``--recording``): a one-hour recording made by the real
recorder from a synthetic 1280x800 page whose square changes five times a second (the patches
made by the agent's own patch encoder), then the playback page in Chromium: how long until the
first picture shows, and how long each seek to a random position takes until the picture shows
that position (the page marks it on the canvas, ``data-shown``).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from playwright.async_api import Page, async_playwright

from bench.pages import launch
from bench.recording import configure
from bench.recording_cost import ReplayClock, nothing
from bench.servers import serving
from mirror.frames.frame import Frame, decode_frame, encode_jpeg
from mirror.frames.patches import PatchEncoder
from mirror.recording.manifest import Manifest
from mirror.recording.recorder import CHUNK_S, Recorder
from mirror.recording.store import DirectoryStore

WIDTH, HEIGHT = 1280, 800
CHANGE_S = 0.2
SQUARE = 48
SEEKS = 10
KEY = "bench-supervisor-key"
SHOWN_JS = "([t]) => document.querySelector('canvas[aria-label=Recording]')?.dataset.shown === t"


@dataclass
class PlaybackFigures:
    minutes: float
    chunks: int
    megabytes: float
    start_ms: float  # From opening the page to its first picture.
    seek_ms: list[float]


def _page_picture() -> np.ndarray:
    """A page-like picture: a light background with rows of dark strokes, as text."""
    rng = np.random.default_rng(7)
    pixels = np.full((HEIGHT, WIDTH, 4), 246, np.uint8)
    for y in range(40, HEIGHT - 20, 22):
        for x in range(40, WIDTH - 200, 9):
            if rng.random() < 0.8:
                pixels[y : y + 12, x : x + 6, :3] = rng.integers(20, 90, 3, dtype=np.uint8)
    return pixels


async def synthetic_recording(store: Path, minutes: float) -> Manifest:
    """A recording of ``minutes`` written by the real recorder into a directory store."""
    clock, base = ReplayClock(), _page_picture()
    manifest = Manifest(uuid="6a4b9a1e-0d55-4c1e-9f0e-5b8d2c7a3e10", session="bench", node="bench")
    recorder = Recorder(DirectoryStore(store), manifest, nothing, nothing, clock=clock)
    encoder, next_flush, n = PatchEncoder(), CHUNK_S, 0
    while clock.t < minutes * 60:
        pixels = base.copy()
        x, y = 100 + (n * 37) % (WIDTH - 300), 100 + (n * 23) % (HEIGHT - 200)
        pixels[y : y + SQUARE, x : x + SQUARE, :3] = (n * 11 % 255, 90, 160)
        frame = decode_frame(encode_jpeg(pixels)) if n == 0 else Frame(pixels, None)
        message = encoder.encode(frame)
        if message is not None:
            recorder.frame(message, frame)
        recorder.pointer("agent", x, y)
        n += 1
        clock.t += CHANGE_S
        if clock.t >= next_flush:
            await recorder.flush()
            next_flush += CHUNK_S
    await recorder.finish("agent_exit")
    return recorder.manifest


async def _shown(page: Page, t: float) -> float:
    """Milliseconds from here until the picture shows position ``t`` (one decimal)."""
    started = time.perf_counter()
    await page.wait_for_function(SHOWN_JS, arg=[f"{t:.1f}"], timeout=60_000)
    return (time.perf_counter() - started) * 1000


async def _play_back(server: str, uuid: str, duration: float) -> tuple[float, list[float]]:
    async with async_playwright() as playwright:
        browser, _ = await launch(playwright)
        context = await browser.new_context(viewport={"width": 1600, "height": 1000})
        await context.request.post(f"{server}/api/supervisor/sign-in", data={"key": KEY})
        page = await context.new_page()
        started = time.perf_counter()
        await page.goto(f"{server}/recordings/{uuid}")
        await page.wait_for_function(
            "() => document.querySelector('canvas[aria-label=Recording]')?.dataset.shown"
        )
        start_ms = (time.perf_counter() - started) * 1000
        positions = random.Random(3).sample(range(10, int(duration * 10) - 10), SEEKS)
        seeks = []
        for tenth in positions:
            t = tenth / 10
            slider = page.get_by_role("slider", name="Position")
            await slider.evaluate(
                "(s, t) => { s.value = t; s.dispatchEvent(new Event('input')); }", t
            )
            seeks.append(await _shown(page, t))
        await browser.close()
    return start_ms, seeks


def measure(minutes: float) -> PlaybackFigures:
    with tempfile.TemporaryDirectory(prefix="cobrowse-playback-") as folder:
        store = Path(folder) / "store"
        manifest = asyncio.run(synthetic_recording(store, minutes))
        with serving(configure=configure(store, KEY)) as served:
            start_ms, seeks = asyncio.run(
                _play_back(served.server, manifest.uuid, manifest.duration)
            )
    return PlaybackFigures(minutes, len(manifest.chunks), manifest.size / 1e6, start_ms, seeks)
