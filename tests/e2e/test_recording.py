"""Recording in real Chromium: the customer is told before the ID is shown; what the agent was
shown and did is recorded, with no byte of a masked value in any stored object; the recordings
open only to supervisors' keys; verify names a changed chunk; a store that fails does not stop
the session, the agent is told, and the gap is marked; erasure removes every object."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from playwright.sync_api import Browser, Page, expect

from mirror.frames.redact import TOLERANCE
from mirror.testing import ActionRefused, Cobrowse, CobrowseSession
from mirror.testing.processes import ChildProcess
from mirror.testing.server import CobrowseServer, free_port, started_server
from mirror.testing.session import needles
from tests.conftest import TEST_CONFIG
from tests.sites import FIXTURES
from tests.videos import cues
from tests.waiting import wait_for

CARD = "4111111111111111"
PASSWORD = "hunter2-Recorded!"
AGENT_KEY = "agent-key-recordings-1b7"
SUPERVISOR_KEY = "supervisor-key-recordings-9c2"


@dataclass
class Recorded:
    server: CobrowseServer
    site: str
    store: Path


@contextmanager
def recording_server(folder: Path, more_config: str = "") -> Iterator[Recorded]:
    """A server recording every session to a store in ``folder``, and the sample site."""
    store, port = folder / "store", free_port()
    config = (
        f"""
[server]
allowed_origins = ["http://127.0.0.1:{port}"]
agent_keys = ["{AGENT_KEY}"]
supervisor_keys = ["{SUPERVISOR_KEY}"]

[recording]
enabled = true
store = "{store}"
"""
        + more_config
        + TEST_CONFIG
    )
    with started_server(config, folder) as server:
        args = ["site", str(FIXTURES), "--port", str(port), "--server", server.url]
        with ChildProcess(args) as site:
            yield Recorded(server, site.url, store)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    with recording_server(tmp_path_factory.mktemp("recorded")) as recorded:
        yield recorded


def api(url: str, key: str | None = SUPERVISOR_KEY, method: str = "GET") -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    request = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()


def ended_recording(recorded: Recorded, session_uuid: str) -> dict[str, Any]:
    """The session's recording once its end is written (the hub finishes it as the session
    ends, after the customer has been told)."""
    url = f"{recorded.server.url}/api/recordings?session={session_uuid}"
    found: list[dict[str, Any]] = []

    def ended() -> bool:
        found[:] = json.loads(api(url)[1])
        return bool(found) and found[0]["state"] == "ended"

    wait_for(ended, "ended recording")
    return found[0]


def start(page: Page, recorded: Recorded) -> CobrowseSession:
    page.goto(f"{recorded.site}/shop/checkout.html?card={CARD}")
    return Cobrowse(recorded.server).start(page)


def test_a_recording_holds_what_the_agent_saw_and_no_masked_value(
    page: Page, recorded: Recorded
) -> None:
    session = start(page, recorded)
    told = page.get_by_text("This co-browse session is recorded")
    expect(told).to_be_visible()
    identifier = page.locator("[data-cobrowse-session-id]")
    follows = (
        "(told, id) => Boolean(told.compareDocumentPosition(id) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    assert told.evaluate(follows, identifier.element_handle())  # Read first, then the ID.
    session.join()
    page.locator("#cc-number").press_sequentially(CARD)
    page.locator("#account-password").fill(PASSWORD)
    with pytest.raises(ActionRefused):
        session.agent_click("#cc-number")
    session.agent_fill("#firstName", "Alice")
    session.assert_shown_to_agent("#firstName")
    session.end()
    summary = ended_recording(recorded, session.uuid)
    objects = [p for p in recorded.store.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".bin") for p in objects)
    for path in objects:
        data = path.read_bytes()
        for canary in (CARD, PASSWORD):
            for needle in needles(canary):
                assert needle not in data, f"{canary!r} is in {path}"
    index = json.loads(api(f"{recorded.server.url}/api/recordings/{summary['uuid']}")[1])
    events = [e for chunk in index["chunks"] for e in chunk["events"]]
    kinds = [(e["type"], e.get("action"), e.get("result"), e.get("reason")) for e in events]
    assert ("joined", None, None, None) in kinds
    assert ("action", "click", "refused", "masked") in kinds
    assert ("action", "type", "applied", None) in kinds
    pages = [e["path"] for e in events if e["type"] == "page"]
    assert pages and set(pages) == {"/shop/checkout.html"}  # Never the query string.
    assert events[-1]["type"] == "ended" and events[-1]["reason"] == "customer_exit"
    assert index["damaged"] == [] and index["ended_at"] is not None


def test_recordings_open_only_to_supervisors(recorded: Recorded) -> None:
    url = f"{recorded.server.url}/api/recordings"
    assert api(url, key=None)[0] == 401
    assert api(url, key=AGENT_KEY)[0] == 401  # An agent's key opens no recording.
    assert api(url)[0] == 200
    some = "0b0c5f4e-3a59-4a43-9e1a-3f6c0e6d2b11"
    for path in (some, f"{some}/chunks/0", f"{some}/video"):
        assert api(f"{url}/{path}", key=AGENT_KEY)[0] == 401
        assert api(f"{url}/{path}")[0] == 404
    assert api(f"{url}/{some}", key=AGENT_KEY, method="DELETE")[0] == 401


def cli(recorded: Recorded, *args: str) -> subprocess.CompletedProcess[str]:
    folder = recorded.store.parent
    command = [sys.executable, "-m", "mirror", "recordings", *args]
    command += [
        "--config",
        str(folder / "cobrowse.toml"),
        "--db",
        f"sqlite:///{folder / 'cobrowse.db'}",
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_verify_names_a_chunk_changed_in_the_store_and_erasure_removes_all(
    page: Page, recorded: Recorded
) -> None:
    session = start(page, recorded)
    session.join()
    session.agent_fill("#firstName", "Bob")
    session.end()
    recording = ended_recording(recorded, session.uuid)["uuid"]
    verified = cli(recorded, "verify", recording)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    chunk = recorded.store / recording / "chunks" / "000000.bin"
    data = bytearray(chunk.read_bytes())
    data[len(data) // 2] ^= 0xFF
    chunk.write_bytes(bytes(data))
    damaged = cli(recorded, "verify", recording)
    assert damaged.returncode == 1 and "chunk 0:" in damaged.stdout
    status, body = api(f"{recorded.server.url}/api/recordings/{recording}/chunks/0")
    assert status == 422 and json.loads(body)["error"] == "damaged_chunk"  # Playback skips it.
    url = f"{recorded.server.url}/api/recordings/{recording}"
    assert api(url, method="DELETE")[0] == 200
    assert not (recorded.store / recording).exists()
    assert api(url)[0] == 404
    listed = json.loads(api(f"{recorded.server.url}/api/recordings?session={session.uuid}")[1])
    assert listed == []


def last_frame(video: Path) -> np.ndarray:
    """The video's last frame, as RGB pixels."""
    with av.open(str(video)) as container:
        frames = list(container.decode(video=0))
    assert frames, f"{video.name} holds no frame"
    return frames[-1].to_ndarray(format="rgb24")


def flat(pixels: np.ndarray, box: dict[str, float], inset: int = 6) -> bool:
    """The box's inside (``inset`` pixels in from each edge, where compression rings) is one
    colour, within the tolerance layer 3 of masking allows."""
    x0, y0 = round(box["x"]) + inset, round(box["y"]) + inset
    x1, y1 = round(box["x"] + box["width"]) - inset, round(box["y"] + box["height"]) - inset
    area = pixels[y0:y1, x0:x1].astype(int)
    assert area.size, f"{box} is outside the video's {pixels.shape[1]}x{pixels.shape[0]}"
    return bool((area.max(axis=(0, 1)) - area.min(axis=(0, 1)) <= TOLERANCE).all())


def test_a_recording_exports_as_video_with_the_masked_field_flat(
    page: Page, recorded: Recorded, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 1280, "height": 1400})  # The name and the card in view.
    session = start(page, recorded)
    session.join()
    page.locator("#cc-number").press_sequentially(CARD)
    session.agent_fill("#firstName", "Dora Wellington")
    session.assert_shown_to_agent("#firstName")
    card, name = page.locator("#cc-number"), page.locator("#firstName")
    boxes = card.bounding_box(), name.bounding_box()  # Frames are in the viewport's CSS pixels.
    assert boxes[0] and boxes[1]
    session.end()
    recording = ended_recording(recorded, session.uuid)["uuid"]
    status, body = api(f"{recorded.server.url}/api/recordings/{recording}/video")
    assert status == 200, body[:200]
    (tmp_path / "api.mp4").write_bytes(body)
    exported = cli(recorded, "export", recording, "--out", str(tmp_path / "cli.webm"))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    for video in (tmp_path / "api.mp4", tmp_path / "cli.webm"):
        data = video.read_bytes()
        for needle in needles(CARD):
            assert needle not in data, f"the card number is in {video.name}"
        pixels, words = last_frame(video), " ".join(text for _, text in cues(video))
        assert flat(pixels, boxes[0]), f"the card field is not flat in {video.name}"
        assert not flat(pixels, boxes[1]), f"the name typed is not in {video.name}"
        assert "agent joined" in words and "agent type: applied" in words, words


def test_a_store_that_fails_stops_the_recording_not_the_session(
    page: Page, recorded: Recorded
) -> None:
    session = start(page, recorded)
    agent = session.join()
    away = recorded.store.with_name("store-away")
    shutil.move(recorded.store, away)
    recorded.store.write_bytes(b"")  # A file where the folder was: no write can succeed.
    try:
        page.locator("#lastName").fill("Failing")
        expect(agent.get_by_role("alert")).to_contain_text("Recording stopped")
        session.agent_fill("#firstName", "Still")  # The session goes on.
        assert page.input_value("#firstName") == "Still"
    finally:
        recorded.store.unlink()
        shutil.move(away, recorded.store)
    page.locator("#lastName").fill("Written")
    expect(agent.get_by_role("alert")).to_contain_text("Recording resumed")
    session.end()
    recording = ended_recording(recorded, session.uuid)["uuid"]
    index = json.loads(api(f"{recorded.server.url}/api/recordings/{recording}")[1])
    assert len(index["gaps"]) == 1 and index["damaged"] == []
    marked = [e for chunk in index["chunks"] for e in chunk["events"] if e["type"] == "gap"]
    assert [{"from": e["from"], "to": e["to"]} for e in marked] == index["gaps"]


def test_a_supervisor_plays_a_recorded_session_back(
    page: Page, browser: Browser, recorded: Recorded
) -> None:
    session = start(page, recorded)
    session.join()
    with pytest.raises(ActionRefused):
        session.agent_click("#cc-number")
    session.agent_fill("#firstName", "Carol")
    session.end()
    recording = ended_recording(recorded, session.uuid)["uuid"]
    player = browser.new_context().new_page()
    player.goto(f"{recorded.server.url}/recordings/{recording}")
    player.get_by_label("Supervisor key").fill(AGENT_KEY)  # An agent's key is not enough.
    player.get_by_role("button", name="Sign in").click()
    expect(player.get_by_role("alert")).to_contain_text("not valid")
    player.get_by_label("Supervisor key").fill(SUPERVISOR_KEY)
    player.get_by_role("button", name="Sign in").click()
    picture = player.get_by_role("img", name="Recording")
    expect(picture).to_have_attribute("width", str(page.viewport_size["width"]))  # type: ignore[index]
    events = player.get_by_role("list", name="Events")
    expect(events).to_contain_text("refused (masked)")
    refusal = events.get_by_role("button").filter(has_text="refused (masked)")
    refusal.click()
    position = player.get_by_role("slider", name="Position")
    at = float(refusal.inner_text().split(" s")[0])
    expect(position).to_have_value(re.compile(rf"^{int(at)}(\.\d+)?$"))
    player.get_by_role("button", name="Play").click()
    expect(player.get_by_role("button", name="Pause")).to_be_enabled()
    player.context.close()
