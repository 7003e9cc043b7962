"""Sending webhook events: each is written to the delivery log first (mirror/webhooks/log.py),
then POSTed, signed, with its id in a header for the receiver to de-duplicate; a try that fails
(not 2xx, no answer within TIMEOUT_S) is tried again with back-off for GIVE_UP_S. Events are
handed over without waiting (:meth:`Webhooks.emit`): a receiver down or slow never delays a
session."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import msgspec
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from mirror.config import WebhooksConfig
from mirror.webhooks import log as deliveries
from mirror.webhooks.signing import signature

logger = logging.getLogger("cobrowse.webhooks")

BACKOFF_S = (5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 600.0)  # The last repeats.
GIVE_UP_S = 3600.0  # An event not delivered within this of its making is marked failed.
TIMEOUT_S = 10.0
STORE_RETRY_S = 2.0  # After the database failed the sender.
MAX_UNSTORED = 10_000  # Events kept in memory while the database is down.


def now_utc() -> datetime:
    return datetime.now(UTC)


def event_body(kind: str, **fields: Any) -> tuple[str, bytes]:
    """A new event's id and its JSON: ``{"id", "type", "at", ...fields}`` (None left out)."""
    event_id = str(uuid.uuid4())
    event = {"id": event_id, "type": kind, "at": now_utc().isoformat(), **fields}
    return event_id, msgspec.json.encode({k: v for k, v in event.items() if v is not None})


def signed_headers(secret: str, body: bytes, event_id: str = "") -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Cobrowse-Signature": signature(secret, body, int(time.time())),
    }
    if event_id:
        headers["X-Cobrowse-Event-Id"] = event_id
    return headers


async def send_test(config: WebhooksConfig) -> int:
    """One signed ``webhook.test`` event now, outside the log: the receiver's HTTP status."""
    event_id, body = event_body("webhook.test")
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    headers = signed_headers(config.secret, body, event_id)
    async with (
        aiohttp.ClientSession(timeout=timeout) as http,
        http.post(config.url, data=body, headers=headers) as response,
    ):
        return response.status


class Webhooks:
    def __init__(
        self,
        config: WebhooksConfig,
        engine: AsyncEngine,
        backoff_s: tuple[float, ...] = BACKOFF_S,
        give_up_s: float = GIVE_UP_S,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self.config, self._engine, self._clock = config, engine, clock
        self.backoff_s, self._give_up_s = backoff_s, give_up_s
        self._unstored: list[tuple[str, str, bytes]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None

    def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S))
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(SQLAlchemyError, OSError):
            await self._store()  # What happened last is sent by the next start.
        if self._http is not None:
            await self._http.close()

    def emit(self, kind: str, **fields: Any) -> None:
        """An event to send; returns at once."""
        event_id, body = event_body(kind, **fields)
        if len(self._unstored) >= MAX_UNSTORED:
            logger.error("webhook event %s dropped: the database has been down too long", kind)
            return
        self._unstored.append((event_id, kind, body))
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await self._store()
                for due in await deliveries.claim_due(self._engine, self._clock()):
                    await self._try(due)
                await self._sleep()
            except (SQLAlchemyError, OSError) as exc:
                logger.warning("webhook deliveries wait for the database: %s", exc)
                await asyncio.sleep(STORE_RETRY_S)  # ok-sleep: the database is down.
            except Exception:  # The sender must outlive any one event's trouble.
                logger.exception("webhook deliveries: an unexpected error")
                await asyncio.sleep(STORE_RETRY_S)  # ok-sleep: not a busy loop on a bug.

    async def _store(self) -> None:
        while self._unstored:
            event_id, kind, body = self._unstored[0]
            await deliveries.add(self._engine, event_id, kind, body, self._clock())
            self._unstored.pop(0)

    async def _sleep(self) -> None:
        due = await deliveries.next_due(self._engine)
        wait = None if due is None else max(0.05, (due - self._clock()).total_seconds())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await self._wake.wait()
        self._wake.clear()

    async def _try(self, due: deliveries.Due) -> None:
        assert self._http is not None
        status, error = None, None
        try:
            headers = signed_headers(self.config.secret, due.payload, due.id)
            async with self._http.post(self.config.url, data=due.payload, headers=headers) as r:
                status = r.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        now, attempts = self._clock(), due.attempts + 1
        if status is not None and 200 <= status < 300:
            await deliveries.settle(
                self._engine,
                due.id,
                state="delivered",
                attempts=attempts,
                last_status=status,
                last_error=None,
                delivered_at=now,
            )
            return
        give_up = now - due.created_at >= timedelta(seconds=self._give_up_s)
        if give_up:
            logger.warning("webhook %s not delivered after %d tries: given up", due.id, attempts)
        wait = self.backoff_s[min(attempts, len(self.backoff_s)) - 1]
        await deliveries.settle(
            self._engine,
            due.id,
            state="failed" if give_up else "pending",
            attempts=attempts,
            next_at=now + timedelta(seconds=wait),
            last_status=status,
            last_error=error,
        )
