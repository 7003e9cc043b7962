"""The session's :class:`Screen` applied to a render page's Chromium: its viewport, colour scheme
and device pixel ratio, and the screencast (re)started at the frame size they call for. What was
last applied is kept, so that only a change reaches Chromium.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import CDPSession, Page

from mirror.frames.frame import JPEG_QUALITY
from mirror.render.load import CaptureLoad
from mirror.render.screen import Screen
from mirror.render.window_frames import WindowFrames
from mirror.wire import MAX_VIEWPORT_AREA, Viewport


class Emulation:
    """What a render page's Chromium was last told of the customer's screen."""

    def __init__(self, load: CaptureLoad) -> None:
        self.applied = Screen()  # The page is created at this screen's viewport.
        self.metrics_overridden = False  # The device pixel ratio is emulated through CDP.
        self.page_scale = 1.0  # The page's own scale, the customer's zoom (_apply_page_scale).
        self.capturing = True  # Screencasting, unless nobody sees the view (see capture).
        self._scheme_emulated = False
        self._load = load
        self.scale = 1.0  # The capture scale the screencast was last started at.
        # The page's window, when frames are read from it instead of a screencast.
        self.window: WindowFrames | None = None

    @property
    def rescaled(self) -> bool:
        """Whether the screencast runs at another scale than the machine's load calls for."""
        return self.capturing and self.scale != self._load.scale

    def shows(self, viewport: Viewport) -> bool:
        return viewport == self.applied.viewport

    def shows_display_of(self, screen: Screen) -> bool:
        return screen.display == self.applied.display

    async def apply(self, page: Page, cdp: CDPSession, screen: Screen) -> None:
        """The whole screen, when a page is bound to its session."""
        await self.apply_viewport(page, screen)
        await self.apply_display(page, cdp, screen)
        if self.metrics_overridden:  # Frames at the viewport's size (see start_screencast).
            await self.start_screencast(cdp, screen, restart=True)

    async def apply_viewport(self, page: Page, screen: Screen) -> None:
        """The page at ``screen``'s viewport: through Playwright's own metrics until CDP's
        override is in force, which carries the size from then on (apply_resize). Playwright's
        would replace the override, at a pixel ratio of 1, until ours came again: a page drawn
        meanwhile could keep its text placed as at that ratio (seen half a pixel off, zoomed)."""
        viewport = screen.viewport
        if viewport != self.applied.viewport:
            self.applied.viewport = viewport
            if not self.metrics_overridden:
                await page.set_viewport_size({"width": viewport.width, "height": viewport.height})
            if self.window is not None:
                await self.window.resize(viewport)

    async def apply_resize(self, page: Page, cdp: CDPSession | None, screen: Screen) -> None:
        """The screen's new viewport, in CDP's override with the pixel ratio and visible area
        while one is in force, and frames at the new size."""
        await self.apply_viewport(page, screen)
        if self.metrics_overridden:
            assert cdp is not None  # Only CDP overrides the metrics.
            await self._apply_metrics(cdp, screen)
            await self.start_screencast(cdp, screen, restart=True)

    async def apply_display(self, page: Page, cdp: CDPSession, screen: Screen) -> None:
        self.applied.display = screen.display
        if screen.display.color_scheme != "light" or self._scheme_emulated:  # Light by default.
            self._scheme_emulated = True
            await page.emulate_media(color_scheme=screen.display.color_scheme)
        await self._apply_metrics(cdp, screen)

    async def apply_visual(self, cdp: CDPSession | None, screen: Screen) -> None:
        """The part of the page the customer sees (a phone, a pinch zoom) changed."""
        if cdp is None:
            return  # Applied with the rest when the page is bound (apply).
        await self._apply_metrics(cdp, screen)
        await self.start_screencast(cdp, screen, restart=True)

    async def _apply_metrics(self, cdp: CDPSession, screen: Screen) -> None:
        """The customer's device pixel ratio, for `resolution` media queries and srcset, and
        the part of the page they see: CDP's visible-area override shows Chromium's frames of
        that part at that scale, which the page does not observe (its layout and scroll stay
        the customer's). The frames stay one pixel per CSS pixel of the customer's screen (see
        start_screencast)."""
        viewport, visual = screen.viewport, screen.visual
        # Within the viewport's area budget in device pixels too, however dense the screen.
        fits = (MAX_VIEWPORT_AREA / (viewport.width * viewport.height)) ** 0.5
        ratio = min(screen.display.pixel_ratio, max(1.0, fits))
        self.applied.visual = visual
        if ratio == 1 and visual is None and not self.metrics_overridden:
            return
        self.metrics_overridden = ratio != 1 or visual is not None
        metrics: dict[str, Any] = {
            "width": viewport.width,
            "height": viewport.height,
            "deviceScaleFactor": ratio,
            "mobile": False,
        }
        if visual is not None:
            metrics["viewport"] = {
                "x": visual.page_left,
                "y": visual.page_top,
                "width": visual.width,
                "height": visual.height,
                # A window shows that part drawn at the pixel ratio (the screencast's frames are
                # scaled down instead: start_screencast): one pixel a CSS pixel either way.
                "scale": visual.scale / ratio if self.window is not None else visual.scale,
            }
        await cdp.send("Emulation.setDeviceMetricsOverride", metrics)
        await self._apply_page_scale(cdp, visual.scale if visual is not None else 1.0)

    async def _apply_page_scale(self, cdp: CDPSession, scale: float) -> None:
        """The customer's zoom as the render page's own page scale too: the override above
        divides it out again, so the frames are unchanged, but Chromium's compositor then sees
        each zoom as a page scale, drawn anew at it, rather than a change of the root's
        transform, after which it would keep drawing the page at the scale it first drew it
        (its text then a pixel off and less sharp)."""
        if scale != self.page_scale:
            self.page_scale = scale
            await cdp.send("Emulation.setPageScaleFactor", {"pageScaleFactor": scale})

    async def start_screencast(
        self, cdp: CDPSession, screen: Screen, restart: bool = False
    ) -> None:
        """Frames at the customer's screen's size in CSS pixels whatever the emulated pixel ratio
        and zoom: the view is one pixel per CSS pixel of the customer's screen (CDP
        Page.startScreencast's maxWidth/maxHeight scale a high-density frame down), or at the
        smaller scale the machine's load calls for (mirror/render/load.py)."""
        if self.window is not None:  # A window's frames are scaled as they are handed on.
            self.scale = self._load.scale
            return
        if not self.capturing:  # Started again when the agent looks (see capture).
            return
        if restart:
            await cdp.send("Page.stopScreencast")
        params: dict[str, Any] = {"format": "jpeg", "quality": JPEG_QUALITY, "everyNthFrame": 1}
        self.scale = scale = self._load.scale
        if self.metrics_overridden or scale != 1:
            view = screen.view_size
            width, height = max(1, round(view.width * scale)), max(1, round(view.height * scale))
            params.update(maxWidth=width, maxHeight=height)
        await cdp.send("Page.startScreencast", params)

    async def capture(self, cdp: CDPSession, screen: Screen, seen: bool) -> None:
        """Frames while the agent sees the view, none while nobody does: capture is the render
        page's largest cost. The first frame after the start shows the page as it is now."""
        if seen == self.capturing:
            return
        self.capturing = seen
        if self.window is not None:
            self.window.reading = seen
            if seen:
                self.window.read_all()
        elif seen:
            await self.start_screencast(cdp, screen)
        else:
            await cdp.send("Page.stopScreencast")
