"""What the customer's captured events say beyond the page's content: where the pointer is, and
each new page's path (never its query string or fragment) and title. Read once per batch by the
hub, for the agent's status strip and for the recording; events that are neither are skipped
unread."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import urlsplit

import msgspec

MOUSE_MOVE, TOUCH_MOVE = 1, 6  # rrweb's incremental sources with "positions".
INCREMENTAL, META = 3, 4  # rrweb's event types.
LARGEST = 4096  # A pointer or page event is small; a larger one is something else.
MAX_PATH, MAX_TITLE = 300, 200


class Page(NamedTuple):
    """A page the customer opened (rrweb's Meta event, which cobrowse.js gives its title)."""

    path: str
    title: str


class _Position(msgspec.Struct):
    x: float
    y: float


class _Data(msgspec.Struct):
    source: int | None = None
    positions: list[_Position] | None = None
    href: str | None = None
    title: str | None = None


class _Event(msgspec.Struct):
    type: int
    data: _Data


_decoder = msgspec.json.Decoder(_Event)


def customer_marks(batch: list[bytes]) -> Iterator[tuple[float, float] | Page]:
    """Each pointer position ``(x, y)`` (CSS pixels of the customer's viewport) and each new
    page in ``batch``, in order."""
    for raw in batch:
        if len(raw) > LARGEST or (b'"positions"' not in raw and b'"href"' not in raw):
            continue
        try:
            event = _decoder.decode(raw)
        except msgspec.DecodeError:
            continue
        data = event.data
        if event.type == META and data.href:
            path = urlsplit(data.href).path or "/"
            yield Page(path[:MAX_PATH], " ".join((data.title or "").split())[:MAX_TITLE])
        elif event.type == INCREMENTAL and data.source in (MOUSE_MOVE, TOUCH_MOVE):
            for position in (data.positions or [])[-1:]:  # The newest is enough.
                yield position.x, position.y
