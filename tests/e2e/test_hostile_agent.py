"""A hostile agent (a raw socket, no browser) cannot make the customer's page run code, submit,
navigate away or lose its session: every input is refused or harmless."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from playwright.sync_api import Page, expect

from mirror.testing import Cobrowse
from tests.wsclient import ws_url

PAYLOAD = '<img src=x onerror="window.__pwned=1">javascript:window.__pwned=2'


class RawAgent:
    """An agent socket driven from its own event loop thread (Playwright owns the main one)."""

    def __init__(self, server_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.url = ws_url(server_url, "agent")
        self.received: list[dict[str, Any]] = []
        self.arrived = threading.Condition()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def join(self, access_id: str) -> None:
        async def go() -> None:
            self.http = aiohttp.ClientSession()
            self.ws = await self.http.ws_connect(self.url)
            await self.ws.send_json({"v": 1, "type": "join", "id": access_id})
            self.reader = asyncio.ensure_future(self._read())

        self.run(go())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                with self.arrived:
                    self.received.append(json.loads(message.data))
                    self.arrived.notify_all()

    def refusals(self) -> set[str]:
        return {m["reason"] for m in self.received if m["type"] == "refused"}

    def wait_for_refusals(self, reasons: set[str], timeout_s: float = 15) -> set[str]:
        """Wait until every reason in ``reasons`` has been refused; returns all refusals."""
        with self.arrived:
            self.arrived.wait_for(lambda: reasons <= self.refusals(), timeout_s)
            return self.refusals()

    def send(self, *messages: dict[str, Any]) -> None:
        async def go() -> None:
            for message in messages:
                await self.ws.send_str(json.dumps({"v": 1, **message}))

        self.run(go())

    def close(self) -> None:
        async def go() -> None:
            await self.ws.close()
            await self.http.close()
            self.reader.cancel()

        self.run(go())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def raw_agent(cobrowse: Cobrowse) -> Iterator[RawAgent]:
    agent = RawAgent(cobrowse.server.url)
    yield agent
    agent.close()


def test_hostile_agent_input_is_refused_or_harmless(
    page: Page, sample_site: str, cobrowse: Cobrowse, raw_agent: RawAgent
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{sample_site}/form/")
    session = cobrowse.start(page)
    raw_agent.join(session.id)
    expect(session.customer_status).to_contain_text("established")
    box = page.locator("#text").bounding_box()
    assert box is not None
    x, y = box["x"] + 10, box["y"] + box["height"] / 2
    raw_agent.send(
        {"type": "click", "x": -5, "y": 10},
        {"type": "click", "x": 99999, "y": 99999},
        {"type": "wheel", "x": 10, "y": 10, "dx": 99999, "dy": -99999},
        {"type": "key", "key": "F5"},
        {"type": "key", "key": "w", "ctrl": True},
        {"type": "text", "text": "x" * 5000},
        {"type": "click", "x": x, "y": y},
        {"type": "text", "text": PAYLOAD},
        {"type": "key", "key": "Enter"},
        {"type": "key", "key": "<script>alert(1)</script>"},
        {"type": "text", "text": "END"},
    )
    # Inputs are handled in order: once "END" is in the field, everything before it was too.
    expect(page.locator("#text")).to_have_value(PAYLOAD + "END", timeout=15_000)
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert page.url == f"{sample_site}/form/"
    expect(session.customer_status).to_contain_text("established")
    expected = {"outside_view", "text_too_long", "submit"}
    assert expected <= raw_agent.wait_for_refusals(expected)
