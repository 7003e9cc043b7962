"""The pytest plugin's plain decisions, without a browser: which Chromium pytest-playwright gets,
which agent key the plugin signs in with, how a value is looked for on the wire, how typing is
split, and where a failed test's evidence goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.config import parse_config
from mirror.render.browser import LAUNCH_ARGS, LEAN_ARGS
from mirror.testing.actions import runs
from mirror.testing.artifacts import folder_for_test
from mirror.testing.chromium import MISSING_EXECUTABLE, fallback_launch_options
from mirror.testing.server import agent_key_from, sharp_frames
from mirror.testing.session import needles
from mirror.testing.wire import Wire

MISSING = f"BrowserType.launch: {MISSING_EXECUTABLE} at /root/.cache/ms-playwright/x/chrome"
SYSTEM = "/usr/bin/chromium"


def test_a_missing_playwright_chromium_falls_back_to_the_systems() -> None:
    options = {"headless": True, "args": ["--lang=en"]}
    retry = fallback_launch_options(options, "chromium", MISSING, SYSTEM)
    assert retry is not None
    assert retry["executable_path"] == SYSTEM
    assert retry["headless"] is True
    assert retry["args"][0] == "--lang=en" and set(LEAN_ARGS) <= set(retry["args"])


@pytest.mark.parametrize(
    ("options", "browser", "error", "system"),
    [
        ({}, "firefox", MISSING, SYSTEM),  # Another browser: not ours to replace.
        ({"executable_path": "/opt/chrome"}, "chromium", MISSING, SYSTEM),  # The user's choice.
        ({"channel": "chrome"}, "chromium", MISSING, SYSTEM),
        ({}, "chromium", "Target page, context or browser has been closed", SYSTEM),
        ({}, "chromium", MISSING, None),  # Nothing to fall back to: Playwright's message stands.
    ],
)
def test_playwrights_own_choice_stands_when_a_fallback_cannot_help(
    options: dict[str, str], browser: str, error: str, system: str | None
) -> None:
    assert fallback_launch_options(options, browser, error, system) is None


def test_launch_args_already_given_are_not_repeated() -> None:
    retry = fallback_launch_options({"args": ["--no-sandbox"]}, "chromium", MISSING, SYSTEM)
    assert retry is not None and retry["args"].count("--no-sandbox") == 1


def test_the_users_own_disabled_features_are_kept() -> None:
    # Chromium keeps only the last --disable-features: ours must not replace the user's.
    given = ["--disable-features=Translate"]
    retry = fallback_launch_options({"args": given}, "chromium", MISSING, SYSTEM)
    assert retry is not None
    assert [a for a in retry["args"] if a.startswith("--disable-features=")] == given
    assert set(LAUNCH_ARGS) <= set(retry["args"])


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ('[server]\nagent_keys = ["first", "second"]\n', "first"),
        ("[server]\nagent_keys = []\n", None),
        ("[masking]\nreadonly = ['#city']\n", None),
        ("", None),
        ("not [valid toml", None),  # The server names the fault when it refuses to start.
        ("server = 3\n", None),
    ],
)
def test_the_agent_key_is_the_first_configured(config: str, key: str | None) -> None:
    assert agent_key_from(config) == key


def test_a_value_is_looked_for_raw_and_as_json_escapes_it() -> None:
    looked_for = needles('Zoë "Z"')
    assert 'Zoë "Z"'.encode() in looked_for
    assert b'Zo\\u00eb \\"Z\\"' in looked_for  # json.dumps with ensure_ascii
    assert 'Zoë \\"Z\\"'.encode() in looked_for  # JSON.stringify in the browser


def test_typing_is_split_into_keys_and_pasted_runs() -> None:
    assert runs("Zoë Smith\n") == [(True, "Zo"), (False, "ë"), (True, " Smith\n")]
    assert runs("名前") == [(False, "名前")]
    assert runs("") == []


def test_each_failed_test_gets_a_fresh_folder_named_after_it(tmp_path: Path) -> None:
    folder = folder_for_test(tmp_path, "tests/test_shop.py::test_pay[chromium]")
    assert folder == tmp_path / "tests-test_shop.py-test_pay-chromium"
    (folder / "old.png").write_bytes(b"from an earlier run")
    again = folder_for_test(tmp_path, "tests/test_shop.py::test_pay[chromium]")
    assert again == folder and not any(again.iterdir())


def test_an_action_is_answered_by_its_applied_or_by_the_customer_moving_to_another_page() -> None:
    wire = Wire()
    mark = wire.mark()
    wire.record('{"type": "click", "x": 1, "y": 2}', "agent", sent=True)
    assert not wire.all_answered_since(mark)
    wire.record('{"type": "pointer", "x": 1, "y": 2}', "agent", sent=True)  # Never answered.
    wire.record('{"type": "applied", "seq": 1}', "customer", sent=True)
    assert wire.all_answered_since(mark)

    followed = wire.mark()
    wire.record('{"type": "click", "x": 5, "y": 5}', "agent", sent=True)
    assert not wire.all_answered_since(followed)
    # The link was followed: the next page's hello got its session message, and the unloaded
    # page's answer never left it.
    wire.record('{"type": "session", "id": "123456789"}', "customer", sent=False)
    assert wire.all_answered_since(followed)
    assert wire.applied_since(followed) is None


def test_the_plugins_server_keeps_frames_sharp_unless_the_config_says_otherwise() -> None:
    kept = parse_config(sharp_frames('[server]\nagent_keys = ["k"]\n'))
    assert kept.frames.scale_when_behind == 1 and kept.server.agent_keys == ["k"]
    assert parse_config(sharp_frames("[frames]\nscale = 0.5\n")).frames.scale_when_behind == 0.5
    assert sharp_frames("[broken") == "[broken"
