"""The event track of a recording as a soft subtitle stream (MP4's mov_text, WebM's WebVTT):
each event a line in words, a burst of them stacked so that it stays readable."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from av.container import OutputContainer
from av.subtitles.stream import SubtitleStream
from av.subtitles.subtitle import SubtitleSet

CUE_S = 3.0  # An event's line stays on screen this long (or until it is pushed out).
MAX_LINES = 3  # Lines on screen at once; a burst of events pushes the oldest out.
TIME_BASE = Fraction(1, 1000)  # Milliseconds: record times are rounded to them.

# FFmpeg's text subtitle encoders read each cue as an ASS dialogue line, and refuse to open
# without the ASS header that a decoder would have given them.
ASS_HEADER = b"""[Script Info]
ScriptType: v4.00+
PlayResX: 384
PlayResY: 288

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, \
Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, \
Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""


def subtitle_stream(container: OutputContainer, codec: str) -> SubtitleStream:
    """A text subtitle stream (``mov_text`` or ``webvtt``) in milliseconds."""
    stream = container.add_stream(codec)
    assert isinstance(stream, SubtitleStream)
    stream.time_base = stream.codec_context.time_base = TIME_BASE
    stream.codec_context.subtitle_header = ASS_HEADER
    return stream


def cue_text(event: dict[str, Any]) -> str | None:
    """An event in words, or None for the events the subtitles leave out (pointer moves)."""
    kind = str(event.get("type", "event"))
    if kind == "pointer":
        return None
    if kind == "action":
        words = f"agent {event.get('action')}: {event.get('result')}"
        if event.get("reason"):
            words += f" ({_spaced(event['reason'])})"
    elif kind == "chat":
        sender = event.get("sender") or "?"
        words = f"chat, {sender}: {' '.join(str(event.get('text', '')).split())}"
    elif kind == "gap":
        words = f"recording gap {float(event['from']):.1f}-{float(event['to']):.1f} s"
    else:
        words = {
            "started": "recording started",
            "taken_over": "session taken over by another server",
            "view": f"view {event.get('width')}x{event.get('height')}",
            "joined": "agent joined",
            "page": f"page {event.get('path')}",
            "agent_left": "agent left",
            "agent_returned": "agent returned",
            "watcher_joined": f"{event.get('name')} watching",
            "watcher_left": f"{event.get('name')} stopped watching",
            "handed_over": f"handed over to {event.get('name')}",
            "ended": f"ended: {event.get('reason')}",
        }.get(kind, _spaced(kind))
    return words


def _spaced(value: Any) -> str:
    return str(value).replace("_", " ")


class Cues:
    """The event track as subtitles. Each event starts a new cue showing it below the events
    of the last CUE_S seconds (at most MAX_LINES), so a burst of events stays readable."""

    def __init__(self, container: OutputContainer, stream: SubtitleStream, webvtt: bool) -> None:
        self.container, self.stream, self.webvtt = container, stream, webvtt
        self.lines: list[tuple[float, float, str]] = []  # (from, until, text) on screen.
        self.shown_from = 0.0  # When the cue now on screen began.
        self.count = 0
        self.last_end = 0.0  # When the last cue ends.
        self._order = 0  # The ASS dialogue's ReadOrder field.

    def add(self, t: float, text: str, until: float | None = None) -> None:
        t = max(t, self.shown_from)  # Cues go in time order.
        self._expire(t)
        self._emit(t)
        until = t + CUE_S if until is None else until
        self.lines = [*self.lines, (t, until, text)][-MAX_LINES:]
        self.shown_from = t
        self.count += 1

    def close(self) -> None:
        self._expire(math.inf)

    def _expire(self, now: float) -> None:
        """Close the cue on screen at each line's end before ``now``, its other lines going on."""
        while self.lines:
            ending = min(self.lines, key=lambda line: line[1])
            if ending[1] > now:
                return
            self._emit(ending[1])
            self.lines.remove(ending)
            self.shown_from = ending[1]

    def _emit(self, end: float) -> None:
        """The cue on screen, from ``shown_from`` to ``end``, as a packet (none if empty)."""
        start = ms(self.shown_from)
        if not self.lines or ms(end) <= start:
            return
        text = "\\N".join(self._escaped(line[2]) for line in self.lines)
        dialogue = f"{self._order},0,Default,,0,0,0,,{text}".encode()
        self._order += 1
        self.last_end = end
        cue = SubtitleSet.create(dialogue, 0, ms(end) - start, start)
        packet = self.stream.codec_context.encode_subtitle(cue)
        packet.stream, packet.time_base = self.stream, TIME_BASE
        self.container.mux(packet)

    def _escaped(self, text: str) -> str:
        """Text the encoders take as text: ASS reads ``{\\`` as styling and ``\\N`` as a line
        break (a zero-width space on each side of a backslash breaks both), and WebVTT reads
        ``<`` and ``&`` as markup (FFmpeg's encoder writes the text as it is)."""
        text = text.replace("\\", "\u200b\\\u200b")
        if self.webvtt:
            text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return text


def ms(t: float) -> int:
    """Seconds as whole milliseconds of TIME_BASE."""
    return round(t * 1000)
