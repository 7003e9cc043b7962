"""Browser contexts for the benchmark's own pages (customers', agents', the baseline's), each
page in a context of its own so that no two share storage or a renderer's event loop."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import tempfile
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, Playwright

from bench.options import CUSTOMER_VIEWPORT
from mirror.render.browser import LEAN_ARGS, bundled_chromium, system_chromium

TIMEOUT_MS = 30_000


def _executable(playwright: Playwright) -> str | None:
    return bundled_chromium(playwright) or system_chromium(os.environ.get("CHROMIUM"))


async def launch(playwright: Playwright, cpus: set[int] | None = None) -> tuple[Browser, str]:
    """Playwright's own Chromium if installed, else the system's, with the server's flags (see
    LEAN_ARGS: without them each new context's hidden omnibox page competed with the server for
    CPU during the join it opened for); returns it with a line naming it for the report.
    ``cpus``: the browser and every process it starts run on those only (``taskset``)."""
    executable = _executable(playwright)
    if executable is None:
        raise RuntimeError("no Chromium found: install Playwright's or Debian's chromium")
    path = _pinned(executable, cpus) if cpus else executable
    browser = await playwright.chromium.launch(executable_path=path, args=LEAN_ARGS, headless=True)
    return browser, f"{executable} ({browser.version})"


def _pinned(executable: str, cpus: set[int]) -> str:
    """A script that runs ``executable`` on ``cpus`` only; its children inherit them."""
    taskset = shutil.which("taskset")
    if taskset is None:
        raise RuntimeError("taskset (util-linux) is needed to keep a browser on its own CPUs")
    script = Path(tempfile.mkdtemp(prefix="cobrowse-pinned-")) / "chromium"
    cores = ",".join(str(cpu) for cpu in sorted(cpus))
    command = shlex.join([taskset, "-c", cores, executable])
    script.write_text(f'#!/bin/sh\nexec {command} "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return str(script)


class Pages:
    """Pages opened with ``_page``, each in its own context; ``close`` closes them all."""

    def __init__(self, browser: Browser):
        self.browser = browser
        self._contexts: list[BrowserContext] = []

    async def _page(self, viewport: dict[str, int], bypass_csp: bool = False) -> Page:
        context = await self.browser.new_context(
            viewport=viewport,  # type: ignore[arg-type]
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(TIMEOUT_MS)
        self._contexts.append(context)
        return await context.new_page()

    async def _customer_page(self) -> Page:
        """A page for the customer, in a context that ignores the site's Content Security
        Policy: a page that does not embed cobrowse.js gets it (or rrweb, for the baseline)
        added, which the site's policy may forbid."""
        return await self._page(CUSTOMER_VIEWPORT, bypass_csp=True)

    async def close(self) -> None:
        for context in self._contexts:
            # Closing must not hide the run's own error.
            with contextlib.suppress(Exception):
                await context.close()
        self._contexts.clear()
