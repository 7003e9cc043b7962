"""The demo kiosk as a new user meets it, at the window sizes people have: the customer's shop on
the left, the agent's page on the right; once joined, the agent's view is whole in its pane and
nothing of the desk lies over it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, expect

from mirror.testing.kiosk import AGENT_FRAME, join_in_kiosk
from mirror.testing.processes import ChildProcess
from mirror.testing.server import free_port

TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("kiosk")
    args = ["demo", "--port", str(free_port()), "--db", f"sqlite:///{folder / 'demo.db'}"]
    with ChildProcess(args, log_file=folder / "demo.log") as demo:
        yield demo.url


def rect(locator: Locator) -> tuple[float, float, float, float]:
    box = locator.bounding_box()
    assert box is not None
    return box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("size", [(1280, 800), (1600, 900), (1920, 1080)])
def test_the_agents_view_is_whole_and_uncovered_at_every_window_size(
    browser: Browser, kiosk: str, size: tuple[int, int]
) -> None:
    page = browser.new_context(viewport={"width": size[0], "height": size[1]}).new_page()
    page.goto(kiosk)
    _, agent = join_in_kiosk(page, TIMEOUT_MS)
    view = agent.locator("[data-cobrowse-view]")
    expect(view).to_have_attribute("data-frames", re.compile(r"^[1-9]\d*$"), timeout=TIMEOUT_MS)
    pane = rect(page.locator(AGENT_FRAME))
    shown = rect(view)
    assert pane[0] <= shown[0] and shown[2] <= pane[2], (pane, shown)  # Its whole width.
    for part in ("#desk", "header"):
        for element in agent.locator(part).all():
            if element.is_visible():
                assert not overlap(shown, rect(element)), part
    page.context.close()
