"""Which Chromium the server runs its render pages in, without launching one: CHROMIUM, then
Playwright's own, then the system's headless shell, then the system's Chromium."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mirror.render import browser


def _executable(folder: Path, name: str) -> str:
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def _playwright(executable_path: str) -> Any:
    return SimpleNamespace(chromium=SimpleNamespace(executable_path=executable_path))


@pytest.fixture
def system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A system with both a headless shell and a Chromium, in place of the real paths."""
    found = {
        "shell": _executable(tmp_path, "chromium-headless-shell"),
        "chromium": _executable(tmp_path, "chromium"),
    }
    monkeypatch.setattr(browser, "HEADLESS_SHELLS", (found["shell"],))
    monkeypatch.setattr(browser, "SYSTEM_CHROMIUMS", (found["chromium"],))
    return found


def test_the_headless_shell_comes_before_the_systems_chromium(system: dict[str, str]) -> None:
    no_playwright_build = _playwright("/nonexistent/chrome")
    assert browser.server_chromium(no_playwright_build) == system["shell"]


def test_without_a_headless_shell_the_systems_chromium(
    system: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(browser, "HEADLESS_SHELLS", ("/nonexistent/chromium-headless-shell",))
    assert browser.server_chromium(_playwright("/nonexistent/chrome")) == system["chromium"]


def test_playwrights_own_build_comes_before_the_systems(
    system: dict[str, str], tmp_path: Path
) -> None:
    own = _executable(tmp_path, "chrome")
    assert browser.server_chromium(_playwright(own)) == own


def test_chromium_set_by_the_operator_comes_first(system: dict[str, str], tmp_path: Path) -> None:
    chosen = _executable(tmp_path, "my-chromium")
    own = _executable(tmp_path, "chrome")
    assert browser.server_chromium(_playwright(own), explicit=chosen) == chosen


def test_none_when_there_is_no_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "HEADLESS_SHELLS", ("/nonexistent/a",))
    monkeypatch.setattr(browser, "SYSTEM_CHROMIUMS", ("/nonexistent/b",))
    assert browser.server_chromium(_playwright("/nonexistent/chrome")) is None
