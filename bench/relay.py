"""The baseline's relay: a tiny aiohttp WebSocket server on a free loopback port, started in the
benchmark's own process. Each room passes the customer's event batches, unparsed, to the room's
agents (a late agent first gets every batch so far); it also serves the agent's page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from aiohttp import WSMsgType, web
from aiohttp.typedefs import Handler

from bench.bundles import Bundles
from bench.probes import now_ms

MAX_MESSAGE = 64 * 1024 * 1024  # A full snapshot with inlined stylesheets can be large.


@dataclass
class Room:
    """One baseline session's sockets and what went through them."""

    history: list[str] = field(default_factory=list)
    agents: set[web.WebSocketResponse] = field(default_factory=set)
    sent: list[tuple[float, int]] = field(default_factory=list)  # (ms, bytes) to the agents


class Relay:
    """``async with Relay(bundles) as relay``: ``relay.url`` serves until the block ends."""

    def __init__(self, bundles: Bundles) -> None:
        self.bundles = bundles
        self.rooms: dict[str, Room] = {}
        self.url = ""
        app = web.Application()
        app.router.add_get("/", self._file(bundles.agent_html, "text/html"))
        app.router.add_get("/replay.js", self._file(bundles.replay_js, "text/javascript"))
        app.router.add_get("/replay.css", self._file(bundles.replay_css, "text/css"))
        app.router.add_get("/ws/{room}/{role:customer|agent}", self._socket)
        self._runner = web.AppRunner(app, access_log=None)

    def room(self, name: str) -> Room:
        return self.rooms.setdefault(name, Room())

    async def __aenter__(self) -> Relay:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._runner.cleanup()

    @staticmethod
    def _file(path: Path, content_type: str) -> Handler:
        body = path.read_bytes()  # Read once, here, not in the event loop.

        async def serve(_: web.Request) -> web.Response:
            return web.Response(body=body, content_type=content_type)

        return serve

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE, compress=False)
        await ws.prepare(request)
        room = self.room(request.match_info["room"])
        if request.match_info["role"] == "agent":
            for batch in room.history:
                await ws.send_str(batch)
            room.agents.add(ws)
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT and request.match_info["role"] == "customer":
                    await self._forward(room, message.data)
        finally:
            room.agents.discard(ws)
        return ws

    @staticmethod
    async def _forward(room: Room, batch: str) -> None:
        room.history.append(batch)
        for agent in list(room.agents):
            if not agent.closed:
                await agent.send_str(batch)
                room.sent.append((now_ms(), len(batch.encode())))
