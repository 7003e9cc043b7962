"""The customer's side of a benchmark session, behind one interface (:class:`Customer`):

- :class:`BrowserCustomer`: a page in Chromium (the shop checkout, or any page given as
  ``--page``) with cobrowse.js, Co-browse -> Yes, the probe square changed by the page itself;
- :class:`StreamCustomer`: no browser; it speaks the customer's protocol over a WebSocket and
  replays a recorded capture stream (:mod:`bench.capture_stream`), so that many customers cost
  the benchmark almost nothing and the server is what is measured.

Both stamp each change of the square with the wall clock, as it is made.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Protocol

import aiohttp
import msgspec
from playwright.async_api import Browser, Page, WebSocket, expect

from bench import clicks, probes, wire
from bench.capture_stream import CaptureStream
from bench.pages import TIMEOUT_MS, Pages
from bench.probes import ChangePhase, now_ms
from mirror.session.messages import Events, Hello
from mirror.wire import Viewport
from replay.messages import Applied

NINE_DIGITS = re.compile(r"^\d{9}$")
_EMBEDDED_JS = "() => Boolean(window.__cobrowse)"  # Set by cobrowse.js as it starts.


async def embed_script(page: Page, server: str) -> None:
    """Add cobrowse.js from ``server`` to a page that does not embed it, as a site would."""
    if not await page.evaluate(_EMBEDDED_JS):
        await page.add_script_tag(url=f"{server}/cobrowse.js")


class Customer(Protocol):
    """A customer's page in a co-browse session, as the benchmark drives it."""

    async def open(self) -> str:
        """Start co-browsing (Co-browse -> Yes); returns the nine-digit session ID."""
        ...

    async def change_phase(self, count: int, interval_ms: int, settle_s: float) -> ChangePhase:
        """Settle, change the square ``count`` times every ``interval_ms``, settle again."""
        ...

    async def watch_clicks(self) -> None:
        """Start stamping the agent's clicks on the square as they are dispatched."""
        ...

    async def dispatched(self) -> list[float]:
        """When each of the agent's clicks on the square was dispatched (ms)."""
        ...

    async def close(self) -> None: ...


class BrowserCustomer(Pages):
    """A page in Chromium (``url``) co-browsed through the server at ``server``, with the probe
    square added before the snapshot."""

    def __init__(
        self, browser: Browser, url: str, server: str, on_sent: WatchSent | None = None
    ) -> None:
        super().__init__(browser)
        self.url, self.server = url, server
        self.page: Page | None = None
        self._on_sent = on_sent

    async def open(self) -> str:
        page = self.page = await self._customer_page()
        if self._on_sent is not None:
            page.on("websocket", self._on_sent.watch)
        await page.goto(self.url)
        await embed_script(page, self.server)
        await probes.install_customer_probe(page)
        await page.get_by_role("button", name="Co-browse", exact=True).click()
        await page.get_by_role("button", name="Yes").click()
        id_element = page.locator("[data-cobrowse-session-id]")
        await expect(id_element).to_have_attribute(
            "data-cobrowse-session-id", NINE_DIGITS, timeout=TIMEOUT_MS
        )
        return await id_element.get_attribute("data-cobrowse-session-id") or ""

    async def change_phase(self, count: int, interval_ms: int, settle_s: float) -> ChangePhase:
        assert self.page is not None
        return await probes.change_phase(self.page, count, interval_ms, settle_s)

    async def watch_clicks(self) -> None:
        assert self.page is not None
        await clicks.watch_customer(self.page)

    async def dispatched(self) -> list[float]:
        assert self.page is not None
        return await clicks.dispatched(self.page)


class WatchSent:
    """Collects the text messages a page sends over its WebSockets (for recording a stream)."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def watch(self, ws: WebSocket) -> None:
        ws.on("framesent", lambda payload: self._sent(payload))

    def _sent(self, payload: str | bytes) -> None:
        if isinstance(payload, str):
            self.messages.append(payload)


class StreamCustomer:
    """A customer without a browser: hello, the recorded snapshot whenever the server asks for
    one, and the probe square's colour changes; it answers the agent's event scripts as the
    customer's player would (``applied``), stamping clicks on the square as dispatched.

    ``offset_ms`` delays this customer's changes within one interval, so that many customers do
    not all change in the same millisecond (real customers are not in step).
    """

    def __init__(
        self,
        http: aiohttp.ClientSession,
        server: str,
        site: str,
        stream: CaptureStream,
        offset_ms: float = 0.0,
    ) -> None:
        self.http, self.server, self.site, self.stream = http, server, site, stream
        self.offset_ms = offset_ms
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.session_uuid = ""  # The session's history UUID, once open.
        self._stamps: list[tuple[float, int]] = []
        self._clicks: list[float] | None = None
        self._reader: asyncio.Task[None] | None = None

    async def open(self) -> str:
        url = self.server.replace("http://", "ws://", 1) + "/ws/customer"
        # The Origin header is the customer page's origin: the render page fetches images from it.
        self.ws = await self.http.ws_connect(url, origin=self.site, max_msg_size=0)
        viewport = Viewport(self.stream.viewport["width"], self.stream.viewport["height"])
        await self._send(Hello(viewport=viewport))
        first = await self.ws.receive(timeout=TIMEOUT_MS / 1000)
        info = wire.decode(first.data) if first.type is aiohttp.WSMsgType.TEXT else None
        if info is None or info.type != "session" or not info.id:
            raise RuntimeError(f"the server did not open a session: {str(first.data)[:200]}")
        self.session_uuid = info.uuid or ""
        self._reader = asyncio.create_task(self._read())
        return info.id

    async def _send(self, message: msgspec.Struct) -> None:
        assert self.ws is not None
        if not self.ws.closed:
            await self.ws.send_str(msgspec.json.encode(message).decode())

    async def _send_events(self, events: list[dict[str, Any]]) -> None:
        raw = [msgspec.Raw(msgspec.json.encode(e)) for e in events]
        await self._send(Events(events=raw))

    async def _read(self) -> None:
        """Answer the server: snapshots on request, ``applied`` for each event script."""
        assert self.ws is not None
        async for message in self.ws:
            decoded = wire.decode(message.data) if message.type is aiohttp.WSMsgType.TEXT else None
            if decoded is None:
                continue
            if decoded.type == "snapshot":
                await self._send_events(self.stream.snapshot_events(now_ms()))
            elif decoded.type == "script" and decoded.seq is not None:
                action = decoded.action
                if (
                    self._clicks is not None
                    and action is not None
                    and action.kind == "click"
                    and action.node == self.stream.probe_node
                ):
                    self._clicks.append(now_ms())
                await self._send(Applied(seq=decoded.seq))

    async def change_phase(self, count: int, interval_ms: int, settle_s: float) -> ChangePhase:
        await asyncio.sleep(settle_s + self.offset_ms / 1000)
        loop = asyncio.get_running_loop()
        began = loop.time()
        stamps: list[tuple[float, int]] = []
        for k in range(1, count + 1):
            # On a fixed schedule: a change sent late does not push the later ones back.
            await asyncio.sleep(max(0.0, began + k * interval_ms / 1000 - loop.time()))
            colour = (len(self._stamps) + 1) % len(probes.COLOURS)
            stamp = now_ms()
            await self._send_events([self.stream.change_event(colour, stamp)])
            self._stamps.append((stamp, colour))
            stamps.append((stamp, colour))
        await asyncio.sleep(settle_s)
        return ChangePhase(stamps, (stamps[0][0], stamps[-1][0] + interval_ms))

    async def watch_clicks(self) -> None:
        self._clicks = []

    async def dispatched(self) -> list[float]:
        return list(self._clicks or [])

    async def close(self) -> None:
        await wire.close_socket(self._reader, self.ws)
