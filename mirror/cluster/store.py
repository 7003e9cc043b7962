"""The cluster's Redis: one connection pool per node, and the names of what it keeps there."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError
from yarl import URL

from mirror.errors import ConfigError

PREFIX = "cb:"
CONNECT_TIMEOUT_S = 3.0


def shown(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parsed = URL(url)
    return str(parsed.with_password("***")) if parsed.password else url


async def connect(url: str) -> Redis:
    """A client of the Redis at ``url``, checked with a PING; ConfigError naming the URL if it
    cannot be reached or refuses us."""
    client: Redis = Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        health_check_interval=10,
        decode_responses=False,
    )
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        raise ConfigError(f"cannot reach Redis at {shown(url)}: {exc}") from exc
    return client


def session_key(access_id: str) -> str:
    return f"{PREFIX}s:{access_id}"


LIVE_KEY = f"{PREFIX}live"  # The set of live identifiers.
NODES_KEY = f"{PREFIX}nodes"  # Every node name seen; a live one has its lease key.
CONFIG_KEY = f"{PREFIX}config"  # The configuration the running nodes share.
ALL_CHANNEL = f"{PREFIX}all"  # Said to every node.


def node_key(name: str) -> str:
    return f"{PREFIX}node:{name}"


def node_channel(name: str) -> str:
    return f"{PREFIX}n:{name}"
