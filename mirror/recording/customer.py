"""What the recording keeps of the customer's captured events: where the pointer is, and the
path of each page the customer opens (never its query string, never any other content)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import msgspec

MOUSE_MOVE, TOUCH_MOVE = 1, 6  # rrweb's incremental sources with "positions".
INCREMENTAL, META = 3, 4  # rrweb's event types.
LARGEST = 4096  # A pointer or page event is small; a larger one is something else.


class _Position(msgspec.Struct):
    x: float
    y: float


class _Data(msgspec.Struct):
    source: int | None = None
    positions: list[_Position] | None = None
    href: str | None = None


class _Event(msgspec.Struct):
    type: int
    data: _Data


_decoder = msgspec.json.Decoder(_Event)


def customer_marks(batch: list[bytes]) -> Iterator[tuple[float, float] | str]:
    """Each pointer position ``(x, y)`` (CSS pixels of the customer's viewport) and each new
    page's path in ``batch``, in order. Events that are neither are skipped unread."""
    for raw in batch:
        if len(raw) > LARGEST or (b'"positions"' not in raw and b'"href"' not in raw):
            continue
        try:
            event = _decoder.decode(raw)
        except msgspec.DecodeError:
            continue
        data = event.data
        if event.type == META and data.href:
            yield urlsplit(data.href).path or "/"
        elif event.type == INCREMENTAL and data.source in (MOUSE_MOVE, TOUCH_MOVE):
            for position in (data.positions or [])[-1:]:  # The newest is enough.
                yield position.x, position.y
