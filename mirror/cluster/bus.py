"""Messages between nodes, over Redis pub/sub: each node listens on its own channel and on the
one every node hears. Pub/sub rather than streams: a message is only worth anything to a node
that is running now (a socket it holds, a session it owns); a node that died is handled by
leases, not by replaying what it missed. Publishing reports how many nodes heard, so a message
to a node that is gone is known at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from mirror.cluster.store import ALL_CHANNEL, node_channel

log = logging.getLogger("cobrowse.cluster")
RETRY_S = (0.1, 0.25, 0.5, 1.0, 2.0)


class Envelope(msgspec.Struct, array_like=True, omit_defaults=True):
    """One message between nodes. ``peer`` names a socket ("node/hex") held by ``node``."""

    op: str
    role: str = ""  # Of an "open": customer, agent, chat or desk.
    node: str = ""
    peer: str = ""
    session: str = ""  # A nine-digit identifier, or an interaction ID for "end_interaction".
    data: bytes = b""
    code: int = 0
    client: str = ""
    origin: str = ""
    interaction: str = ""


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(Envelope).decode


class Bus:
    def __init__(self, redis: Redis, node: str, handle: Callable[[Envelope], None]) -> None:
        self.redis, self.node, self._handle = redis, node, handle
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self.sent = self.sent_bytes = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen())
        await self._ready.wait()

    async def send(self, node: str, envelope: Envelope) -> bool:
        """Publish to ``node``; False if no node is listening there (it is gone)."""
        envelope.node = envelope.node or self.node
        payload = _encode(envelope)
        self.sent += 1
        self.sent_bytes += len(payload)
        return bool(await self.redis.publish(node_channel(node), payload))

    async def broadcast(self, envelope: Envelope) -> None:
        envelope.node = self.node
        await self.redis.publish(ALL_CHANNEL, _encode(envelope))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self) -> None:
        """Read this node's channels for as long as it runs, coming back after Redis blinks."""
        failures = 0
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(node_channel(self.node), ALL_CHANNEL)
                self._ready.set()
                failures = 0
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        self._deliver(message["data"])
            except (RedisError, OSError) as exc:
                delay = RETRY_S[min(failures, len(RETRY_S) - 1)]
                failures += 1
                log.warning("Redis subscription lost (%s): again in %.2f s", exc, delay)
                await asyncio.sleep(delay)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]

    def _deliver(self, payload: bytes) -> None:
        try:
            envelope = _decode(payload)
        except msgspec.DecodeError:
            log.error("a message between nodes did not decode: dropped")
            return
        self._handle(envelope)
