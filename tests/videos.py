"""Reading exported recordings back as a player would: their subtitle cues."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av


def cues(path: Path) -> list[tuple[float, str]]:
    """Each subtitle cue's start (s) and text, as a player would decode them."""
    found = []
    with av.open(str(path)) as container:
        stream = container.streams.subtitles[0]
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            for subtitle in stream.decode(packet):
                # The ASS line's text field as it is (``dialogue`` would strip "{...}").
                text = getattr(subtitle, "ass", b"").decode().split(",", 8)[-1]
                text = text.replace("\\N", "\n")  # ASS's line break.
                if text.strip():
                    found.append((float(packet.pts * Fraction(packet.time_base)), text))
    return found
