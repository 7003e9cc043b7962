"""Webhooks against a real receiver on loopback: the lifecycle's events arrive signed, in order,
with IDs only; a receiver that fails gets the same event (same id) again until it takes it, and
the delivery log says so; a receiver that is down never holds a session up; and `cobrowse
webhooks test` checks the receiver."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from mirror.config import Config, WebhooksConfig
from mirror.server.app import build_app
from mirror.server.keys import WEBHOOKS, Settings
from mirror.testing.server import free_port
from mirror.webhooks.signing import verify
from tests.aio import in_thread
from tests.waiting import async_poll, async_wait_for
from tests.wsclient import (
    open_customer,
    receive_json,
    receive_status,
    send_snapshot_when_asked,
    ws_url,
)

SECRET = "webhook-secret-3f9"


@dataclass
class Receiver:
    """The contact centre's endpoint: keeps what it was sent; fails the first ``failures``
    tries of each event."""

    failures: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    tries: dict[str, int] = field(default_factory=dict)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        event = json.loads(body)
        event["_signed"] = verify(
            SECRET, request.headers["X-Cobrowse-Signature"], body, time.time()
        )
        event["_id_header"] = request.headers.get("X-Cobrowse-Event-Id")
        event["_body"] = body.decode()
        self.tries[event["id"]] = self.tries.get(event["id"], 0) + 1
        self.received.append(event)
        return web.Response(status=500 if self.tries[event["id"]] <= self.failures else 204)

    def types(self) -> list[str]:
        delivered = [e for e in self.received if self.tries[e["id"]] > self.failures]
        return [e["type"] for e in delivered if e is self._last_try(e["id"])]

    def _last_try(self, event_id: str) -> dict[str, Any]:
        return [e for e in self.received if e["id"] == event_id][-1]


@asynccontextmanager
async def receiving(receiver: Receiver, port: int) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/hooks", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}/hooks"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def serving(tmp_path: Path, url: str) -> AsyncIterator[tuple[web.Application, str]]:
    config = Config(webhooks=WebhooksConfig(url=url, secret=SECRET))
    app = build_app(Settings(config=config, db=f"sqlite:///{tmp_path / 'h.db'}"))
    async with TestServer(app) as server:
        app[WEBHOOKS].backoff_s = (0.05,)  # Tests wait on retries, not on minutes.
        yield app, str(server.make_url("")).rstrip("/")


@asynccontextmanager
async def hooked(
    tmp_path: Path, receiver: Receiver
) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    """A server whose webhooks go to ``receiver``, and a client: (client, server URL)."""
    async with (
        receiving(receiver, free_port()) as hook_url,
        serving(tmp_path, hook_url) as (_, url),
        aiohttp.ClientSession() as http,
    ):
        yield http, url


async def one_session(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    """A customer, an agent joining, the customer's exit: the session's info."""
    customer, info = await open_customer(http, url)
    agent = await http.ws_connect(ws_url(url, "agent"))
    await agent.send_json({"v": 1, "type": "join", "id": info["id"]})
    await send_snapshot_when_asked(customer)
    await customer.send_json({"v": 1, "type": "exit"})
    await receive_status(agent, "ended")
    await agent.close()
    await customer.close()
    return info


@in_thread
async def test_the_lifecycle_arrives_signed_in_order_with_ids_only(tmp_path: Path) -> None:
    receiver = Receiver()
    async with hooked(tmp_path, receiver) as (http, url):
        info = await one_session(http, url)
        await async_wait_for(lambda: len(receiver.received) >= 3, "three events")
    assert [e["type"] for e in receiver.received] == [
        "session.created",
        "session.started",
        "session.ended",
    ]
    assert all(e["_signed"] and e["_id_header"] == e["id"] for e in receiver.received)
    assert {e["session"] for e in receiver.received} == {info["uuid"]}
    assert receiver.received[-1]["reason"] == "customer_exit"
    assert not any(info["id"] in e["_body"] for e in receiver.received)  # Never the digits.


@in_thread
async def test_a_failing_receiver_gets_the_same_event_again_and_the_log_says_so(
    tmp_path: Path,
) -> None:
    receiver = Receiver(failures=1)
    async with hooked(tmp_path, receiver) as (http, url):
        await one_session(http, url)

        async def deliveries() -> list[dict[str, Any]]:
            async with http.get(f"{url}/api/webhooks/deliveries") as response:
                return list(await response.json())

        # The receiver answers before the sender writes down that it did: wait on the log.
        log = await async_poll(
            deliveries,
            lambda rows: len(rows) == 3 and all(row["state"] == "delivered" for row in rows),
            "three deliveries logged",
        )
    assert all(count == 2 for count in receiver.tries.values())  # Same id, tried twice.
    assert [(row["state"], row["attempts"], row["last_status"]) for row in log] == [
        ("delivered", 2, 204)
    ] * 3


@in_thread
async def test_a_receiver_that_is_down_holds_no_session_up(tmp_path: Path) -> None:
    receiver, port = Receiver(), free_port()
    async with (
        serving(tmp_path, f"http://127.0.0.1:{port}/hooks") as (app, url),
        aiohttp.ClientSession() as http,
    ):
        await one_session(http, url)  # Ends normally, nothing listening.

        async def deliveries() -> list[dict[str, Any]]:
            async with http.get(f"{url}/api/webhooks/deliveries") as response:
                return list(await response.json())

        # The events are stored as the sender gets to them, just after the session's end.
        tried = await async_poll(
            deliveries, lambda rows: len(rows) == 3 and all(r["attempts"] for r in rows), "tries"
        )
        assert all(row["state"] == "pending" for row in tried)
        async with receiving(receiver, port):  # The receiver comes back: nothing is lost.
            await async_wait_for(lambda: len(receiver.types()) >= 3, "the events, late")
    assert sorted(receiver.types()) == ["session.created", "session.ended", "session.started"]


@in_thread
async def test_the_command_checks_the_receiver(tmp_path: Path) -> None:
    receiver = Receiver()
    async with receiving(receiver, free_port()) as hook_url:
        config = tmp_path / "c.toml"
        config.write_text(f'[webhooks]\nurl = "{hook_url}"\nsecret = "{SECRET}"\n')
        command = [sys.executable, "-m", "mirror", "webhooks", "test", "--config", str(config)]
        done = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, timeout=60, check=False
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "HTTP 204" in done.stdout
    assert receiver.received[0]["type"] == "webhook.test" and receiver.received[0]["_signed"]


@in_thread
async def test_a_chats_life_arrives_signed_without_its_text(tmp_path: Path) -> None:
    receiver = Receiver()
    async with hooked(tmp_path, receiver) as (http, url):
        chat = await http.ws_connect(ws_url(url, "chat"), origin="http://shop.test")
        await chat.send_json({"v": 1, "type": "chat_hello", "label": "Checkout"})
        chat_id = (await receive_json(chat))["chat"]["id"]
        await chat.send_json({"v": 1, "type": "say", "text": "where is parcel 7731?"})
        desk = await http.ws_connect(ws_url(url, "desk"))
        await desk.send_json({"v": 1, "type": "desk_hello"})
        await desk.send_json({"v": 1, "type": "accept", "chat": chat_id})
        await desk.send_json({"v": 1, "type": "end_chat", "chat": chat_id})
        await async_wait_for(lambda: len(receiver.received) >= 3, "three chat events")
        await desk.close()
        await chat.close()
    assert [e["type"] for e in receiver.received] == ["chat.started", "chat.accepted", "chat.ended"]
    assert all(e["_signed"] and e["chat"] == chat_id for e in receiver.received)
    assert receiver.received[-1]["reason"] == "agent_ended"
    assert not any("parcel" in e["_body"] for e in receiver.received)  # Never the chat's text.
