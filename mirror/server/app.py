"""The aiohttp application: routes, the objects the handlers reach, and the resources it owns.

Each resource is started by its own ``cleanup_ctx`` step and stopped in reverse order, so one that
fails to start (Chromium, say) still closes those started before it (the history store). Live
sessions are ended (``server_shutdown``) before the sockets are torn down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from mirror.chat.directory import ChatDirectory
from mirror.chat.front import LocalChatFront
from mirror.chat.hub import ChatHub
from mirror.chat.peers import Interactions
from mirror.cluster.joinguard import SharedJoinGuard
from mirror.cluster.jointokens import SharedJoinTokens
from mirror.cluster.node import ClusterNode
from mirror.cluster.registry import SharedDirectory
from mirror.cluster.store import connect
from mirror.config import parse_networks
from mirror.history import HistoryStore
from mirror.metrics import Metrics
from mirror.recording.recordings import Recordings
from mirror.render.load import CaptureLoad
from mirror.render.network import AssetGate
from mirror.render.page import RenderPage
from mirror.render.supervisor import SupervisedChromium
from mirror.server import (
    agent_socket,
    api,
    chat_sockets,
    customer_socket,
    health,
    joins,
    pages,
    proxies,
    recordings,
)
from mirror.server.auth import AgentAuth, api_keys_middleware, supervisors
from mirror.server.keys import (
    AUTH,
    CHAT_FRONT,
    CHAT_HUB,
    CHROMIUM,
    CLUSTER,
    FRONT,
    HISTORY,
    HUB,
    JOIN_GUARD,
    JOIN_TOKENS,
    METRICS,
    SETTINGS,
    WEBHOOKS,
    Cluster,
    Settings,
)
from mirror.server.memory import MemoryReleaser
from mirror.server.recordings import RECORDINGS, SUPERVISORS
from mirror.server.responses import json_errors
from mirror.session.front import LocalFront
from mirror.session.hub import Hub
from mirror.session.joinguard import LocalGuard
from mirror.session.jointokens import LocalJoinTokens
from mirror.session.live import PageFactory, ServerPage
from mirror.webhooks.observer import LifecycleEvents
from mirror.webhooks.sender import Webhooks
from mirror.wire import policy_for

log = logging.getLogger("cobrowse.server")

# Set by _asset_gate and _front, read by _hubs and at shutdown: resources that only the app's
# own start-up steps share.
_GATE = web.AppKey("asset_gate", AssetGate)
_NODE = web.AppKey("cluster_node", ClusterNode)


def _warn_if_open(settings: Settings) -> None:
    if settings.config.dev_origins:
        log.warning("allowed_origins is empty: any site may embed cobrowse.js (development only)")
    if not settings.config.server.agent_keys:
        log.warning("agent_keys is empty: agents need no key (development only)")


async def _history(app: web.Application) -> AsyncIterator[None]:
    history = app[HISTORY] = HistoryStore(app[SETTINGS].db)
    await history.open(shared=bool(app[SETTINGS].config.cluster.redis_url))
    try:
        yield
    finally:
        await history.close()


async def _recordings(app: web.Application) -> AsyncIterator[None]:
    """The recordings' store and index (played back even while recording is off), and the
    retention job."""
    settings = app[SETTINGS]
    node = settings.node or socket.gethostname()
    config = settings.config.recording
    recordings = app[RECORDINGS] = Recordings.open(config, settings.db, app[HISTORY], node)
    retention = asyncio.create_task(recordings.keep_retention())
    if config.enabled:
        log.info("recording every session to %s", recordings.store.describe())
    try:
        yield
    finally:
        retention.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await retention


async def _webhooks(app: web.Application) -> AsyncIterator[None]:
    """The webhook sender, when ``[webhooks] url`` is set; closed after the hubs (the sessions'
    ends are events too)."""
    config = app[SETTINGS].config.webhooks
    if not config.url:
        yield
        return
    webhooks = app[WEBHOOKS] = Webhooks(config, app[HISTORY].engine)
    webhooks.start()
    try:
        yield
    finally:
        await webhooks.close()


def _watch_lifecycle(app: web.Application, hub: Hub, chats: ChatHub) -> None:
    if WEBHOOKS in app:
        events = LifecycleEvents(app[WEBHOOKS])
        hub.observe(events)
        chats.watchers.append(events.chat_changed)


async def _browser(app: web.Application) -> AsyncIterator[None]:
    settings, frames = app[SETTINGS], app[SETTINGS].config.frames
    load = CaptureLoad(frames.scale, frames.scale_when_behind)
    scale = app[METRICS].capture_scale
    scale.set(load.scale)
    load.on_change(lambda: scale.set(load.scale))
    host = app[CHROMIUM] = await SupervisedChromium.start_capturing(
        frames.capture, frames.scale, settings.chromium, load
    )
    try:
        yield
    finally:
        await host.close()


async def _asset_gate(app: web.Application) -> AsyncIterator[None]:
    config = app[SETTINGS].config
    gate = app[_GATE] = AssetGate.create(
        config.server.allowed_origins, config.capture.public_assets
    )
    try:
        yield
    finally:
        await gate.close()


async def _hubs(app: web.Application) -> AsyncIterator[None]:
    config, host, gate = app[SETTINGS].config, app[CHROMIUM], app[_GATE]
    policy = policy_for(config.masking)

    def new_page() -> ServerPage:
        return RenderPage(host, gate, policy)

    async with _front(app, new_page) as hub, _upkeep(app, hub):

        async def restarted() -> None:  # Every live session gets a page in the new browser.
            app[METRICS].browser_restarts.inc()
            await hub.pages.browser_restarted(hub.sessions())

        host.on_restart(restarted)
        yield


@contextlib.asynccontextmanager
async def _front(app: web.Application, new_page: PageFactory) -> AsyncIterator[Hub]:
    """The hubs, and the fronts the sockets reach them through: this process's own, or a
    cluster node's when a Redis is configured."""
    settings = app[SETTINGS]
    config, history, metrics = settings.config, app[HISTORY], app[METRICS]
    tracks = app[RECORDINGS].start if config.recording.enabled else None
    if not config.cluster.redis_url:
        hub = app[HUB] = Hub(
            config, history, new_page, metrics, tracks=tracks, tokens=app[JOIN_TOKENS]
        )
        # A chat is the primary interaction of the co-browse sessions started from it.
        chats = app[CHAT_HUB] = ChatHub(config, history, metrics, sessions=hub)
        hub.observe(chats)
        app[FRONT] = LocalFront(hub, app[JOIN_GUARD])
        app[CHAT_FRONT] = LocalChatFront(chats)
        app[CLUSTER] = Cluster("single", lambda: _count(hub), _ender(hub, chats))
        _watch_lifecycle(app, hub, chats)
        yield hub
        return
    redis = await connect(config.cluster.redis_url)
    name = settings.node or f"{socket.gethostname()}-{os.getpid()}"
    directory = SharedDirectory(redis, name)
    tokens = app[JOIN_TOKENS] = SharedJoinTokens(redis)
    hub = app[HUB] = Hub(config, history, new_page, metrics, directory, tracks, tokens)
    guard = app[JOIN_GUARD] = SharedJoinGuard(redis)

    def new_chats(sessions: Interactions, chat_directory: ChatDirectory) -> ChatHub:
        return ChatHub(config, history, metrics, sessions, chat_directory)

    node = ClusterNode(redis, name, hub, directory, guard, new_chats)
    app[CHAT_HUB] = node.chats.hub
    hub.observe(node.chats)  # The node holding the chats hears of every session.
    _watch_lifecycle(app, hub, node.chats.hub)
    try:
        await node.start(config)
        app[FRONT], app[CHAT_FRONT] = node, node.chats
        app[CLUSTER] = Cluster(name, node.live_count, node.end_primary)
        app[_NODE] = node
        yield hub
    finally:
        await redis.aclose()


async def _count(hub: Hub) -> int:
    return len(hub.registry)


def _ender(hub: Hub, chats: ChatHub) -> Callable[[str], Awaitable[tuple[list[str], bool]]]:
    async def end_primary(interaction_id: str) -> tuple[list[str], bool]:
        # A chat ends first, taking its sessions with it; any other tied session ends next.
        chat_sessions = await chats.end_interaction(interaction_id)
        ended = (chat_sessions or []) + await hub.end_interaction(interaction_id)
        return ended, chat_sessions is not None

    return end_primary


@contextlib.asynccontextmanager
async def _upkeep(app: web.Application, hub: Hub) -> AsyncIterator[None]:
    releaser = MemoryReleaser()
    hub.observe(releaser)
    # Frames captured smaller free the pictures of the full size (mirror/render/window_frames.py).
    unlisten = app[CHROMIUM].load.on_change(releaser.soon)
    hub.pages.prepare_spare()
    inactivity = asyncio.create_task(hub.watch_inactivity())
    try:
        yield
    finally:
        inactivity.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await inactivity
        unlisten()
        releaser.cancel()


async def _end_live_sessions(app: web.Application) -> None:
    # Sessions first: ending a chat would end its sessions as interaction_ended instead.
    last = await app[_NODE].stop() if _NODE in app else True
    await app[HUB].shutdown()  # Other nodes took this one's sessions; the last one ends them.
    if last:
        await app[CHAT_HUB].shutdown()
    else:
        await app[CHAT_HUB].hand_over()


def build_app(settings: Settings) -> web.Application:
    _warn_if_open(settings)
    middlewares: list[Middleware] = [json_errors]
    if settings.config.server.trusted_proxies:
        networks = parse_networks(settings.config.server.trusted_proxies)
        middlewares.insert(0, proxies.middleware(networks))
    auth = AgentAuth(tuple(settings.config.server.agent_keys))
    middlewares.append(api_keys_middleware(auth))
    app = web.Application(middlewares=middlewares, client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[AUTH] = auth
    app[JOIN_GUARD] = LocalGuard()
    app[JOIN_TOKENS] = LocalJoinTokens()
    app[SUPERVISORS] = supervisors(settings.config.server.supervisor_keys)
    app.cleanup_ctx.extend([_history, _recordings, _webhooks, _browser, _asset_gate, _hubs])
    app.on_shutdown.append(_end_live_sessions)
    pages.add_routes(app)
    api.add_routes(app)
    health.add_routes(app)
    joins.add_routes(app)
    recordings.add_routes(app)
    app.router.add_get("/ws/customer", customer_socket.customer_socket)
    app.router.add_get("/ws/agent", agent_socket.agent_socket)
    app.router.add_get("/ws/chat", chat_sockets.chat_socket)
    app.router.add_get("/ws/desk", chat_sockets.desk_socket)
    return app
