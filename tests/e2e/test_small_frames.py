"""Frames captured smaller than the customer's screen (``[frames] scale``, what a machine behind
its load does on its own): the agent's view keeps the customer's size, says its pictures are less
sharp, and its pointer lands where it points; the masked field stays flat and its value never
crosses, and the recording plays and exports at the customer's size."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from mirror.testing import Cobrowse
from mirror.testing.session import needles
from tests.e2e.test_recording import (
    SUPERVISOR_KEY,
    Recorded,
    api,
    ended_recording,
    flat,
    last_frame,
    recording_server,
)

CARD = "4929000000006"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    folder = tmp_path_factory.mktemp("small")
    with recording_server(folder, "\n[frames]\nscale = 0.5\n") as recorded:
        yield recorded


def test_small_frames_show_at_the_customers_size_masked_and_recorded(
    page: Page, browser: Browser, small: Recorded, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 1200, "height": 1400})  # The name and the card in view.
    page.goto(f"{small.site}/shop/checkout.html")
    session = Cobrowse(small.server).start(page)
    agent = session.join()
    canvas = session.view
    expect(canvas).to_have_attribute("width", "1200")  # The customer's, not the frames' 600.
    expect(canvas).to_have_attribute("height", "1400")
    expect(agent.get_by_text("Reduced sharpness: the server is busy")).to_be_visible()
    page.locator("#cc-number").press_sequentially(CARD)
    session.agent_fill("#firstName", "Erin Small")  # The agent's clicks land on the field.
    assert page.input_value("#firstName") == "Erin Small"
    session.assert_hidden_from_agent("#cc-number")
    with urllib.request.urlopen(f"{small.server.url}/metrics", timeout=10) as response:
        assert "cobrowse_capture_scale 0.5" in response.read().decode()
    boxes = page.locator("#cc-number").bounding_box(), page.locator("#firstName").bounding_box()
    assert boxes[0] and boxes[1]
    frames = [m for role, sent, m in session.wire_log.log if role == "agent" and not sent]
    assert any(m[:1] == b"S" for m in frames)  # Whole frames captured small, with their size.
    for message in session.wire_log.messages:  # Every byte from the customer and to the agent.
        assert all(needle not in message for needle in needles(CARD))
    session.end()
    recording = ended_recording(small, session.uuid)["uuid"]
    status, body = api(f"{small.server.url}/api/recordings/{recording}/video")
    assert status == 200, body[:200]
    video = tmp_path / "small.mp4"
    video.write_bytes(body)
    pixels = last_frame(video)
    assert pixels.shape[:2] == (1400, 1200)
    assert flat(pixels, boxes[0]) and not flat(pixels, boxes[1])
    player = browser.new_context().new_page()
    player.goto(f"{small.server.url}/recordings/{recording}")
    player.get_by_label("Supervisor key").fill(SUPERVISOR_KEY)
    player.get_by_role("button", name="Sign in").click()
    expect(player.get_by_role("img", name="Recording")).to_have_attribute("width", "1200")
    player.context.close()
    assert json.loads(api(f"{small.server.url}/api/recordings/{recording}")[1])["damaged"] == []
