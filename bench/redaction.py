"""Layer 3 of masking, timed: a 1280x800 screencast JPEG with six masked rectangles decoded,
passed through ``mirror.frames.redact.redact`` and made ready to send whole, when the render page
already drew the rectangles flat (a check) and when it did not (a repaint and a new JPEG)."""

from __future__ import annotations

import io
import random
import statistics
import time
from typing import Any

from PIL import Image, ImageDraw

from mirror.frames.frame import Rect, decode_frame
from mirror.frames.redact import MASK_RGB, redact

WIDTH, HEIGHT = 1280, 800
RECTS: list[Rect] = [(80 + 380 * (i % 3), 200 + 160 * (i // 3), 340, 44) for i in range(6)]


def busy_frame(masked: bool) -> bytes:
    """A busy page-like frame: text-like strokes everywhere, the rectangles flat if ``masked``."""
    rng = random.Random(7)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    for _ in range(700):  # About as many bytes as a real checkout frame.
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        draw.line((x, y, x + rng.randrange(4, 12), y), fill=(rng.randrange(80), 40, 60), width=2)
    if masked:
        for x, y, w, h in RECTS:
            draw.rectangle((x, y, x + w - 1, y + h - 1), fill=MASK_RGB)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def _time(jpeg: bytes, runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        redact(decode_frame(jpeg), RECTS).encoded()
        samples.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(samples, n=100)
    return {"p50": statistics.median(samples), "p90": cuts[89], "p99": cuts[98], "count": runs}


def measure(runs: int = 200) -> dict[str, Any]:
    return {
        "check_ms": _time(busy_frame(masked=True), runs),
        "repaint_ms": _time(busy_frame(False), runs),
    }


def markdown(result: dict[str, Any]) -> str:
    rows = [
        "| Redaction of a 1280x800 frame, 6 rectangles | p50 | p90 | p99 | count | unit |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, label in (("check_ms", "already flat (check only)"), ("repaint_ms", "repainted")):
        r = result[name]
        rows.append(
            f"| {label} | {r['p50']:.2f} | {r['p90']:.2f} | {r['p99']:.2f} | {r['count']} | ms |"
        )
    return "\n".join(rows)
