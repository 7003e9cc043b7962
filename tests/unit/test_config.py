"""Configuration: defaults, and clear errors that name the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.config import Config, load_config, normalise_origin, parse_config
from mirror.errors import ConfigError


def test_every_key_has_the_contract_default() -> None:
    config = load_config(None)
    assert config == Config()
    assert config.server.allowed_origins == [] and config.server.agent_keys == []
    assert config.session.inactivity_timeout_s == 600
    assert config.session.agent_reconnect_grace_s == 30
    assert config.session.customer_reconnect_grace_s == 30
    assert config.masking.hidden == ["input[type=password]", "[autocomplete^='cc-']"]
    assert config.masking.agent_can_submit is False
    assert config.chat.send_session_id == "auto"
    assert config.capture.canvas_fps == 10 and config.capture.canvas_quality == 0.8
    assert config.capture.canvas_bytes_per_s == 1_000_000
    assert config.capture.max_nodes == 100_000 and config.capture.iframe_load_timeout_s == 5


def test_a_full_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[server]\nallowed_origins = ["https://Shop.example:443/"]\n'
        "[session]\ninactivity_timeout_s = 5\n"
        '[masking]\nreadonly = ["#email"]\n'
        '[chat]\nsend_session_id = "manual"\n'
        "[capture]\ncanvas_fps = 2\nmax_nodes = 5000\n"
    )
    config = load_config(path)
    assert config.session.inactivity_timeout_s == 5.0
    assert config.masking.readonly == ["#email"]
    assert config.chat.send_session_id == "manual"
    assert config.capture.canvas_fps == 2.0 and config.capture.max_nodes == 5000


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("[server]\nallowed_origin = []", ["allowed_origin", "$.server"]),
        ("[sesion]\n", ["sesion"]),
        ('[session]\ninactivity_timeout_s = "ten"', ["$.session.inactivity_timeout_s"]),
        ('[chat]\nsend_session_id = "sometimes"', ["$.chat.send_session_id"]),
        ('[server]\nallowed_origins = ["shop.example"]', ["server.allowed_origins"]),
        ("[server\n", ["not valid TOML"]),
        ("[capture]\ncanvas_fps = 0", ["$.capture.canvas_fps"]),
        ("[capture]\ncanvas_quality = 1.5", ["$.capture.canvas_quality"]),
        ("[capture]\nsnapshot_rate = 1", ["snapshot_rate", "$.capture"]),
    ],
)
def test_a_bad_file_names_the_key_and_the_file(text: str, names: list[str]) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(text, "site.toml")
    message = str(raised.value)
    assert message.startswith("site.toml: ")
    for name in names:
        assert name in message


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("https://Shop.example", "https://shop.example"),
        ("https://shop.example:443/", "https://shop.example"),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
        ("ftp://shop.example", None),
        ("https://shop.example/path", None),
        ("shop.example", None),
        ("https://" + "a." * 123 + "example", "https://" + "a." * 123 + "example"),  # 253 long.
        ("https://" + "a" * 300 + ".example", None),  # Longer than any DNS name: forged.
    ],
)
def test_origins_are_normalised(raw: str, origin: str | None) -> None:
    assert normalise_origin(raw) == origin
