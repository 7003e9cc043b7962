"""``/healthz``: whether this node can serve sessions now (a balancer's check: 503 with the
reason while its render browser is being replaced, its history database does not answer or
does not take writes, or the cluster's Redis is unreachable), and ``/livez``: whether the process
answers at all (an orchestrator restarts a process that does not, not one that is waiting)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from redis.exceptions import RedisError

from mirror.server.keys import CHAT_HUB, CHROMIUM, CLUSTER, HISTORY, HUB
from mirror.server.responses import json_error

log = logging.getLogger("cobrowse.server")

DATABASE_S = 3.0  # How long the history database has to answer.


async def healthz(request: web.Request) -> web.Response:
    """This node's name, the cluster's live sessions, and the render pages this node holds."""
    app = request.app
    _unavailable_if(
        not app[CHROMIUM].healthy, "browser_unavailable", "the render browser is restarting"
    )
    await _database(app)
    cluster = app[CLUSTER]
    try:
        live_sessions = await cluster.count()
    except (RedisError, OSError):  # The node serves what it holds; new sessions wait.
        raise json_error(
            web.HTTPServiceUnavailable, "redis_unavailable", "the cluster's Redis is unreachable"
        ) from None
    mirrors = sum(1 for live in app[HUB].sessions() if live.page is not None)
    return web.json_response(
        {"status": "ok", "node": cluster.name, "live_sessions": live_sessions, "mirrors": mirrors}
    )


async def _database(app: web.Application) -> None:
    unwritten = app[HUB].writes.pending + app[CHAT_HUB].writes.pending
    _unavailable_if(
        unwritten > 0, "history_unavailable", f"{unwritten} history writes wait for the database"
    )
    try:
        async with asyncio.timeout(DATABASE_S):
            await app[HISTORY].ping()
    except Exception as exc:
        log.warning("health: the history database does not answer: %s", exc)
        raise json_error(
            web.HTTPServiceUnavailable,
            "history_unavailable",
            "the history database does not answer",
        ) from None


def _unavailable_if(failing: bool, error: str, detail: str) -> None:
    if failing:
        raise json_error(web.HTTPServiceUnavailable, error, detail)


async def livez(_request: web.Request) -> web.Response:
    return web.json_response({"status": "alive"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/livez", livez)
