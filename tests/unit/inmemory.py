"""In-memory stand-ins for what the hubs talk to: sockets (:class:`MemoryPeer`) and render pages
(:class:`FakePage`). Small real classes behind the protocols of ``mirror/session/live.py``, as
httpx's ``MockTransport`` stands behind its transport, so the session rules run without a
browser or a socket; ``open_hubs`` wires them to a real history store as the app does.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import msgspec
import numpy as np

from mirror.chat.hub import ChatHub
from mirror.chat.messages import ChatServerMessage
from mirror.chat.state import Chat
from mirror.config import ChatConfig, Config, LimitsConfig, MaskingConfig, SessionConfig
from mirror.frames.frame import Frame, LatestFrame, encode_jpeg
from mirror.history import HistoryStore
from mirror.metrics import Metrics
from mirror.render.events import PageEvents
from mirror.render.screen import Screen
from mirror.session.hub import Hub
from mirror.session.live import LiveSession, Tracks
from mirror.session.messages import ChatRef, Hello, ServerMessage, SessionInfo, Status
from mirror.wire import Viewport, encode
from replay.hit import Anchor, Hit

# A wait longer than this is a test failure, not a hang: every step here takes milliseconds.
WAIT_S = 5.0
VIEWPORT = Viewport(800, 600)
ORIGIN = "http://shop.test"

M = TypeVar("M", bound=msgspec.Struct)
T = TypeVar("T")

# What a browser decodes: each message goes through its JSON, so a test sees the wire's view.
_wire = msgspec.json.Decoder(ServerMessage | ChatServerMessage)


class MemoryPeer:
    """One party's socket: keeps each message the hub sends (decoded from its JSON), each frame,
    and how it was closed. Like a closed WebSocket, a closed peer drops what is sent to it."""

    def __init__(self, name: str = "peer") -> None:
        self.name = name
        self.messages: list[msgspec.Struct] = []
        self.frames: list[bytes] = []
        self.closed: tuple[int, str] | None = None
        self._taken: dict[type, int] = {}  # By message type: how far next() has read.
        self._frames_taken = 0
        self._changed = asyncio.Condition()

    async def send_message(self, message: msgspec.Struct) -> None:
        if self.closed is None:
            self.messages.append(_wire.decode(encode(message)))
            await self._notify()

    async def send_frame(self, frame: bytes) -> None:
        if self.closed is None:
            self.frames.append(frame)
            await self._notify()

    async def close(self, code: int, reason: str) -> None:
        if self.closed is None:
            self.closed = (code, reason)
            await self._notify()

    def of(self, kind: type[M]) -> list[M]:
        """Every message of ``kind`` received so far."""
        return [m for m in self.messages if isinstance(m, kind)]

    async def next(self, kind: type[M], where: Callable[[M], bool] | None = None) -> M:
        """The next message of ``kind`` that no earlier ``next(kind)`` returned (and that
        ``where`` accepts; those of ``kind`` it passes over are not returned later)."""

        def found() -> M | None:
            for at in range(self._taken.get(kind, 0), len(self.messages)):
                message = self.messages[at]
                if isinstance(message, kind) and (where is None or where(message)):
                    self._taken[kind] = at + 1
                    return message
            return None

        return await self._until(found, kind.__name__)

    async def status(self, state: str) -> Status:
        """The next status message saying ``state``."""
        return await self.next(Status, lambda s: s.state == state)

    async def next_frame(self) -> bytes:
        def found() -> bytes | None:
            if self._frames_taken == len(self.frames):
                return None
            self._frames_taken += 1
            return self.frames[self._frames_taken - 1]

        return await self._until(found, "frame")

    async def wait_closed(self) -> tuple[int, str]:
        return await self._until(lambda: self.closed, "close")

    async def _until(self, found: Callable[[], T | None], what: str) -> T:
        async with self._changed:
            try:
                async with asyncio.timeout(WAIT_S):
                    while (result := found()) is None:
                        await self._changed.wait()
            except TimeoutError:
                got = [type(m).__name__ for m in self.messages]
                raise AssertionError(
                    f"{self.name}: no {what} within {WAIT_S} s (received {got}, "
                    f"{len(self.frames)} frames, closed={self.closed})"
                ) from None
        return result

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()


NOTHING_HIT = Hit(inside=True)  # Inside the view, over no mirrored element.


def blank_frame(width: int = VIEWPORT.width, height: int = VIEWPORT.height) -> Frame:
    pixels = np.full((height, width, 4), 255, np.uint8)
    return Frame(pixels, encode_jpeg(pixels))


class FakePage:
    """A render page without Chromium (:class:`mirror.session.live.ServerPage`): it keeps what
    the hub gives it, answers hit tests and Tab from what the test set, and reports a crash, a
    resize, a notice or a frame when the test says so, through what it was started with."""

    def __init__(self) -> None:
        self.origin: str | None = None
        self.screen: Screen | None = None  # Set by start: the session's screen, shared.
        self.frames: LatestFrame | None = None
        self.events: PageEvents | None = None
        self.log_extra: dict[str, str] = {}
        self.batches: list[list[bytes]] = []
        self.emulated = 0
        self.closed = False
        self.start_error: Exception | None = None
        self.hits: dict[tuple[float, float], Hit] = {}
        self.anchors: dict[tuple[float, float], Anchor] = {}
        self.tab_order: dict[tuple[int | None, bool], int] = {}  # (from, backwards) -> node
        self.nodes: dict[int, Hit] = {}  # What a key would press at a node the agent focused.
        self.watched: list[bool] = []  # Each change of whether the agent sees the view.
        self.drawn: list[tuple[str, list[list[float]]]] = []  # The agent's drawings on it.
        self._played = asyncio.Event()  # A batch of the customer's events reached it.

    @property
    def started(self) -> bool:
        return self.screen is not None

    async def start(
        self,
        page_origin: str | None,
        screen: Screen,
        frames: LatestFrame,
        events: PageEvents,
        log_extra: dict[str, str],
    ) -> None:
        if self.start_error is not None:
            raise self.start_error
        self.origin, self.screen, self.frames, self.events = page_origin, screen, frames, events
        self.log_extra = log_extra

    async def emulate(self) -> None:
        self.emulated += 1

    async def add_events(self, events: list[bytes]) -> None:
        self.batches.append(events)
        self._played.set()

    async def rebuilt(self) -> None:
        await self._played.wait()

    @property
    def broken(self) -> bool:
        return False

    async def hit_test(self, x: float, y: float) -> Hit:
        return self.hits.get((x, y), NOTHING_HIT)

    async def anchor(self, x: float, y: float) -> Anchor | None:
        return self.anchors.get((x, y))

    async def next_focus(self, from_node: int | None, backwards: bool) -> int | None:
        return self.tab_order.get((from_node, backwards))

    async def describe(self, node: int) -> Hit | None:
        return self.nodes.get(node)

    async def watch(self, seen: bool) -> None:
        if not self.watched or self.watched[-1] != seen:
            self.watched.append(seen)

    async def draw(self, tool: str, points: list[list[float]]) -> None:
        self.drawn.append((tool, points))

    async def erase(self) -> None:
        self.drawn.clear()

    async def close(self) -> None:
        self.closed = True

    # -- what a running page reports ---------------------------------------------------------

    def show(self, frame: Frame | None = None) -> None:
        """A screencast frame, for the hub's frame pump to send to the agent."""
        assert self.frames is not None, "the page has not started"
        self.frames.put(frame or blank_frame())

    def crash(self) -> None:
        self._events().on_crash()

    def hang(self) -> None:
        """The page stopped answering (its heartbeat says so)."""
        self._events().on_hang()

    def resize(self, width: int, height: int) -> None:
        """The customer's page changed its viewport (rebuilt here, then reported)."""
        assert self.screen is not None, "the page has not started"
        self.screen.viewport = Viewport(width, height)
        self._events().on_resize()

    def notice(self, reason: str) -> None:
        self._events().on_notice(reason)

    def _events(self) -> PageEvents:
        assert self.events is not None, "the page has not started"
        return self.events


class FakePages:
    """The hub's page factory: each call makes a :class:`FakePage`, kept in ``made``."""

    def __init__(self) -> None:
        self.made: list[FakePage] = []
        self._start_error: Exception | None = None

    def __call__(self) -> FakePage:
        page = FakePage()
        page.start_error = self._start_error
        self.made.append(page)
        return page

    def fail_starts(self, error: Exception) -> None:
        """From now on pages fail to start, those already made (a spare) included."""
        self._start_error = error
        for page in self.made:
            if not page.started:
                page.start_error = error


def page_of(live: LiveSession) -> FakePage:
    assert isinstance(live.page, FakePage), "the session has no render page yet"
    return live.page


def make_config(
    *,
    inactivity_s: float = 600.0,
    agent_grace_s: float = 30.0,
    customer_grace_s: float = 30.0,
    agent_can_submit: bool = False,
    send_session_id: Literal["auto", "manual"] = "auto",
    limits: LimitsConfig | None = None,
    agent_control: Literal["write", "ask", "pointer"] = "write",
) -> Config:
    """The contract's defaults, with the timeouts, rules and limits a test needs."""
    return Config(
        session=SessionConfig(
            inactivity_timeout_s=inactivity_s,
            agent_reconnect_grace_s=agent_grace_s,
            customer_reconnect_grace_s=customer_grace_s,
            agent_control=agent_control,
        ),
        masking=MaskingConfig(agent_can_submit=agent_can_submit),
        chat=ChatConfig(send_session_id=send_session_id),
        limits=limits or LimitsConfig(),
    )


@dataclass
class Hubs:
    hub: Hub
    chats: ChatHub
    pages: FakePages
    history: HistoryStore
    metrics: Metrics

    async def record(self, session_uuid: str) -> dict[str, Any]:
        record = await self.history.get(session_uuid)
        assert record is not None, f"no history record for {session_uuid}"
        return record

    def count(self, name: str, **labels: str) -> float:
        """A metric's value (``cobrowse_<name>_total``)."""
        value = self.metrics.registry.get_sample_value(f"cobrowse_{name}_total", labels)
        return value or 0.0


async def empty_history(tmp_path: Path) -> Path:
    """A history database with its tables and no rows, in ``tmp_path``. Creating the tables
    takes most of such a test's time, so it is done once a run (in pytest's directory for the
    run, beside every test's own) and copied for each test."""
    empty = tmp_path.parent / "empty-history.db"
    if not empty.exists():
        making = empty.with_suffix(".making")
        store = HistoryStore(f"sqlite:///{making}")
        await store.create_tables()
        await store.close()  # Its last connection closed, SQLite folds the WAL into the file.
        making.rename(empty)
    copy = tmp_path / "history.db"
    shutil.copyfile(empty, copy)
    return copy


@contextlib.asynccontextmanager
async def open_hubs(
    tmp_path: Path, config: Config | None = None, tracks: Tracks | None = None
) -> AsyncIterator[Hubs]:
    """A Hub and a ChatHub wired as ``mirror.server.app`` does, over a real SQLite history in
    ``tmp_path`` and fake render pages; at the end they shut down as the server's do."""
    config = config or make_config()
    history = HistoryStore(f"sqlite:///{await empty_history(tmp_path)}")
    await history.open()
    metrics, pages = Metrics(), FakePages()
    hub = Hub(config, history, pages, metrics, tracks=tracks)
    chats = ChatHub(config, history, metrics, sessions=hub)
    hub.observe(chats)
    hub.pages.prepare_spare()
    try:
        yield Hubs(hub, chats, pages, history, metrics)
    finally:
        await hub.shutdown()
        await chats.shutdown()
        await history.close()


@contextlib.asynccontextmanager
async def watching_inactivity(hub: Hub) -> AsyncIterator[None]:
    """``Hub.watch_inactivity`` is a loop the app runs as a task for its whole life."""
    task = asyncio.create_task(hub.watch_inactivity())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# -- what the socket handlers do -------------------------------------------------------------


async def customer_hello(
    hubs: Hubs, hello: Hello | None = None, name: str = "customer"
) -> tuple[MemoryPeer, LiveSession, SessionInfo]:
    """The customer's socket: hello (tied to the chat it names, as ``/ws/customer`` does)."""
    hello = hello or Hello(viewport=VIEWPORT)
    peer = MemoryPeer(name)
    tie = None
    if hello.chat is not None and not (hello.resume_id and hello.resume_token):
        tie = hubs.chats.tie(hello.chat.id, hello.chat.token)
    live = await hubs.hub.customer_hello(peer, hello, ORIGIN, tie)
    return peer, live, await peer.next(SessionInfo)


def from_chat(chat: Chat) -> Hello:
    """The hello of Co-browse pressed in the customer's chat panel."""
    return Hello(viewport=VIEWPORT, chat=ChatRef(id=chat.uuid, token=chat.token))


async def agent_join(
    hubs: Hubs, live: LiveSession, interaction: str | None = None, name: str = "agent"
) -> MemoryPeer:
    peer = MemoryPeer(name)
    await hubs.hub.agent_join(peer, live.session.access_id, interaction)
    return peer


async def session_with_agent(hubs: Hubs) -> tuple[MemoryPeer, LiveSession, MemoryPeer]:
    customer, live, _ = await customer_hello(hubs)
    return customer, live, await agent_join(hubs, live)


async def ended(peer: MemoryPeer) -> str | None:
    """The reason of the next "ended" status ``peer`` is told."""
    return (await peer.status("ended")).reason
