"""A session joined by an agent's socket on an in-process server, with what the integration
tests look at on the server: its live session, render page and Chromium page."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer
from playwright.async_api import Page

from mirror.config import Config, FramesConfig
from mirror.render.load import CaptureLoad
from mirror.render.page import RenderPage
from mirror.server.app import build_app
from mirror.server.keys import CHROMIUM, HUB, METRICS, Settings
from mirror.session.live import LiveSession
from tests.integration.test_render_failure import join
from tests.wsclient import open_customer

CAPTURED = "cobrowse_frame_lag_seconds_count"  # One sample per screencast frame taken.


@dataclass
class Watched:
    """A session joined by an agent's socket, with what the tests look at on the server."""

    customer: aiohttp.ClientWebSocketResponse
    agent: aiohttp.ClientWebSocketResponse
    live: LiveSession
    render: RenderPage
    chromium: Page
    captured: Callable[[], float]  # Screencast frames taken so far.
    load: CaptureLoad  # The server's Chromium's: the scale frames are captured at.


@contextlib.asynccontextmanager
async def watched(tmp_path: Path, capture: str = "auto") -> AsyncIterator[Watched]:
    """A joined session on a server of the defaults, its frames taken the ``capture`` way."""
    config = Config(frames=FramesConfig(capture=capture))
    app = build_app(Settings(config=config, db=f"sqlite:///{tmp_path / 'h.db'}"))
    async with TestServer(app) as server, aiohttp.ClientSession() as http:
        url = str(server.make_url("")).rstrip("/")
        customer, info = await open_customer(http, url)
        agent = await join(http, url, customer, info["id"])
        live = app[HUB].lookup(info["uuid"])
        assert live is not None and isinstance(live.page, RenderPage)
        assert live.page.page is not None
        registry = app[METRICS].registry

        def captured() -> float:
            return registry.get_sample_value(CAPTURED) or 0.0

        load = app[CHROMIUM].load
        yield Watched(customer, agent, live, live.page, live.page.page, captured, load)
