"""The export of a recording as video: synthetic chunks in, the MP4 or WebM decoded back with
PyAV, its pictures and subtitles checked against what the records say the agent was shown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import simplejpeg

from mirror.frames.frame import Frame
from mirror.frames.patches import patch_message
from mirror.recording.chunks import Chunk, Kind, Record, decode_chunk, encode_chunk
from mirror.recording.export import ExportFigures, export_video
from tests.videos import cues

GREY, RED, BLUE, GREEN = (128, 128, 128), (230, 20, 20), (20, 20, 230), (20, 200, 20)
SQUARE = (64, 64, 32, 32)  # The patch's rectangle: x, y, width, height (on the tile grid).
FORMATS = ["mp4", "webm"]


def picture(width: int, height: int, colour: tuple[int, int, int]) -> np.ndarray:
    """RGBX pixels of one colour (the layout of mirror.frames.frame.Frame)."""
    pixels = np.full((height, width, 4), 255, np.uint8)
    pixels[..., :3] = colour
    return pixels


def whole(pixels: np.ndarray, t: float, kind: Kind = Kind.FRAME) -> Record:
    jpeg = simplejpeg.encode_jpeg(pixels, 90, colorspace="RGBX", colorsubsampling="420")
    return Record(kind, t, bytes(jpeg))


def red_square_patch(t: float) -> Record:
    """The patch the server sends when a red square appears on the grey picture."""
    after = picture(320, 240, GREY)
    x, y, w, h = SQUARE
    after[y : y + h, x : x + w, :3] = RED
    return Record(Kind.FRAME, t, patch_message(Frame(after, None), [SQUARE]))


def event(t: float, kind: str, **fields: Any) -> Record:
    return Record(Kind.EVENT, t, json.dumps({"type": kind, **fields}).encode())


def chunk(n: int, t0: float, records: list[Record]) -> Chunk:
    """Through the chunk format and back, as export gets chunks from a store."""
    return decode_chunk(encode_chunk("rec", n, "prev", t0, records))


def session() -> list[Chunk]:
    """Grey, a red square patched in at 1.01 s, a larger blue picture at 4.02 s (the viewport
    grew), a smaller green one at 4.5 s; the agent's pointer, an action, a chat line, a page.
    Times off a grid of 1/24 s or 1/10 s, so that a coarse time base would show."""
    first = [
        event(0.0, "started"),
        event(0.0, "view", width=320, height=240),
        whole(picture(320, 240, GREY), 0.0),
        event(0.2, "joined"),
        event(0.53, "pointer", side="agent", x=200, y=200),
        red_square_patch(1.01),
        event(1.2, "action", action="click", result="refused", reason="masked"),
        event(2.0, "chat", sender="customer", text="hello"),
    ]
    second = [
        event(3.0, "page", path="/checkout/"),
        event(3.47, "pointer", side="customer", x=10, y=10),
        whole(picture(400, 300, BLUE), 4.02),
        whole(picture(200, 150, GREEN), 4.5),
        event(5.0, "ended", reason="customer_exit"),
    ]
    return [chunk(0, 0.0, first), chunk(1, 3.0, second)]


def video_frames(path: Path) -> list[tuple[float, np.ndarray]]:
    """Each frame's time (s) and RGB pixels."""
    with av.open(str(path)) as container:
        return [
            (float(frame.time or 0.0), frame.to_ndarray(format="rgb24"))
            for frame in container.decode(video=0)
        ]


def shown_at(frames: list[tuple[float, np.ndarray]], t: float) -> np.ndarray:
    """The picture on screen at ``t``: the last frame whose time is not after it."""
    return [pixels for time, pixels in frames if time <= t][-1]


def near(pixel: np.ndarray, colour: tuple[int, int, int]) -> bool:
    return bool(np.abs(pixel.astype(int) - colour).max() < 40)


def orange(pixel: np.ndarray) -> bool:
    """The agent's marker (VP9 at a low rate shifts a small marker's colour a little)."""
    red, green, blue = pixel.astype(int)
    return bool(red > 180 and 60 < green < 170 and blue < 60)


@pytest.fixture(params=FORMATS)
def exported(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, ExportFigures]:
    out = tmp_path / f"session.{request.param}"
    return out, export_video(session(), out, duration=9.0)


def test_each_change_of_the_picture_is_a_frame_at_its_record_time(
    exported: tuple[Path, ExportFigures],
) -> None:
    out, figures = exported
    times = [time for time, _ in video_frames(out)]
    # Picture changes at 0, 0.53 (pointer), 1.01, 3.47 (pointer), 4.02, 4.5, 5.0 (pointers
    # go), and the last picture again at 9.0, the recording's end.
    expected = [0.0, 0.53, 1.01, 3.47, 4.02, 4.5, 5.0, 9.0]
    assert times == pytest.approx(expected, abs=0.005)
    assert figures.frames == len(expected)
    assert figures.seconds == pytest.approx(9.0)


def test_the_last_picture_is_held_while_the_last_event_is_shown(tmp_path: Path) -> None:
    records = [whole(picture(64, 64, GREY), 0.0), event(5.0, "ended", reason="agent_exit")]
    out = tmp_path / "end.mp4"
    figures = export_video([chunk(0, 0.0, records)], out, duration=5.0)
    times = [time for time, _ in video_frames(out)]
    assert times == pytest.approx([0.0, 8.0], abs=0.005)  # "ended" at 5.0, shown for 3 s.
    assert figures.seconds == pytest.approx(8.0)


def test_the_patch_shows_from_its_time_and_not_before(exported: tuple[Path, ExportFigures]) -> None:
    frames = video_frames(exported[0])
    x, y, w, h = SQUARE
    centre = (y + h // 2, x + w // 2)
    assert near(shown_at(frames, 1.0)[centre], GREY)
    assert near(shown_at(frames, 1.01)[centre], RED)
    assert near(shown_at(frames, 4.0)[centre], RED)
    assert near(shown_at(frames, 0.9)[y - 8, x - 8], GREY)  # Outside the square: untouched.


def test_size_changes_draw_at_the_top_left_of_the_largest_canvas(
    exported: tuple[Path, ExportFigures],
) -> None:
    frames = video_frames(exported[0])
    assert frames[0][1].shape == (300, 400, 3)  # The largest picture's size.
    assert near(shown_at(frames, 0.9)[260, 360], (0, 0, 0))  # Outside the 320x240 picture.
    assert near(shown_at(frames, 4.2)[260, 360], BLUE)
    assert near(shown_at(frames, 4.7)[100, 100], GREEN)
    assert near(shown_at(frames, 4.7)[260, 360], (0, 0, 0))  # The blue picture went.


def test_the_agents_pointer_is_drawn_and_goes_at_the_end(
    exported: tuple[Path, ExportFigures],
) -> None:
    frames = video_frames(exported[0])
    assert near(shown_at(frames, 0.52)[200, 200], GREY)
    assert orange(shown_at(frames, 0.53)[200, 200])
    assert orange(shown_at(frames, 4.7)[200, 200])  # Over the black outside the picture.
    assert near(shown_at(frames, 5.5)[200, 200], (0, 0, 0))


def test_events_are_subtitles_at_their_times(exported: tuple[Path, ExportFigures]) -> None:
    out, figures = exported
    found = cues(out)
    expected = {
        "agent click: refused (masked)": 1.2,
        "chat, customer: hello": 2.0,
        "page /checkout/": 3.0,
        "agent joined": 0.2,
        "ended: customer_exit": 5.0,
        "view 320x240": 0.0,
    }
    for text, t in expected.items():
        starts = [start for start, cue in found if text in cue]
        assert starts, f"no cue says {text!r}: {found}"
        assert min(starts) == pytest.approx(t, abs=0.01)
    assert not any("pointer" in cue for _, cue in found)
    assert figures.cues == 7  # Every event but the two pointer moves.


def test_a_chunk_list_with_a_hole_still_exports_and_says_so(tmp_path: Path) -> None:
    grey = whole(picture(161, 121, GREY), 6.0, Kind.KEYFRAME)  # Odd sizes: padded to even.
    chunks = [
        chunk(0, 0.0, [event(0.0, "started"), whole(picture(161, 121, BLUE), 0.1)]),
        chunk(2, 6.0, [grey, event(7.0, "ended", reason="agent_exit")]),
    ]
    out = tmp_path / "holed.mp4"
    figures = export_video(chunks, out)
    frames = video_frames(out)
    assert frames[0][1].shape == (122, 162, 3)
    assert near(shown_at(frames, 5.0)[60, 80], BLUE)
    assert near(shown_at(frames, 6.5)[60, 80], GREY)
    assert figures.seconds == pytest.approx(10.0)  # "ended" at 7.0 is shown for 3 s.
    assert any("chunks 1 missing" in cue for _, cue in cues(out))


def test_a_recording_gap_is_told_from_when_it_began(tmp_path: Path) -> None:
    chunks = [
        chunk(0, 0.0, [whole(picture(64, 64, GREY), 0.0)]),
        chunk(1, 20.0, [event(20.0, "gap", **{"from": 10.0, "to": 20.0})]),
    ]
    out = tmp_path / "gap.webm"
    export_video(chunks, out, duration=21.0)
    found = cues(out)
    assert found[0][0] == pytest.approx(10.0)
    assert "recording gap 10.0-20.0 s" in found[0][1]


def test_unreadable_records_are_skipped_and_counted(tmp_path: Path) -> None:
    records = [
        whole(picture(64, 64, GREY), 0.0),
        Record(Kind.FRAME, 1.0, b"P"),  # A patch cut short.
        Record(Kind.FRAME, 1.1, b"\xff\xd8 not a JPEG"),
        event(1.2, "gap"),  # Without its times.
        event(1.3, "pointer", side="agent"),  # Without its position.
    ]
    figures = export_video([chunk(0, 0.0, records)], tmp_path / "skip.mp4", duration=2.0)
    assert figures.skipped == 4
    assert figures.frames == 2  # The grey picture, and again at the end.


def subtitle_payloads(path: Path) -> list[str]:
    """The subtitle samples' bytes as stored, which players read (a decoder turns them into
    ASS lines with escapes of its own)."""
    with av.open(str(path)) as container:
        packets = container.demux(container.streams.subtitles[0])
        return [bytes(packet).decode(errors="replace") for packet in packets if packet.size]


@pytest.mark.parametrize(
    ("suffix", "stored"),
    [
        ("mp4", r"<b>a & b</b> {\i1}x\Ny"),  # mov_text is plain text.
        ("webm", r"&lt;b&gt;a &amp; b&lt;/b&gt; {\i1}x\Ny"),  # WebVTT: entities, shown as text.
    ],
)
def test_text_that_looks_like_markup_stays_text(tmp_path: Path, suffix: str, stored: str) -> None:
    out = tmp_path / f"chat.{suffix}"
    line = r"<b>a & b</b> {\i1}x\Ny"
    export_video([chunk(0, 0.0, [event(0.0, "chat", sender="agent", text=line)])], out)
    # Zero-width spaces beside a backslash keep it from starting ASS styling or a line break.
    payloads = [payload.replace("\u200b", "") for payload in subtitle_payloads(out)]
    assert any(f"chat, agent: {stored}" in payload for payload in payloads), payloads


def test_other_file_types_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.mp4 or \.webm"):
        export_video(session(), tmp_path / "session.avi")
    assert not list(tmp_path.iterdir())
