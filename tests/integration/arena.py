"""The arena of tests/integration/test_hostile_sockets.py: one real server (build_app on a
TestServer, with its Chromium) on an event loop of its own thread, a bystander session and chat
opened before any barrage, and the player that throws a scenario of tests/integration/hostile.py
at it and checks what each hostile socket was answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import msgspec
from aiohttp.test_utils import TestServer

from mirror.chat.messages import ChatServerMessage
from mirror.config import Config, ServerConfig, SessionConfig
from mirror.server.app import build_app
from mirror.server.auth import COOKIE
from mirror.server.keys import CHAT_HUB, HUB, JOIN_GUARD, METRICS, Settings
from mirror.session.joinguard import JoinGuard, LocalGuard
from mirror.session.messages import ServerMessage
from mirror.wire import (
    CLOSE_BUSY,
    CLOSE_ELSEWHERE,
    CLOSE_ENDED,
    CLOSE_FORBIDDEN,
    CLOSE_MALFORMED,
    CLOSE_TOO_LARGE,
    CLOSE_UNKNOWN_SESSION,
    CLOSE_VERSION,
)
from tests.integration.hostile import AGENTS, Hostile, Payload, Ref, Scenario, message
from tests.wsclient import VIEWPORT, page_snapshot, ws_url

T = TypeVar("T")
WAIT_S = 15.0  # One answer from the server; far more than it takes on a busy machine.
GRACE_S = 0.05  # A hostile page gone: its session and chat end this soon after.
ORIGIN = "http://shop.test"
AGENT_KEY = "hostile-sockets-agent-key"
REFUSALS = {
    CLOSE_MALFORMED,
    CLOSE_FORBIDDEN,
    CLOSE_UNKNOWN_SESSION,
    CLOSE_TOO_LARGE,
    CLOSE_VERSION,
    CLOSE_BUSY,
}
ABNORMAL = 1006  # RFC 6455: the connection dropped without a close frame.
TOO_BIG = 1009  # RFC 6455: aiohttp's own close for a frame over the socket's size limit.
# A customer's page whose session another page took over (a resume with its ID and token) waits.
SERVER_CLOSES = REFUSALS | {CLOSE_ENDED, CLOSE_ELSEWHERE, TOO_BIG}
# Series per labelled metric: a reason is one of a fixed few, never whatever a client sent.
MAX_SERIES_PER_METRIC = 32
WIRE = msgspec.json.Decoder(ServerMessage | ChatServerMessage)
FALLBACK = {
    Ref.SESSION_ID: "000000000",
    Ref.CHAT_ID: "00000000-0000-4000-8000-000000000000",
}


def hello(**fields: Any) -> dict[str, Any]:
    return message("hello", viewport=VIEWPORT, **fields)


class NoLockOut(JoinGuard):
    """Every join may be tried: all hostile sockets come from one address, which the guard would
    lock out after a few unknown IDs, and every later join (to the hostile sessions too) would
    get the same refusal. The guard's own limits are tested in tests/unit/test_joinguard.py."""

    def allowed(self, client: str) -> bool:
        return True


class Errors(logging.Handler):
    """What the server logs as an error, and exceptions nobody handled on its loop."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(f"{record.name}: {self.format(record)}")

    def unhandled(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self.seen.append(
            f"unhandled on the loop: {context.get('message')} {context.get('exception')!r}"
        )


class Reader:
    """A long-lived socket of the bystander, read all along (its heartbeat answered), so a test
    can wait for the next message it cares about."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self.close_code: int | None = None
        self._changed = asyncio.Condition()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                async with self._changed:
                    self.messages.append(json.loads(msg.data))
                    self._changed.notify_all()
        async with self._changed:
            self.close_code = self.ws.close_code
            self._changed.notify_all()

    async def send(self, payload: dict[str, Any]) -> None:
        await self.ws.send_json(payload)

    async def next(self, where: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        async with self._changed, asyncio.timeout(WAIT_S):
            while True:
                found = [m for m in self.messages if where(m)]
                if found:
                    return found[0]
                assert self.close_code is None, f"closed ({self.close_code}): {self.messages}"
                await self._changed.wait()

    async def closed(self) -> int | None:
        async with asyncio.timeout(WAIT_S):
            await self._task
        return self.close_code


def of_type(kind: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
    return lambda m: m["type"] == kind and all(m.get(k) == v for k, v in fields.items())


class HostileSocket:
    """One socket of a scenario, read only when it waits for an answer and at its end, so every
    message the server sent it is checked in order."""

    def __init__(self, hostile: Hostile, known: dict[Ref, str]) -> None:
        self.hostile, self.known = hostile, known
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.texts: list[str] = []
        self.close_code: int | None = None  # The server's, when it closed first.
        self.closed = False
        self.sent = 0

    async def open(self, http: aiohttp.ClientSession, url: str, cookie: str) -> None:
        kind = self.hostile.kind
        if kind in AGENTS:  # As the agent's page on the server's own origin would.
            headers = {"Origin": url, "Cookie": f"{COOKIE}={self.hostile.cookie or cookie}"}
        else:  # As the site's pages would.
            headers = {"Origin": ORIGIN}
        try:
            self.ws = await http.ws_connect(ws_url(url, kind), headers=headers, autoclose=False)
        except aiohttp.WSServerHandshakeError as exc:  # Refused before the upgrade.
            assert exc.status < 500, f"{kind} socket: HTTP {exc.status} {exc.message}"
            self.closed = True

    async def send(self, payload: Payload) -> None:
        if self.ws is None or self.closed:
            return  # Refused already: what it would have sent goes nowhere.
        with contextlib.suppress(ConnectionError):  # The server may have closed it meanwhile.
            if isinstance(payload, bytes):
                await self.ws.send_bytes(payload)
            elif isinstance(payload, str):
                await self.ws.send_str(payload)
            else:
                await self.ws.send_str(json.dumps(self.resolve(payload), ensure_ascii=False))
        self.sent += 1
        if self.sent == 1:  # Every first message gets an answer: what the scenario goes on with.
            await self.read(until=lambda: bool(self.texts) or self.closed)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, Ref):
            return self.known.get(value, FALLBACK.get(value, "forged"))
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    async def read(self, until: Callable[[], bool]) -> None:
        assert self.ws is not None
        while not until():
            msg = await self.ws.receive(timeout=WAIT_S)
            if msg.type is aiohttp.WSMsgType.TEXT:
                self.texts.append(msg.data)
                self.learn(json.loads(msg.data))
            elif msg.type is aiohttp.WSMsgType.CLOSE:
                self.close_code, self.closed = msg.data, True
                await self.ws.close()  # Answer the server's close frame.
            elif msg.type is not aiohttp.WSMsgType.BINARY:  # Frames: the agent's view.
                # Gone without a close frame: not a clean close.
                self.close_code, self.closed = ABNORMAL, True

    def learn(self, answer: dict[str, Any]) -> None:
        """The identifiers later steps may use (the scenario's own, never the bystander's)."""
        if answer["type"] == "session":
            self.known |= {Ref.SESSION_ID: answer["id"], Ref.SESSION_TOKEN: answer["token"]}
        elif answer["type"] == "chat":
            self.known |= {Ref.CHAT_ID: answer["chat"]["id"], Ref.CHAT_TOKEN: answer["token"]}
        elif answer["type"] == "desk":
            self.known[Ref.DESK_TOKEN] = answer["token"]

    async def end(self) -> None:
        if self.ws is None:
            return
        if self.hostile.ending == "refuse" and not self.closed:
            await self.send(b"\x00end")  # Refused, and closed, after every answer before it.
            await self.read(until=lambda: self.closed)
        else:
            await self.ws.close()
            self.closed = True

    def check(self, secrets: list[str]) -> None:
        kind = self.hostile.kind
        for text in self.texts:
            WIRE.decode(text)  # Each answer is a message of the wire.
            leaked = [s for s in secrets if s in text]
            assert not leaked, f"{kind} socket was sent the bystander's {leaked}: {text[:300]}"
        if self.close_code is None:
            return
        assert self.close_code in SERVER_CLOSES, f"{kind} socket closed with {self.close_code}"
        if self.close_code in REFUSALS:
            errors = [t for t in self.texts if json.loads(t)["type"] == "error"]
            assert errors, f"{kind} socket refused ({self.close_code}) without a word why"


class Arena:
    """One server (build_app on a TestServer, with Chromium) on a loop of its own thread, and a
    bystander: a joined co-browse session and an accepted chat, opened before any barrage."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.errors = Errors()
        self.rounds = itertools.count(1)
        self._pool = ThreadPoolExecutor(1)
        self.loop = asyncio.new_event_loop()
        self._pool.submit(self.loop.run_forever)

    def run(self, coroutine: Coroutine[Any, Any, T], timeout_s: float = 120.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    async def start(self) -> None:
        self.loop.set_exception_handler(self.errors.unhandled)
        config = Config(
            server=ServerConfig(agent_keys=[AGENT_KEY]),
            session=SessionConfig(
                customer_reconnect_grace_s=GRACE_S, agent_reconnect_grace_s=GRACE_S
            ),
        )
        self.app = build_app(Settings(config=config, db=f"sqlite:///{self.tmp_path / 'h.db'}"))
        self.app[JOIN_GUARD] = LocalGuard(NoLockOut())
        self.server = TestServer(self.app)
        await self.server.start_server()
        self.url = str(self.server.make_url("")).rstrip("/")
        self.http = aiohttp.ClientSession()
        self.cookie = await self._sign_in()
        await self._open_bystander()

    async def _sign_in(self) -> str:
        """The agent's cookie, as the agent's page gets it."""
        async with self.http.post(
            f"{self.url}/api/agent/sign-in", json={"key": AGENT_KEY}, headers={"Origin": self.url}
        ) as response:
            assert response.status == 200, await response.text()
            return response.cookies[COOKIE].value

    async def connect(self, kind: str) -> Reader:
        if kind in AGENTS:
            headers = {"Origin": self.url, "Cookie": f"{COOKIE}={self.cookie}"}
        else:
            headers = {"Origin": ORIGIN}
        return Reader(await self.http.ws_connect(ws_url(self.url, kind), headers=headers))

    async def _open_bystander(self) -> None:
        self.customer = await self.connect("customer")
        await self.customer.send(hello())
        session = await self.customer.next(of_type("session"))
        self.agent = await self.connect("agent")
        await self.agent.send(message("join", id=session["id"]))
        await self.customer.next(of_type("snapshot"))
        await self.customer.send(message("events", events=page_snapshot()))
        await self.agent.next(of_type("status", state="active"))
        self.chat = await self.connect("chat")
        await self.chat.send(message("chat_hello", label="Bystander"))
        chat = await self.chat.next(of_type("chat"))
        self.desk = await self.connect("desk")
        await self.desk.send(message("desk_hello"))
        desk = await self.desk.next(of_type("desk"))
        await self.desk.send(message("accept", chat=chat["chat"]["id"]))
        await self.chat.next(
            lambda m: m["type"] == "chat_update" and m["chat"]["state"] == "active"
        )
        self.known = {Ref.BYSTANDER_SESSION: session["id"], Ref.BYSTANDER_CHAT: chat["chat"]["id"]}
        # What no hostile socket may ever be sent: the bystander's secrets and its identifiers.
        self.secrets = [session["token"], session["uuid"], chat["token"], desk["token"]]
        self.secrets += [self.cookie, AGENT_KEY]
        self.secrets += list(self.known.values())

    async def play(self, scenario: Scenario) -> None:
        self.errors.seen.clear()
        known = dict(self.known)
        sockets = [HostileSocket(hostile, known) for hostile in scenario.sockets]
        try:
            for index, payload in scenario.steps:
                socket = sockets[index]
                if socket.ws is None and not socket.closed:
                    await socket.open(self.http, self.url, self.cookie)
                await socket.send(payload)
            for socket in sockets:
                await socket.end()
        finally:  # A failing scenario leaves nothing open for the next one.
            for socket in sockets:
                if socket.ws is not None:
                    await socket.ws.close()
        for socket in sockets:
            socket.check(self.secrets)
        await self.settled()
        await self.bystander_works()
        assert not self.errors.seen, "\n".join(self.errors.seen)
        self.check_metric_series()

    async def settled(self) -> None:
        """Back to the bystander's one session and one chat once the hostile pages are gone
        (ended, or past their grace period). Polled within a deadline: the chat hub announces
        no chat's end to anyone but that chat's own desk."""
        try:
            async with asyncio.timeout(WAIT_S):
                while not self._only_the_bystander_left():  # noqa: ASYNC110
                    await asyncio.sleep(GRACE_S)  # ok-sleep: a bounded poll; no end is announced.
        except TimeoutError:
            live = len(self.app[HUB].registry), len(self.app[CHAT_HUB].registry.live())
            raise AssertionError(f"left behind: (sessions, chats) = {live}, not (1, 1)") from None

    def _only_the_bystander_left(self) -> bool:
        return len(self.app[HUB].registry) == 1 and len(self.app[CHAT_HUB].registry.live()) == 1

    async def bystander_works(self) -> None:
        """An agent action reaches the bystander's page, a desk line reaches its chat."""
        n = next(self.rounds)
        await self.agent.send(message("pointer", x=n, y=n))
        await self.customer.next(lambda m: m["type"] == "script" and m["action"]["x"] == n)
        line = f"Still with you ({n})"
        await self.desk.send(message("say", chat=self.known[Ref.BYSTANDER_CHAT], text=line))
        await self.chat.next(lambda m: m["type"] == "line" and m["line"]["text"] == line)

    def check_metric_series(self) -> None:
        for family in self.app[METRICS].registry.collect():
            labels = {
                tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
                for s in family.samples
            }
            assert len(labels) <= MAX_SERIES_PER_METRIC, (
                f"{family.name}: {len(labels)} series, e.g. {sorted(labels)[-5:]}"
            )

    async def stop(self) -> None:
        await self.http.close()
        await self.server.close()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._pool.shutdown()
        self.loop.close()
