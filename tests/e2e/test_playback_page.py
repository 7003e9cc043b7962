"""The playback page of a recording, against a small recording of its own: the supervisor signs
in first; the picture at any position is built from the latest whole picture before it; the
event list moves the position; Play moves it on.

A small aiohttp app in this module stands in for the server's recording routes (the same paths
and answers), so the page is tested apart from recording a live session."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import msgspec
import numpy as np
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.sync_api import Browser, BrowserContext, Page, expect

from mirror.assets import package_file
from mirror.frames.frame import Frame
from mirror.frames.patches import patch_message
from mirror.recording.chunks import Kind, Record, digest, encode_chunk, genesis
from mirror.recording.manifest import ChunkEntry

UUID = "5f0c6a52-3f7e-4a39-9d0b-2f5f3c1e8a11"
SESSION = "9b1d7f3e-0c2a-4d5e-8f61-7a2b3c4d5e6f"
KEY = "supervisor-key-for-tests-41c2"
COOKIE = "cobrowse_supervisor"
WIDTH, HEIGHT = 320, 200
SQUARE = (64, 64, 32, 32)  # x, y, width, height: on the 16-pixel tile grid, as patches are.
GREY, RED = (128, 128, 128), (255, 0, 0)
CHAT_AT = 4.0

# True once the canvas's pixel at (x, y) is within `near` of the colour (r, g, b).
PIXEL_IS_JS = """([x, y, r, g, b, near]) => {
  const canvas = document.querySelector("canvas[aria-label=Recording]");
  if (!canvas.width) return false;
  const [pr, pg, pb] = canvas.getContext("2d").getImageData(x, y, 1, 1).data;
  return Math.abs(pr - r) < near && Math.abs(pg - g) < near && Math.abs(pb - b) < near;
}"""


def frame(red_square: bool) -> Frame:
    pixels = np.zeros((HEIGHT, WIDTH, 4), np.uint8)
    pixels[..., :3] = GREY
    if red_square:
        x, y, w, h = SQUARE
        pixels[y : y + h, x : x + w, :3] = RED
    return Frame(pixels, None)


def event(t: float, kind: str, **fields: Any) -> Record:
    return Record(Kind.EVENT, t, json.dumps({"type": kind, **fields}).encode())


def chunk_records() -> list[tuple[float, float, list[Record]]]:
    """Two chunks: a grey picture at 0 s, a patch drawing a red square at 2 s, a keyframe (the
    red picture) at 3 s where the second chunk starts; a join, a refusal and a chat line."""
    grey, red = frame(False), frame(True)
    first = [
        event(0.0, "started"),
        event(0.0, "view", width=WIDTH, height=HEIGHT),
        Record(Kind.FRAME, 0.0, grey.encoded()),
        event(0.5, "joined"),
        event(1.0, "pointer", side="agent", x=200.0, y=150.0),
        event(1.5, "action", action="click", result="refused", reason="masked"),
        Record(Kind.FRAME, 2.0, patch_message(red, [SQUARE])),
    ]
    second = [
        Record(Kind.KEYFRAME, 3.0, red.encoded()),
        event(CHAT_AT, "chat", sender="customer", text="Where do I sign?"),
        event(5.0, "ended", reason="customer_exit"),
    ]
    return [(0.0, 3.0, first), (3.0, 5.0, second)]


def recording() -> tuple[dict[str, Any], list[bytes]]:
    """The index the API answers (chunk 2 listed as damaged) and the chunks' bytes."""
    chunks, entries, prev = [], [], genesis(UUID)
    for n, (t0, t1, records) in enumerate(chunk_records()):
        data = encode_chunk(UUID, n, prev, t0, records)
        chunks.append(data)
        entries.append(msgspec.to_builtins(ChunkEntry.of(n, data, t0, t1, records)))
        prev = digest(data)
    index = {
        "uuid": UUID,
        "session": SESSION,
        "node": "test",
        "started_at": "2025-05-12T14:03:22.000+00:00",
        "ended_at": "2025-05-12T14:03:27.000+00:00",
        "end_reason": "customer_exit",
        "duration": 5.0,
        "chunks": entries,
        "gaps": [],
        "damaged": [{"n": 2, "why": "missing"}],
    }
    return index, chunks


def recordings_app() -> web.Application:
    """The server's recording routes, as the player uses them."""
    index, chunks = recording()

    def signed_in(request: web.Request) -> bool:
        return request.cookies.get(COOKIE) == "yes"

    def needs_sign_in() -> web.Response:
        return web.json_response({"error": "unauthorized", "detail": "sign in"}, status=401)

    async def page(request: web.Request) -> web.Response:
        html = package_file("web/recordings/player.html").decode()
        if not signed_in(request):
            html = html.replace("<body>", '<body data-needs-key="true">', 1)
        return web.Response(text=html, content_type="text/html")

    async def sign_in(request: web.Request) -> web.Response:
        if (await request.json()).get("key") != KEY:
            return web.json_response({"error": "bad_key", "detail": "not a key"}, status=401)
        response = web.json_response({"signed_in": True})
        response.set_cookie(COOKIE, "yes", httponly=True)
        return response

    async def static(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return web.Response(body=package_file(f"static/{name}"), content_type=kind)

    async def index_of(request: web.Request) -> web.Response:
        return web.json_response(index) if signed_in(request) else needs_sign_in()

    async def chunk(request: web.Request) -> web.Response:
        if not signed_in(request):
            return needs_sign_in()
        n = int(request.match_info["n"])
        if n >= len(chunks):
            raise web.HTTPNotFound()
        return web.Response(body=chunks[n], content_type="application/octet-stream")

    app = web.Application()
    app.router.add_get(f"/recordings/{UUID}", page)
    app.router.add_post("/api/supervisor/sign-in", sign_in)
    app.router.add_get("/static/{name:player\\.(js|css)}", static)
    app.router.add_get(f"/api/recordings/{UUID}", index_of)
    app.router.add_get(f"/api/recordings/{UUID}/chunks/{{n:\\d+}}", chunk)
    return app


@pytest.fixture(scope="module")
def recordings_server() -> Iterator[str]:
    """The app on an event loop of its own thread: the sync Playwright holds the main one."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = TestServer(recordings_app())
    asyncio.run_coroutine_threadsafe(server.start_server(), loop).result(30)
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture
def player(context: BrowserContext, recordings_server: str) -> Page:
    """The playback page, signed in (the cookie the sign-in sets)."""
    context.add_cookies([{"name": COOKIE, "value": "yes", "url": recordings_server}])
    page = context.new_page()
    page.goto(f"{recordings_server}/recordings/{UUID}")
    expect(page.get_by_role("button", name="Play")).to_be_enabled()
    return page


def wait_for_square(page: Page, colour: tuple[int, int, int]) -> None:
    x, y, w, h = SQUARE
    page.wait_for_function(PIXEL_IS_JS, arg=[x + w // 2, y + h // 2, *colour, 40])


def seek(page: Page, seconds: float) -> None:
    page.get_by_role("slider", name="Position").fill(str(seconds))


def test_the_supervisor_signs_in_before_the_player_shows(
    context: BrowserContext, recordings_server: str
) -> None:
    page = context.new_page()
    page.goto(f"{recordings_server}/recordings/{UUID}")
    expect(page.get_by_label("Supervisor key")).to_be_visible()
    expect(page.get_by_role("button", name="Play")).to_be_hidden()
    page.get_by_label("Supervisor key").fill("not-the-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    page.get_by_label("Supervisor key").fill(KEY)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(page.get_by_role("slider", name="Position")).to_be_visible()
    expect(page.get_by_label("Supervisor key")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SESSION)


def test_seeking_shows_the_picture_of_that_time(player: Page) -> None:
    wait_for_square(player, GREY)  # At 0 s.
    seek(player, 2.5)  # The whole frame at 0 s, then the patch at 2 s.
    wait_for_square(player, RED)
    seek(player, 1)  # Back: from the whole frame again.
    wait_for_square(player, GREY)
    seek(player, 3.5)  # From the keyframe of the second chunk.
    wait_for_square(player, RED)
    expect(player.get_by_role("img", name="Recording")).to_have_attribute("width", str(WIDTH))


def test_an_event_moves_the_position_to_its_time(player: Page) -> None:
    events = player.get_by_role("list", name="Events")
    expect(events.get_by_role("button", name="1.5 s: agent click refused (masked)")).to_be_visible()
    events.get_by_role("button", name="4.0 s: chat, customer: Where do I sign?").click()
    expect(player.get_by_role("slider", name="Position")).to_have_value("4")
    wait_for_square(player, RED)


def test_play_moves_the_position_on(player: Page) -> None:
    position = player.get_by_role("slider", name="Position")
    expect(position).to_have_value("0")
    player.get_by_label("Speed").select_option("4x")
    player.get_by_role("button", name="Play").click()
    expect(player.get_by_role("button", name="Pause")).to_be_enabled()
    expect(position).not_to_have_value("0")
    wait_for_square(player, RED)  # Played past the patch at 2 s.


def test_the_notes_name_a_damaged_chunk(player: Page) -> None:
    expect(player.get_by_role("list", name="Notes")).to_contain_text("Chunk 2 is damaged")
