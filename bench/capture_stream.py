"""A recorded capture stream: the rrweb events a real customer's page (the shop checkout with the
probe square) sent once the agent joined, kept in ``bench/fixtures/`` so that many customers can
be replayed into the server without a browser each. ``python -m bench.record_stream`` records it.

The file holds the snapshot events (Meta, FullSnapshot and anything before the first change) and
one recorded change of the probe square, which :meth:`CaptureStream.change_event` re-colours.
The site's origin is stored as :data:`PLACEHOLDER_ORIGIN` and replaced by the live site's on load.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.probes import COLOURS
from mirror.render.rrweb import EventType, IncrementalSource

STREAM_FILE = Path(__file__).resolve().parent / "fixtures" / "checkout_stream.json"
PLACEHOLDER_ORIGIN = "http://shop.bench.invalid"
FORMAT = 1
HIDDEN_MASK = "••••••"  # What cobrowse.js sends for a hidden field's value.


class StreamError(ValueError):
    """The stream file is not one this benchmark can replay; the message says why."""


def css(colour: tuple[int, int, int]) -> str:
    """A colour as rrweb records a style change of it."""
    return "rgb({}, {}, {})".format(*colour)


def probe_style(event: dict[str, Any], node: int) -> dict[str, Any] | None:
    """The style change ``event`` records on ``node``, if it is a mutation of that node's style."""
    if (
        event.get("type") != EventType.INCREMENTAL_SNAPSHOT
        or event["data"].get("source") != IncrementalSource.MUTATION
    ):
        return None
    for change in event["data"].get("attributes", []):
        style = change.get("attributes", {}).get("style")
        if change.get("id") == node and isinstance(style, dict):
            return style
    return None


def field_values(node: dict[str, Any]) -> list[str]:
    """Every non-empty value of a text field in a serialised node tree (rrweb's snapshot)."""
    found = []
    attributes = node.get("attributes", {})
    kind = str(attributes.get("type", "text")).lower()
    if node.get("tagName") in ("input", "textarea", "select") and kind not in ("radio", "checkbox"):
        value = attributes.get("value")
        if value:
            found.append(str(value))
    for child in node.get("childNodes", []):
        found += field_values(child)
    return found


@dataclass(frozen=True)
class CaptureStream:
    """The recorded stream, ready to replay for a site at ``origin``."""

    page: str  # The page's path on the site, for the record
    viewport: dict[str, int]
    probe_node: int  # rrweb's id of the probe square
    snapshot: list[dict[str, Any]]
    change: dict[str, Any]  # One recorded colour change of the probe square

    @classmethod
    def load(cls, origin: str, path: Path = STREAM_FILE) -> CaptureStream:
        """Read ``path``, with the site's origin replaced by ``origin``."""
        text = path.read_text(encoding="utf-8").replace(PLACEHOLDER_ORIGIN, origin.rstrip("/"))
        raw = json.loads(text)
        if raw.get("format") != FORMAT:
            raise StreamError(f"{path}: format {raw.get('format')!r}, expected {FORMAT}")
        stream = cls(
            raw["page"], raw["viewport"], raw["probe_node"], raw["snapshot"], raw["change"]
        )
        if probe_style(stream.change, stream.probe_node) is None:
            raise StreamError(f"{path}: the change is not a style mutation of the probe square")
        return stream

    def snapshot_events(self, now_ms: float) -> list[dict[str, Any]]:
        """The snapshot events, stamped ``now_ms`` as the customer's page would stamp them."""
        events = copy.deepcopy(self.snapshot)
        for event in events:
            event["timestamp"] = round(now_ms)
        return events

    def change_event(self, colour: int, now_ms: float) -> dict[str, Any]:
        """The probe square turning ``COLOURS[colour]``, stamped ``now_ms``."""
        event = copy.deepcopy(self.change)
        style = probe_style(event, self.probe_node)
        assert style is not None  # Checked on load.
        style["background-color"] = css(COLOURS[colour])
        event["timestamp"] = round(now_ms)
        return event


def save(
    path: Path,
    page: str,
    viewport: dict[str, int],
    probe_node: int,
    snapshot: list[dict[str, Any]],
    change: dict[str, Any],
    origin: str,
) -> None:
    """Write the stream with ``origin`` replaced by the placeholder; refuses a stream holding a
    field's value (the fixture page is recorded untouched, so none should be there)."""
    values = [
        v
        for e in snapshot
        if e.get("type") == EventType.FULL_SNAPSHOT
        for v in field_values(e["data"]["node"])
    ]
    text = json.dumps(
        {
            "format": FORMAT,
            "page": page,
            "viewport": viewport,
            "probe_node": probe_node,
            "snapshot": snapshot,
            "change": change,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )
    if values or HIDDEN_MASK in text:
        raise StreamError(f"the recorded stream holds field values ({len(values)}): not saved")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(origin.rstrip("/"), PLACEHOLDER_ORIGIN) + "\n", encoding="utf-8")
