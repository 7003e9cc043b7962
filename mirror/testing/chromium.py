"""Points pytest-playwright at the server's Chromium where Playwright's own is not installed
(see :func:`fallback_launch_options`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, BrowserType
from playwright.sync_api import Error as PlaywrightError

from mirror.render.browser import LEAN_ARGS, system_chromium

T = TypeVar("T")
# What Playwright says when its own build of the browser is not installed.
MISSING_EXECUTABLE = "Executable doesn't exist"


def fallback_launch_options(
    options: dict[str, Any], browser_name: str, error: str, system: str | None
) -> dict[str, Any] | None:
    """Launch options for the system's Chromium after a failed launch, or None when a retry
    cannot help: another browser, an explicit executable or channel, another failure, or no
    system Chromium.

    Whether Playwright's own browser is there depends on the launch (a headless launch uses its
    separate headless shell), so rather than guess its paths this asks Playwright: the launch is
    tried as configured, and only when Playwright says its executable does not exist is it retried
    with the system's Chromium, the one the server falls back to (``CHROMIUM``, then
    ``/usr/bin/chromium``). Registered by :mod:`mirror.testing` after pytest-playwright, so its
    ``launch_browser`` wraps pytest-playwright's own; a user's conftest.py still overrides both.
    """
    if browser_name != "chromium" or MISSING_EXECUTABLE not in error or system is None:
        return None
    if options.get("executable_path") or options.get("channel"):
        return None
    given = list(options.get("args", []))
    return {**options, "executable_path": system, "args": given + _missing(LEAN_ARGS, given)}


def _missing(ours: list[str], given: list[str]) -> list[str]:
    """Our flags that ``given`` lacks. Chromium keeps only the last --disable-features, so ours
    (which spare each test's new context a hidden omnibox page) goes only where none is given."""
    disables = any(a.startswith("--disable-features=") for a in given)
    return [
        a for a in ours if a not in given and not (disables and a.startswith("--disable-features="))
    ]


def with_fallback(launch: Callable[..., T], options: dict[str, Any], browser_name: str) -> T:
    """``launch(**options)``, or, where Playwright's own browser is missing, the same launch of
    the system's Chromium (:func:`fallback_launch_options`)."""
    try:
        return launch(**options)
    except PlaywrightError as exc:
        system = system_chromium(os.environ.get("CHROMIUM"))
        retry = fallback_launch_options(options, browser_name, str(exc), system)
        if retry is None:
            raise
        return launch(**retry)


@pytest.fixture(scope="session")
def launch_browser(
    launch_browser: Callable[..., Browser],
    browser_type_launch_args: dict[str, Any],
    browser_type: BrowserType,
) -> Callable[..., Browser]:
    def launch(**kwargs: Any) -> Browser:
        options = {**browser_type_launch_args, **kwargs}
        return with_fallback(launch_browser, options, browser_type.name)

    return launch
