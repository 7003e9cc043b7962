"""The application's typed state: what the server was started with, and the objects each handler
reaches through ``request.app[KEY]``. Set by :mod:`mirror.server.app`, read by the handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from mirror.chat.front import ChatFront
from mirror.chat.hub import ChatHub
from mirror.config import Config
from mirror.history import HistoryStore
from mirror.metrics import Metrics
from mirror.render.supervisor import SupervisedChromium
from mirror.server.auth import AgentAuth
from mirror.session.front import Front
from mirror.session.hub import Hub
from mirror.session.joinguard import Guard
from mirror.session.jointokens import JoinTokens
from mirror.webhooks.sender import Webhooks


@dataclass(frozen=True)
class Settings:
    """Everything the server is started with: the config file and the command line."""

    config: Config
    db: str = "sqlite:///cobrowse.db"
    chromium: str | None = None
    # The demo kiosk's customer site, shown at "/" beside the agent's view (None: no kiosk).
    kiosk_site: str | None = None
    # This node's name in a cluster (default: the host's name and the process's ID).
    node: str | None = None


SETTINGS = web.AppKey("settings", Settings)
HISTORY = web.AppKey("history", HistoryStore)
HUB = web.AppKey("hub", Hub)
CHAT_HUB = web.AppKey("chat_hub", ChatHub)
JOIN_GUARD = web.AppKey("join_guard", Guard)
JOIN_TOKENS = web.AppKey("join_tokens", JoinTokens)
FRONT = web.AppKey("front", Front)
CHAT_FRONT = web.AppKey("chat_front", ChatFront)


@dataclass
class Cluster:
    """What a node of a cluster reports: its name, and how many sessions the cluster holds."""

    name: str
    count: Callable[[], Awaitable[int]]
    # Ends the chat with that interaction ID and the sessions tied to it, wherever they are
    # held: the UUIDs of the sessions ended here, and whether a chat ended.
    end_interaction: Callable[[str], Awaitable[tuple[list[str], bool]]]


CLUSTER = web.AppKey("cluster", Cluster)
AUTH = web.AppKey("agent_auth", AgentAuth)
METRICS = web.AppKey("metrics", Metrics)
WEBHOOKS = web.AppKey("webhooks", Webhooks)  # Only with [webhooks] url.
CHROMIUM = web.AppKey("chromium", SupervisedChromium)  # The render pages' browser.
