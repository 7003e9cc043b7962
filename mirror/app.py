"""The aiohttp application: routes, typed application state and the resources it owns.

Chromium, the history store and the asset gate are started in ``cleanup_ctx`` and stopped with
the app; live sessions are ended (``server_shutdown``) before the sockets are torn down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Middleware

from mirror.agent_auth import AgentAuth
from mirror.browser import ChromiumHost
from mirror.chat_hub import ChatHub
from mirror.config import Config
from mirror.history import HistoryStore
from mirror.hub import Hub
from mirror.joinguard import JoinGuard
from mirror.metrics import Metrics
from mirror.netguard import AssetGate
from mirror.proxies import parse_networks

log = logging.getLogger("cobrowse.server")


@dataclass(frozen=True)
class Settings:
    """Everything the server is started with: the config file and the command line."""

    config: Config
    db: str = "sqlite:///cobrowse.db"
    chromium: str | None = None
    # The demo kiosk's customer site, shown at "/" beside the agent's view (None: no kiosk).
    kiosk_site: str | None = None


SETTINGS = web.AppKey("settings", Settings)
HISTORY = web.AppKey("history", HistoryStore)
HUB = web.AppKey("hub", Hub)
CHAT_HUB = web.AppKey("chat_hub", ChatHub)
JOIN_GUARD = web.AppKey("join_guard", JoinGuard)
AUTH = web.AppKey("agent_auth", AgentAuth)
METRICS = web.AppKey("metrics", Metrics)


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if settings.config.dev_origins:
        log.warning("allowed_origins is empty: any site may embed cobrowse.js (development only)")
    if not settings.config.server.agent_keys:
        log.warning("agent_keys is empty: agents need no key (development only)")
    history = app[HISTORY] = HistoryStore(settings.db)
    await history.open()
    host = await ChromiumHost.launch(settings.chromium)
    config = settings.config
    gate = AssetGate.create(config.server.allowed_origins, config.capture.public_assets)
    hub = app[HUB] = Hub(settings.config, history, host, gate, app[METRICS])
    hub.prepare_spare_mirror()
    # A chat is the primary interaction of the co-browse sessions started from it.
    chats = app[CHAT_HUB] = ChatHub(settings.config, history, app[METRICS])
    hub.chats, chats.cobrowse = chats, hub
    app[JOIN_GUARD] = JoinGuard()
    inactivity = asyncio.create_task(hub.watch_inactivity())
    try:
        yield
    finally:
        inactivity.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await inactivity
        await gate.close()
        await host.close()
        await history.close()


async def _end_live_sessions(app: web.Application) -> None:
    # Sessions first: ending a chat would end its sessions as interaction_ended instead.
    await app[HUB].shutdown()
    await app[CHAT_HUB].shutdown()


def build_app(settings: Settings) -> web.Application:
    from mirror import proxies, web_agent, web_chat, web_customer, web_http

    middlewares: list[Middleware] = [web_http.json_errors, web_http.api_keys]
    if settings.config.server.trusted_proxies:
        networks = parse_networks(settings.config.server.trusted_proxies)
        middlewares.insert(0, proxies.middleware(networks))
    app = web.Application(middlewares=middlewares, client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[AUTH] = AgentAuth(tuple(settings.config.server.agent_keys))
    app.cleanup_ctx.append(_resources)
    app.on_shutdown.append(_end_live_sessions)
    web_http.add_routes(app)
    app.router.add_get("/frame-policy", web_customer.frame_policy)
    app.router.add_get("/ws/customer", web_customer.customer_socket)
    app.router.add_get("/ws/agent", web_agent.agent_socket)
    app.router.add_get("/ws/chat", web_chat.chat_socket)
    app.router.add_get("/ws/desk", web_chat.desk_socket)
    return app
