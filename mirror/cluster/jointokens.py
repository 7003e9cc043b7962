"""Join tokens in the cluster's Redis (:mod:`mirror.session.jointokens`): any node issues one,
any node redeems it, once (GETDEL is atomic), and Redis expires it."""

from __future__ import annotations

from redis.asyncio import Redis

from mirror.session.jointokens import TOKEN_S, Grant, new_token, token_key

PREFIX = "cb:jointoken:"


class SharedJoinTokens:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def issue(self, grant: Grant, seconds: int = TOKEN_S) -> str:
        token = new_token()
        await self._redis.set(PREFIX + token_key(token), grant.encoded(), ex=seconds)
        return token

    async def redeem(self, token: str) -> Grant | None:
        found = await self._redis.getdel(PREFIX + token_key(token))
        if found is None:
            return None
        return Grant.decoded(found.decode() if isinstance(found, bytes) else found)
