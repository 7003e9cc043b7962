"""The widget's texts: every shipped language says every text, [texts] is checked key by key,
and the server's texts reach the one place of the bundle that reads them."""

from __future__ import annotations

import json
import re

import pytest

from mirror.assets import package_file
from mirror.config import parse_config
from mirror.errors import ConfigError
from mirror.texts import PLACEHOLDER, shipped, text_errors, with_texts


def test_every_language_says_every_text_and_keeps_the_count_placeholder() -> None:
    languages = shipped()
    assert sorted(languages) == ["de", "en", "es", "fr"]
    for lang, texts in languages.items():
        assert texts.keys() == languages["en"].keys(), lang
        assert all(value.strip() for value in texts.values()), lang
        assert "{n}" in texts["legendMany"], lang


def test_the_contracts_english_names_are_the_defaults() -> None:
    english = shipped()["en"]
    assert (english["cobrowse"], english["yes"], english["no"]) == ("Co-browse", "Yes", "No")
    assert english["exit"] == "Exit co-browse session"
    assert "established" in english["established"] and "ended" in english["ended"]
    assert "busy" in english["busy"] and "recorded" in english["recorded"]


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ('[texts]\nquestoin = "?"', "texts.questoin: no such text"),
        ('[texts.xx]\nyes = "a"', "texts.xx: not a language"),
        ('[texts.de]\nyess = "a"', "texts.de.yess: no such text"),
    ],
)
def test_a_wrong_text_key_stops_start_up_naming_it(toml: str, named: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(named)):
        parse_config(toml, "c.toml")


def test_texts_for_all_and_for_one_language_are_accepted() -> None:
    config = parse_config('[texts]\nquestion = "Q?"\n[texts.fr]\nyes = "Oui !"')
    assert config.texts == {"question": "Q?", "fr": {"yes": "Oui !"}}
    assert text_errors(config.texts) == []


def test_the_bundle_carries_the_servers_texts_as_a_json_string() -> None:
    bundle = package_file("static/cobrowse.js")
    assert bundle.count(PLACEHOLDER) == 1
    texts = {"question": 'Say "hi" </script> \u2028'}
    served = with_texts(bundle, texts)
    literal = re.search(rb'="(\{\\"question.*?)";', served)
    assert literal is not None
    assert json.loads(json.loads(b'"' + literal[1] + b'"')) == texts
    assert with_texts(bundle, {}) is bundle
