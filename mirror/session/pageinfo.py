"""Which page the customer is on, for the agent's status strip: from each new page's first
event (rrweb's Meta, which cobrowse.js gives the page's title), its path without the query
string or fragment, and its title, both bounded."""

from __future__ import annotations

from urllib.parse import urlsplit

import msgspec

from mirror.session.messages import PageShown

META = 4  # rrweb's event type.
LARGEST = 4096  # A Meta event is small; a larger event is something else.
MAX_PATH, MAX_TITLE = 300, 200


class _Data(msgspec.Struct):
    href: str | None = None
    title: str | None = None


class _Event(msgspec.Struct):
    type: int
    data: _Data


_decoder = msgspec.json.Decoder(_Event)


def page_shown(batch: list[bytes]) -> PageShown | None:
    """The page the last Meta event of ``batch`` describes, or None when it has none."""
    shown = None
    for raw in batch:
        if len(raw) > LARGEST or b'"href"' not in raw:
            continue
        try:
            event = _decoder.decode(raw)
        except msgspec.DecodeError:
            continue
        if event.type == META and event.data.href:
            path = urlsplit(event.data.href).path or "/"
            title = " ".join((event.data.title or "").split())
            shown = PageShown(path=path[:MAX_PATH], title=title[:MAX_TITLE])
    return shown
