"""The agent's side of a benchmark session, behind one interface (:class:`Agent`):

- :class:`BrowserAgent`: ``/agent`` in Chromium; its probe reads the view's pixel at the square
  after each frame is drawn (:mod:`bench.probes`) and Playwright's mouse clicks the view;
- :class:`SocketAgent`: no browser; it speaks the agent's protocol over a WebSocket, and reads the
  same pixel off each frame message as it arrives: off a whole frame decoded at 1/8 scale (JPEG's
  DCT scaling: cheap, and the pixel is the mean of one 8x8 block inside the square), or off the
  patch rectangle that covers it (a patch that does not cover it leaves the pixel as it was).

Both record each frame's arrival (or drawing) time and size, and stamp each click as it is made.
"""

from __future__ import annotations

import asyncio
import io
import math
from typing import Protocol

import aiohttp
import msgspec
from PIL import Image
from playwright.async_api import Browser, Page, WebSocket, expect

from bench import clicks, probes, wire
from bench.options import AGENT_VIEWPORT
from bench.pages import TIMEOUT_MS, Pages
from bench.probes import AgentLog, now_ms
from mirror.frames import runs
from mirror.frames.patches import piece_pixels, read_message
from mirror.session.messages import Exit, Join
from replay.messages import ClickInput

JPEG_SCALE = 8  # The smallest scale libjpeg decodes to: one pixel per 8x8 block.


class Agent(Protocol):
    """An agent's page in a co-browse session, as the benchmark drives it."""

    received: list[tuple[float, int]]  # (ms, bytes) of each frame that reached the agent

    async def join(self, session_id: str) -> None:
        """Join with the nine digits; returns once the view shows the customer's page."""
        ...

    async def log(self) -> AgentLog:
        """The join time, and each frame's time and pixel at the square so far."""
        ...

    async def watch_clicks(self) -> None: ...

    async def click_probe(self, count: int, interval_ms: int) -> None:
        """Click the square on the view ``count`` times, one every ``interval_ms``."""
        ...

    async def pressed(self) -> list[float]:
        """When each click was made (ms)."""
        ...

    async def exit(self) -> None:
        """Press "Exit co-browse session" and wait until the session has ended."""
        ...

    async def close(self) -> None: ...


class BrowserAgent(Pages):
    """``/agent`` in Chromium, with the probe watching the view."""

    def __init__(self, browser: Browser, server: str) -> None:
        super().__init__(browser)
        self.server = server
        self.page: Page | None = None
        self.received: list[tuple[float, int]] = []

    async def join(self, session_id: str) -> None:
        page = self.page = await self._page(AGENT_VIEWPORT)
        page.on("websocket", self._watch_socket)
        await page.goto(f"{self.server}/agent")
        await probes.install_agent_probe(page)
        await page.get_by_label("Session ID").fill(session_id)
        await page.get_by_role("button", name="Join").click()
        await probes.wait_for_first_frame(page, TIMEOUT_MS)
        # The first frame may predate the snapshot; wait for the page itself (the square).
        await probes.wait_for_colour(page, 0, TIMEOUT_MS)

    def _watch_socket(self, ws: WebSocket) -> None:
        def received(payload: str | bytes) -> None:
            if isinstance(payload, bytes):
                self.received.append((now_ms(), len(payload)))

        ws.on("framereceived", received)

    async def log(self) -> AgentLog:
        assert self.page is not None
        return await probes.read_agent_log(self.page)

    async def watch_clicks(self) -> None:
        assert self.page is not None
        await clicks.watch_agent(self.page)

    async def click_probe(self, count: int, interval_ms: int) -> None:
        assert self.page is not None
        await clicks.click_probe(self.page, count, interval_ms)

    async def pressed(self) -> list[float]:
        assert self.page is not None
        return await clicks.pressed(self.page)

    async def exit(self) -> None:
        if self.page is not None and not self.page.is_closed():
            await self.page.get_by_role("button", name="Exit co-browse session").click()
            await expect(self.page.get_by_role("status")).to_contain_text(
                "ended", timeout=TIMEOUT_MS
            )


def message_pixel(
    message: bytes, x: int, y: int, before: tuple[int, int, int] | None
) -> tuple[int, int, int] | None:
    """The colour at ``(x, y)`` once a frame message (a whole frame or a patch) is drawn over a
    picture whose colour there was ``before``."""
    for (left, top, width, height), picture in read_message(message):
        if width < 0:
            return pixel_at(picture, x, y)
        if left <= x < left + width and top <= y < top + height:
            if picture[:1] == runs.MARK:
                r, g, b = piece_pixels(picture, width, height)[y - top, x - left]
                return int(r), int(g), int(b)
            return pixel_at(picture, x - left, y - top, (width, height))
    return before


def pixel_at(
    jpeg: bytes, x: int, y: int, shown: tuple[int, int] | None = None
) -> tuple[int, int, int] | None:
    """The colour at ``(x, y)`` of a JPEG frame drawn over ``shown`` (its own size by default:
    a frame captured small is stretched), decoded at 1/8 scale; None if outside."""
    image = Image.open(io.BytesIO(jpeg))
    width, height = shown or image.size
    if not (0 <= x < width and 0 <= y < height):
        return None
    image.draft(
        "RGB", (math.ceil(image.size[0] / JPEG_SCALE), math.ceil(image.size[1] / JPEG_SCALE))
    )
    scale = image.size[0] / width
    r, g, b = image.convert("RGB").getpixel((int(x * scale), int(y * scale)))  # type: ignore[misc]
    return int(r), int(g), int(b)


class SocketAgent:
    """An agent without a browser: joins over the agent's WebSocket and reads the frames."""

    def __init__(self, http: aiohttp.ClientSession, server: str) -> None:
        self.http, self.server = http, server
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.received: list[tuple[float, int]] = []
        self._join_at: float | None = None
        self._frames: list[float] = []
        self._pixels: list[tuple[int, int, int] | None] = []
        self._pressed: list[float] = []
        self._content = asyncio.Event()  # A frame showed the square in its first colour
        self._ended = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def join(self, session_id: str) -> None:
        url = self.server.replace("http://", "ws://", 1) + "/ws/agent"
        self.ws = await self.http.ws_connect(url, max_msg_size=0)
        self._join_at = now_ms()
        await self._send(Join(id=session_id))
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self._content.wait(), TIMEOUT_MS / 1000)

    async def _send(self, message: msgspec.Struct) -> None:
        assert self.ws is not None
        if not self.ws.closed:
            await self.ws.send_str(msgspec.json.encode(message).decode())

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type is aiohttp.WSMsgType.BINARY:
                self._frame(now_ms(), message.data)
            elif message.type is aiohttp.WSMsgType.TEXT:
                decoded = wire.decode(message.data)
                if decoded is not None and decoded.type == "status" and decoded.state == "ended":
                    self._ended.set()
        self._ended.set()

    def _frame(self, at: float, message: bytes) -> None:
        self.received.append((at, len(message)))
        before = self._pixels[-1] if self._pixels else None
        try:
            rgb = message_pixel(message, probes.PROBE_X, probes.PROBE_Y, before)
        except (OSError, ValueError):  # Not a frame Pillow can read: counted, shown as no colour.
            rgb = None
        self._frames.append(at)
        self._pixels.append(rgb)
        if probes.classify(rgb) == 0:
            self._content.set()

    async def log(self) -> AgentLog:
        return AgentLog(self._join_at, list(self._frames), list(self._pixels))

    async def watch_clicks(self) -> None:
        self._pressed = []

    async def click_probe(self, count: int, interval_ms: int) -> None:
        loop = asyncio.get_running_loop()
        began = loop.time()
        for k in range(count):
            await asyncio.sleep(max(0.0, began + k * interval_ms / 1000 - loop.time()))
            self._pressed.append(now_ms())
            await self._send(ClickInput(x=probes.PROBE_X, y=probes.PROBE_Y))

    async def pressed(self) -> list[float]:
        return list(self._pressed)

    async def exit(self) -> None:
        await self._send(Exit())
        await self._ended.wait()

    async def close(self) -> None:
        await wire.close_socket(self._reader, self.ws)
