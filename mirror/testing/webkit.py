"""A browser on Safari's engine for tests and the benchmark: WebKitGTK's MiniBrowser driven
through WebKitWebDriver (Selenium) on a virtual X display of its own (mirror/testing/xdisplay.py);
`make setup` installs all three from Debian and PyPI."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
from collections.abc import Iterator

from selenium import webdriver
from selenium.webdriver.remote.webdriver import WebDriver

MINIBROWSER = "/usr/lib/*/webkit2gtk-4.*/MiniBrowser"


def missing() -> str | None:
    """What this machine lacks to run a WebKit customer (`make setup` installs it), or None."""
    if not shutil.which("Xvfb"):
        return "Xvfb (Debian's xvfb)"
    if not shutil.which("WebKitWebDriver"):
        return "WebKitWebDriver (Debian's webkit2gtk-driver)"
    if not glob.glob(MINIBROWSER):
        return "WebKitGTK's MiniBrowser (Debian's libwebkit2gtk-4.1-0)"
    return None


@contextlib.contextmanager
def minibrowser(display: str, width: int, height: int) -> Iterator[WebDriver]:
    """MiniBrowser on ``display``, its window ``width`` x ``height``."""
    options = webdriver.WebKitGTKOptions()
    options.binary_location = sorted(glob.glob(MINIBROWSER))[-1]
    options.add_argument("--automation")
    service = webdriver.WebKitGTKService(
        executable_path=shutil.which("WebKitWebDriver"), env={**os.environ, "DISPLAY": display}
    )
    driver = webdriver.WebKitGTK(options=options, service=service)
    try:
        driver.set_window_size(width, height)
        yield driver
    finally:
        driver.quit()
