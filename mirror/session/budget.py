"""What one session may feed its render page: bytes of captured events per second, and the size of
the page it rebuilds, so a forged customer's page cannot keep Chromium busy or make it hold millions
of nodes. Pure logic with an injectable clock: the hub feeds, drops or ends as :class:`Feed` says.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from mirror.render.rrweb import EventType

# The largest message the customer's socket takes (a full snapshot of a large page): the byte
# budget lets one through at once, then refills at its rate.
MAX_BATCH_BYTES = 32 * 1024 * 1024


class Feed(enum.Enum):
    """What to do with one batch of the customer's events."""

    PASS = "pass"  # To the render page.
    HELD = "held"  # Dropped: a fresh snapshot was asked for and has not come yet.
    RESYNC = "resync"  # Dropped: the estimate passed the budget; ask for a fresh snapshot now.
    # Dropped: more bytes than the budget allows. The agent is told the view is partial, and a
    # fresh snapshot is asked for once the budget has refilled (refill_s).
    OVER_RATE = "over_rate"
    TOO_LARGE = "too_large"  # A snapshot larger than a render page may hold: the session ends.


class _Head(msgspec.Struct):
    type: int = 0


_head = msgspec.json.Decoder(_Head)


def _is_snapshot(event: bytes) -> bool:
    try:
        return _head.decode(event).type == EventType.FULL_SNAPSHOT
    except msgspec.DecodeError:
        return False  # The render page's player ignores what it cannot read.


@dataclass
class PageBudget:
    bytes_per_s: float
    max_nodes: int  # In the estimate's units: JSON objects.
    burst_bytes: float = MAX_BATCH_BYTES
    clock: Callable[[], float] = time.monotonic
    nodes: int = 0  # The estimate of what the render page holds now.
    awaiting_snapshot: bool = False
    _tokens: float = field(init=False)
    _at: float = field(init=False)

    def __post_init__(self) -> None:
        self._tokens, self._at = self.burst_bytes, self.clock()

    def admit(self, events: list[bytes]) -> Feed:
        """Whether a batch goes to the render page; counts it if so."""
        self._refill()
        snapshot = next((i for i in range(len(events) - 1, -1, -1) if _is_snapshot(events[i])), -1)
        if self.awaiting_snapshot and snapshot < 0:
            return Feed.HELD
        size = sum(len(event) for event in events)
        if size > self._tokens:
            self.awaiting_snapshot = True
            return Feed.OVER_RATE
        if snapshot >= 0:
            since = _objects(events[snapshot:])
            if since > self.max_nodes:
                return Feed.TOO_LARGE
            self.nodes, self.awaiting_snapshot = since, False
        else:
            added = _objects(events)
            if self.nodes + added > self.max_nodes:
                self.awaiting_snapshot = True
                return Feed.RESYNC
            self.nodes += added
        self._tokens -= size
        return Feed.PASS

    def refill_s(self) -> float:
        """Seconds until the byte budget is full again (a fresh snapshot of any size fits)."""
        self._refill()
        return (self.burst_bytes - self._tokens) / self.bytes_per_s

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(self.burst_bytes, self._tokens + (now - self._at) * self.bytes_per_s)
        self._at = now


def _objects(events: list[bytes]) -> int:
    """The page's size from its raw JSON, without parsing it: every node is a JSON object, and an
    object's opening brace cannot be hidden (escapes and spaces change how a key is written, never
    the structure), so braces bound the nodes from above. An element counts about twice (itself
    and its attributes), and events that add nothing (pointer moves, scrolls) count too: the
    estimate only grows until a fresh snapshot sets it to the page's size again."""
    return sum(event.count(b"{") for event in events)
