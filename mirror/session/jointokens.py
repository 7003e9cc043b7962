"""One-time join tokens: a contact centre's desktop asks for one with its agent key
(``POST /api/joins``) and hands it to the agent's view, which joins with it instead of the nine
digits. A token is bound to one session, works once, and expires after TOKEN_S. Kept in this
process (:class:`LocalJoinTokens`) or, for a cluster, in Redis
(:class:`mirror.cluster.jointokens.SharedJoinTokens`)."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from typing import Protocol

TOKEN_S = 60  # A token's life: the desktop hands it on at once.


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_key(token: str) -> str:
    """What a token is kept under: its digest, so a store's dump holds no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


class JoinTokens(Protocol):
    async def issue(self, access_id: str) -> str:
        """A new token for the live session ``access_id``."""
        ...

    async def redeem(self, token: str) -> str | None:
        """The session the token was issued for, once; None when unknown, used or expired."""
        ...


class LocalJoinTokens:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}  # digest -> (access id, expiry)

    async def issue(self, access_id: str) -> str:
        now = self._clock()
        self._tokens = {k: v for k, v in self._tokens.items() if v[1] > now}  # Expired go.
        token = new_token()
        self._tokens[token_key(token)] = (access_id, now + TOKEN_S)
        return token

    async def redeem(self, token: str) -> str | None:
        found = self._tokens.pop(token_key(token), None)
        if found is None or found[1] <= self._clock():
            return None
        return found[0]
