"""The recording's event track in words (the subtitles of an exported video)."""

from __future__ import annotations

import pytest

from mirror.recording.subtitles import cue_text


@pytest.mark.parametrize(
    ("event", "words"),
    [
        ({"type": "pointer", "x": 1, "y": 2}, None),
        ({"type": "joined"}, "agent joined"),
        ({"type": "watcher_joined", "name": "Dana"}, "Dana watching"),
        ({"type": "handed_over", "name": "Dana"}, "handed over to Dana"),
        ({"type": "watcher_left", "name": "Dana"}, "Dana stopped watching"),
        ({"type": "something_new"}, "something new"),
    ],
)
def test_each_event_in_words(event: dict[str, object], words: str | None) -> None:
    assert cue_text(event) == words
