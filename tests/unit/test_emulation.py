"""What a render page's Chromium is told of the customer's screen, and in which order: a call
that would drop the emulated pixel ratio, even for a moment, is a page drawn wrong."""

from __future__ import annotations

from typing import Any, cast

from playwright.async_api import CDPSession, Page

from mirror.render.emulation import Emulation
from mirror.render.load import CaptureLoad
from mirror.render.screen import Display, Screen, Visual
from mirror.wire import Viewport
from tests.aio import in_thread


class Recorder:
    """The page and its CDP session both: each call in one list, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def set_viewport_size(self, size: dict[str, int]) -> None:
        # Playwright's own metrics: the context's pixel ratio (1 here) and no visible area.
        self.calls.append(("Emulation.setDeviceMetricsOverride", {**size, "deviceScaleFactor": 1}))

    async def emulate_media(self, **media: Any) -> None:
        self.calls.append(("emulate_media", media))

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.calls.append((method, params or {}))
        return {}

    def ratios(self) -> list[float]:
        """The pixel ratio of each metrics override, in order."""
        return [
            params["deviceScaleFactor"]
            for method, params in self.calls
            if method == "Emulation.setDeviceMetricsOverride"
        ]


def phone() -> Screen:
    return Screen(Viewport(401, 868), Display(pixel_ratio=3.0))


async def applied(screen: Screen) -> tuple[Emulation, Recorder]:
    emulation, chromium = Emulation(CaptureLoad()), Recorder()
    await emulation.apply(cast(Page, chromium), cast(CDPSession, chromium), screen)
    return emulation, chromium


async def resized(emulation: Emulation, chromium: Recorder, screen: Screen, to: Viewport) -> None:
    chromium.calls.clear()
    screen.viewport = to
    await emulation.apply_resize(cast(Page, chromium), cast(CDPSession, chromium), screen)


@in_thread
async def test_a_resize_keeps_the_emulated_pixel_ratio_throughout() -> None:
    screen = phone()
    emulation, chromium = await applied(screen)
    assert chromium.ratios()[-1] == 3.0
    await resized(emulation, chromium, screen, Viewport(390, 844))
    assert chromium.ratios() == [3.0]  # One override, with the ratio: never 1 in between.
    metrics = [p for m, p in chromium.calls if m == "Emulation.setDeviceMetricsOverride"]
    assert (metrics[0]["width"], metrics[0]["height"]) == (390, 844)


@in_thread
async def test_a_zoomed_in_screen_resized_keeps_its_visible_area() -> None:
    screen = phone()
    emulation, chromium = await applied(screen)
    screen.visual = Visual(0, 0, 0, 0, 195, 422, 2.0)
    await emulation.apply_visual(cast(CDPSession, chromium), screen)
    await resized(emulation, chromium, screen, Viewport(390, 844))
    metrics = [p for m, p in chromium.calls if m == "Emulation.setDeviceMetricsOverride"]
    assert len(metrics) == 1 and "viewport" in metrics[0]  # The zoom's area, not Playwright's.


@in_thread
async def test_without_an_override_the_viewport_is_playwrights() -> None:
    screen = Screen(Viewport(1280, 800))
    emulation, chromium = await applied(screen)
    await resized(emulation, chromium, screen, Viewport(1024, 700))
    playwrights = {"width": 1024, "height": 700, "deviceScaleFactor": 1}
    assert chromium.calls == [("Emulation.setDeviceMetricsOverride", playwrights)]
