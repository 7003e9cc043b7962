"""Points pytest-playwright at the server's Chromium where Playwright's own is not installed.

Registered by :mod:`mirror.testing` after pytest-playwright, so this fixture receives and extends
pytest-playwright's own launch arguments; a user's conftest.py still overrides both.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Playwright

from mirror.browser import LAUNCH_ARGS, system_chromium


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], playwright: Playwright
) -> dict[str, Any]:
    args = dict(browser_type_launch_args)
    if "executable_path" in args or "channel" in args:
        return args
    if os.path.exists(playwright.chromium.executable_path):
        return args
    executable = system_chromium(os.environ.get("CHROMIUM"))
    if executable:
        args["executable_path"] = executable
        args["args"] = [*args.get("args", []), *LAUNCH_ARGS]
    return args
