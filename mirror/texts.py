"""The customer's widget texts: the languages shipped (``web/embed/texts.json``, which the widget
bundles too) and the server's ``[texts]``, checked at start-up and put into ``cobrowse.js`` as it
is served.

``[texts]`` sets a text for every language (``question = "..."``) or for one
(``[texts.de] question = "..."``); the keys are texts.json's."""

from __future__ import annotations

import json
from functools import cache

from mirror.assets import package_file

Texts = dict[str, str | dict[str, str]]
# The literal texts.js reads the server's texts from, as a JSON string.
PLACEHOLDER = b'"__COBROWSE_SERVER_TEXTS__"'


@cache
def shipped() -> dict[str, dict[str, str]]:
    """Each shipped language's texts, by language code."""
    loaded: dict[str, dict[str, str]] = json.loads(package_file("web/embed/texts.json"))
    return loaded


def text_errors(texts: Texts) -> list[str]:
    """What is wrong with a ``[texts]`` table, each naming its key; empty when nothing is."""
    languages = shipped()
    keys = languages["en"].keys()
    errors = []
    for key, value in texts.items():
        if isinstance(value, dict):
            if key not in languages:
                errors.append(f"texts.{key}: not a language (one of {', '.join(languages)})")
            errors += [f"texts.{key}.{k}: no such text" for k in value if k not in keys]
        elif key not in keys:
            errors.append(f"texts.{key}: no such text (the keys are {', '.join(keys)})")
    return errors


@cache
def _with_texts(bundle: bytes, encoded: bytes) -> bytes:
    return bundle.replace(PLACEHOLDER, encoded, 1)


def with_texts(bundle: bytes, texts: Texts) -> bytes:
    """The embed script ``bundle`` carrying ``texts`` (a JSON string where texts.js reads it)."""
    if not texts:
        return bundle
    return _with_texts(bundle, json.dumps(json.dumps(texts, sort_keys=True)).encode())
