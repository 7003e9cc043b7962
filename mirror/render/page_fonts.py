"""A render page's fonts brought to the customer's: the page's own measured once it is loaded, then
each report of the customer's page (mirror/web/fonts.js, before each snapshot) answered with CDP's
generic font settings and faces of local fonts under the page's names (mirror/render/fonts.py)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import subprocess
from typing import Any

from playwright.async_api import CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from mirror.render.fonts import (
    CANDIDATES,
    FC_LIST_FORMAT,
    GENERICS,
    Face,
    FontChoice,
    LocalFonts,
    choose,
    installed_faces,
    named_fonts,
)

log = logging.getLogger("cobrowse.render")

SYSTEM_UI_FACE = "cobrowse-system-ui"  # The face system-ui is renamed to in the render page


@functools.cache
def local_faces() -> dict[str, list[Face]]:
    """The candidates' faces on this machine (fontconfig's list); none without fontconfig."""
    try:
        listing = subprocess.run(
            ["fc-list", "--format", FC_LIST_FORMAT],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        log.warning("fc-list failed: fonts the customer's page names are not mapped")
        return {}
    return installed_faces(listing)


def faces_for(choice: FontChoice, faces: dict[str, list[Face]]) -> dict[str, Any]:
    """What the render page's FontAliases takes (mirror/web/render/fonts.js)."""
    wanted = dict(choice.aliases)
    if choice.system_ui:
        wanted[SYSTEM_UI_FACE] = choice.system_ui
    families = {
        name: [list(face) for face in faces.get(local, [])] for name, local in wanted.items()
    }
    shown = bool(choice.system_ui and faces.get(choice.system_ui))
    return {"families": families, "system_ui": SYSTEM_UI_FACE if shown else None}


class PageFonts:
    """One render page's fonts."""

    def __init__(self) -> None:
        self._local = LocalFonts({}, {})
        self._faces: dict[str, list[Face]] = {}

    async def measure(self, page: Page) -> None:
        """This page's own fonts, once it is loaded."""
        self._faces = await asyncio.to_thread(local_faces)
        generics = await page.evaluate("f => window.cobrowseRender.fontMetrics(f)", GENERICS)
        named = await page.evaluate(
            "n => window.cobrowseRender.namedFontMetrics(n)", list(CANDIDATES)
        )
        self._local = LocalFonts.measured(json.loads(generics), json.loads(named))

    async def told(
        self, page: Page, cdp: CDPSession | None, reported: Any, logger: logging.LoggerAdapter[Any]
    ) -> None:
        """The customer's report: figures that only choose among the server's own fonts."""
        if cdp is None:
            return
        with contextlib.suppress(PlaywrightError):  # The page may be closing.
            names = named_fonts(reported)
            here = await page.evaluate("n => window.cobrowseRender.namedFontMetrics(n)", names)
            choice = choose(reported, self._local, json.loads(here))
            if choice.families:
                await cdp.send("Page.setFontFamilies", {"fontFamilies": choice.families})
            if choice.sizes:
                await cdp.send("Page.setFontSizes", {"fontSizes": choice.sizes})
            aliases = faces_for(choice, self._faces)
            await page.evaluate("c => window.cobrowseRender.aliasFonts(c)", aliases)
            _log(logger, reported, choice)


def _log(logger: logging.LoggerAdapter[Any], reported: Any, choice: FontChoice) -> None:
    platform = reported.get("platform") if isinstance(reported, dict) else None
    shown = platform[:40] if isinstance(platform, str) else "unknown"
    logger.info(
        "the customer's platform is %r; fonts %s, sizes %s, names %s, system-ui %s",
        shown,
        choice.families,
        choice.sizes,
        choice.aliases,
        choice.system_ui,
    )
