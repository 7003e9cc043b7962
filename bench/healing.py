"""How a node heals (``python -m bench --healing``): a server in this process with real Chromium
and SQLite, live sessions driven over real sockets by a customer and an agent without a browser,
and the time from each fault (the browser killed, the renderer killed, the renderer stopped) to
the agent's view coming back. tests/faults drives the same sessions to check the behaviour."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from mirror.config import Config
from mirror.render import processes
from mirror.render.rrweb import EventType, NodeType
from mirror.server.app import build_app
from mirror.server.keys import CHAT_HUB, CHROMIUM, HUB, Settings

VIEWPORT = {"width": 800, "height": 600}
FAULTS = ("browser killed", "renderer killed", "renderer stopped")
WAIT_S = 30.0  # A fault's detection and a rebuild, on a busy two-core machine.


@dataclass
class Live:
    """A session with a customer that answers every snapshot request, as cobrowse.js does, and
    an agent whose messages are kept as they come."""

    uuid: str
    customer: aiohttp.ClientWebSocketResponse
    agent: aiohttp.ClientWebSocketResponse
    notices: list[str] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    frames: int = 0
    frames_at_restart: int = 0  # Frames received when the agent was told the view restarts.
    snapshots: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def wait(self, what: str, condition: Any) -> None:
        try:
            async with asyncio.timeout(WAIT_S):
                while not condition():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(
                f"no {what} within {WAIT_S} s: notices {self.notices}, "
                f"{self.frames} frames, statuses {self.statuses}"
            ) from None

    async def view_back(self) -> None:
        """The agent is told the view restarts, then that it is back, then gets a frame."""
        await self.wait("restart notice", lambda: "view-restarting" in self.notices)
        await self.wait("restored notice", lambda: "view-restored" in self.notices)
        # The new page's first frame may come before the notice that it is back.
        await self.wait("frame after the rebuild", lambda: self.frames > self.frames_at_restart)

    @property
    def ended(self) -> bool:
        return any(s["state"] == "ended" for s in self.statuses)

    async def _answer_snapshots(self) -> None:
        async for message in self.customer:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if data["type"] == "snapshot":
                self.snapshots += 1
                events = page_snapshot(f"Customer page, snapshot {self.snapshots}")
                await self.customer.send_json({"v": 1, "type": "events", "events": events})
            elif data["type"] == "status":
                self.statuses.append(data)
            self._changed.set()

    async def _watch_agent(self) -> None:
        async for message in self.agent:
            if message.type is aiohttp.WSMsgType.BINARY:
                self.frames += 1
            elif message.type is aiohttp.WSMsgType.TEXT:
                data = json.loads(message.data)
                if data["type"] == "notice":
                    self.notices.append(data["reason"])
                    if data["reason"] == "view-restarting":
                        self.frames_at_restart = self.frames
                elif data["type"] == "status":
                    self.statuses.append(data)
            self._changed.set()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for ws in (self.customer, self.agent):
            await ws.close()


@dataclass
class Server:
    app: web.Application
    url: str
    http: aiohttp.ClientSession

    async def session(self) -> Live:
        """A new session, its agent joined and its first frame shown."""
        ws = self.url.replace("http://", "ws://")
        customer = await self.http.ws_connect(f"{ws}/ws/customer", origin="http://shop.test")
        await customer.send_json({"v": 1, "type": "hello", "viewport": VIEWPORT})
        info = await customer.receive_json(timeout=WAIT_S)
        agent = await self.http.ws_connect(f"{ws}/ws/agent")
        await agent.send_json({"v": 1, "type": "join", "id": info["id"]})
        while (await customer.receive_json(timeout=WAIT_S))["type"] != "status":
            pass  # Active: from here the customer's task answers snapshot requests.
        live = Live(info["uuid"], customer, agent)
        live._tasks = [
            asyncio.create_task(live._answer_snapshots()),
            asyncio.create_task(live._watch_agent()),
        ]
        await live.wait("first frame", lambda: live.frames > 0)
        return live

    def unwritten(self) -> int:
        """History writes that failed and wait to be tried again."""
        return int(self.app[HUB].writes.pending + self.app[CHAT_HUB].writes.pending)

    async def health(self) -> tuple[int, dict[str, Any]]:
        async with self.http.get(f"{self.url}/healthz") as response:
            return response.status, await response.json()

    async def history_is_consistent(self) -> list[dict[str, Any]]:
        """Every session's row: ended exactly when it has an end time and a reason."""
        async with self.http.get(f"{self.url}/api/sessions") as response:
            rows: list[dict[str, Any]] = await response.json()
        for row in rows:
            ended = row["state"] == "ended"
            assert ended == (row["ended_at"] is not None) == (row["end_reason"] is not None), row
        return rows


@contextlib.asynccontextmanager
async def serving(tmp_path: Path, config: Config | None = None) -> AsyncIterator[Server]:
    app = build_app(Settings(config=config or Config(), db=f"sqlite:///{tmp_path / 'h.db'}"))
    async with TestServer(app) as server, aiohttp.ClientSession() as http:
        yield Server(app, str(server.make_url("")).rstrip("/"), http)


def page_snapshot(text: str = "Hello from a customer without a browser") -> list[dict[str, Any]]:
    """A minimal rrweb capture of a one-paragraph page: Meta, then FullSnapshot."""
    body = {
        "type": NodeType.ELEMENT,
        "tagName": "body",
        "attributes": {},
        "id": 4,
        "childNodes": [
            {
                "type": NodeType.ELEMENT,
                "tagName": "p",
                "attributes": {},
                "id": 5,
                "childNodes": [{"type": NodeType.TEXT, "textContent": text, "id": 6}],
            }
        ],
    }
    html = {
        "type": NodeType.ELEMENT,
        "tagName": "html",
        "attributes": {},
        "id": 2,
        "childNodes": [
            {
                "type": NodeType.ELEMENT,
                "tagName": "head",
                "attributes": {},
                "childNodes": [],
                "id": 3,
            },
            body,
        ],
    }
    document = {"type": NodeType.DOCUMENT, "childNodes": [html], "id": 1}
    return [
        {"type": EventType.META, "data": {"href": "http://shop.test/", **VIEWPORT}, "timestamp": 1},
        {
            "type": EventType.FULL_SNAPSHOT,
            "data": {"node": document, "initialOffset": {"left": 0, "top": 0}},
            "timestamp": 2,
        },
    ]


# -- the measurement ---------------------------------------------------------------------------


async def _inject(server: Server, fault: str) -> Callable[[], None]:
    """Do ``fault`` to the server's Chromium; what undoes it afterwards."""
    browser = server.app[CHROMIUM].pids()
    if fault == "browser killed":
        processes.kill(browser)
        return lambda: None
    renderers = processes.renderers(browser)
    if fault == "renderer killed":
        processes.kill(renderers)
        return lambda: None
    processes.kill(renderers, signal.SIGSTOP)
    return lambda: processes.kill(renderers, signal.SIGCONT)


async def _time_faults(repeats: int) -> dict[str, list[float]]:
    seconds: dict[str, list[float]] = {fault: [] for fault in FAULTS}
    with tempfile.TemporaryDirectory() as folder:
        async with serving(Path(folder)) as server:
            for fault in FAULTS:
                for _ in range(repeats):
                    live = await server.session()  # Each its own: losses count per session.
                    started = time.monotonic()
                    undo = await _inject(server, fault)
                    try:
                        await live.view_back()
                    finally:
                        undo()
                    seconds[fault].append(round(time.monotonic() - started, 2))
                    await live.close()
    return seconds


def measure(repeats: int = 3) -> dict[str, Any]:
    """Seconds from each fault to the agent's view back (the notice, then a frame)."""
    print(f"bench: healing: {', '.join(FAULTS)}, {repeats} times each...", flush=True)
    try:
        return {"seconds": asyncio.run(_time_faults(repeats)), "repeats": repeats}
    except (AssertionError, OSError) as exc:
        return {"error": str(exc)}


def markdown(data: dict[str, Any]) -> str:
    if "error" in data:
        return f"Not measured: {data['error']}\n"
    lines = [
        "| Fault | Target | View back, s (each try) |",
        "|---|---|---|",
    ]
    for fault, seconds in data["seconds"].items():
        target = "< 5 s" if fault == "browser killed" else ""
        lines.append(f"| {fault} | {target} | {', '.join(f'{s:.2f}' for s in seconds)} |")
    return "\n".join(lines) + "\n"
