"""One-time join tokens: a contact centre's desktop asks for one with its agent key
(``POST /api/joins``) and hands it to the agent's view, which joins with it instead of the nine
digits; an agent's invitation to a colleague is one too, standing for the colleague's seat. A
token is bound to one session, works once, and expires. Kept in this process
(:class:`LocalJoinTokens`) or, for a cluster, in Redis
(:class:`mirror.cluster.jointokens.SharedJoinTokens`)."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from typing import NamedTuple, Protocol

TOKEN_S = 60  # A join token's life: the desktop hands it on at once.
INVITE_S = 600  # An invitation's: a colleague reads it in a chat and opens it.


class Grant(NamedTuple):
    """What a redeemed token lets its page do: join the session ``access_id``, or, for an
    invitation, come to it as the watcher whose rejoin token is ``rejoin``."""

    access_id: str
    rejoin: str | None = None

    def encoded(self) -> str:
        return f"{self.access_id}:{self.rejoin}" if self.rejoin else self.access_id

    @classmethod
    def decoded(cls, text: str) -> Grant:
        access_id, _, rejoin = text.partition(":")
        return cls(access_id, rejoin or None)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_key(token: str) -> str:
    """What a token is kept under: its digest, so a store's dump holds no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


class JoinTokens(Protocol):
    async def issue(self, grant: Grant, seconds: int = TOKEN_S) -> str:
        """A new token for ``grant``, good for ``seconds``."""
        ...

    async def redeem(self, token: str) -> Grant | None:
        """What the token was issued for, once; None when unknown, used or expired."""
        ...


class LocalJoinTokens:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[str, tuple[Grant, float]] = {}  # digest -> (grant, expiry)

    async def issue(self, grant: Grant, seconds: int = TOKEN_S) -> str:
        now = self._clock()
        self._tokens = {k: v for k, v in self._tokens.items() if v[1] > now}  # Expired go.
        token = new_token()
        self._tokens[token_key(token)] = (grant, now + seconds)
        return token

    async def redeem(self, token: str) -> Grant | None:
        found = self._tokens.pop(token_key(token), None)
        if found is None or found[1] <= self._clock():
            return None
        return found[0]
