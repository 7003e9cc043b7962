"""Pure parts of reading the render pages' windows: the part of a drawn rectangle that is read,
and the X authority entry that lets only the server reach its X server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from Xlib.xauth import FamilyLocal, Xauthority

from mirror.render.window_reader import MERGED_RECTS, merged, overlap
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


def test_a_windows_rectangles_of_one_batch_are_each_read_once_and_none_inside_another() -> None:
    caret, line = (100, 200, 2, 18), (80, 195, 600, 30)
    assert merged([caret, line, caret]) == [line]
    assert merged([line, caret]) == [line]
    apart = [(0, 0, 10, 10), (500, 700, 10, 10)]
    assert merged(apart) == apart  # A few apart: read apart, not the page between them.


def test_many_rectangles_of_one_batch_are_read_as_their_bounding_box() -> None:
    cells = [(x * 20, 100 + x * 5, 10, 10) for x in range(MERGED_RECTS + 1)]
    assert merged(cells) == [(0, 100, MERGED_RECTS * 20 + 10, MERGED_RECTS * 5 + 10)]


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
