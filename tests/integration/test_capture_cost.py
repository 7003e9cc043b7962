"""The capture-cost step on a real Chromium and a real Xvfb: both ways see the page's changes,
and the windows' way reads them from the rectangles X Damage reports."""

from __future__ import annotations

from typing import Any

from playwright.async_api import async_playwright

from bench import capture_cost
from tests.aio import in_thread


async def _both() -> dict[str, Any]:
    async with async_playwright() as playwright:
        return {
            "screencast": await capture_cost.screencast(playwright, 2, 1.0),
            "windows": await capture_cost.windows(playwright, 2, 1.0),
        }


@in_thread
async def test_both_ways_see_the_changes_and_count_their_cost() -> None:
    lacking = capture_cost.missing()
    assert lacking is None, f"{lacking} is missing: `make setup` installs it"
    measured = await _both()
    for way in ("screencast", "windows"):
        run = measured[way]
        assert run["changes"] > 0 and run["seen"] > 0, way
        assert run["cpu_ms_per_change"] and run["pss_mb_per_page"], way
    windows = measured["windows"]
    assert windows["reads"] > 0 and windows["bytes_per_read"] > 0
    assert "Xvfb" in windows["pss_mb_per_page"]
