"""Pure parts of reading the render pages' windows: the part of a drawn rectangle that is read,
and the X authority entry that lets only the server reach its X server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from Xlib.xauth import FamilyLocal, Xauthority

from mirror.render.window_reader import overlap
from mirror.render.windows import windowed
from mirror.render.xserver import COOKIE, authority_entry


def test_only_the_part_of_a_rectangle_inside_the_page_is_read() -> None:
    page = (0, 87, 1280, 800)
    assert overlap((0, 0, 1280, 887), page) == (0, 87, 1280, 800)
    assert overlap((600, 300, 40, 40), page) == (600, 300, 40, 40)
    assert overlap((1270, 880, 40, 40), page) == (1270, 880, 10, 7)


def test_a_rectangle_in_the_browsers_bar_or_beside_the_page_is_not_read() -> None:
    page = (0, 87, 1280, 800)
    assert overlap((45, 9, 22, 22), page) is None  # The bar's loading indicator.
    assert overlap((0, 0, 1280, 87), page) is None  # Touching is not overlapping.
    assert overlap((1280, 100, 30, 30), page) is None


def test_the_authority_entry_is_a_cookie_for_every_display_of_this_host(tmp_path: Path) -> None:
    cookie = bytes(range(16))
    path = tmp_path / "authority"
    path.write_bytes(authority_entry(cookie, host="mirror-7"))
    entries = Xauthority(str(path)).entries
    assert entries == [(FamilyLocal, b"mirror-7", b"", COOKIE, cookie)]
    # python-xlib picks it for any display number, as libXau does.
    assert Xauthority(str(path)).get_best_auth(FamilyLocal, b"mirror-7", 42) == (COOKIE, cookie)


def test_auto_takes_windows_only_where_they_can_give_the_frames(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    assert windowed("auto", 1.0)
    assert windowed("auto", 1.0, "/usr/lib/chromium/chromium")
    assert not windowed("auto", 0.5)  # Smaller frames: only the screencast scales them.
    assert not windowed("auto", 1.0, "/usr/lib/chromium/chromium-headless-shell")
    assert not windowed("screencast", 1.0)
    assert windowed("windows", 0.5)  # Asked for: the scale is the screencast's only.
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert not windowed("auto", 1.0)
