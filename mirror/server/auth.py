"""Agents' keys (``[server] agent_keys``): /api/* needs ``Authorization: Bearer KEY``, and the
agent's page signs in once and carries an HttpOnly cookie that its WebSocket presents.
Supervisors' keys (``[server] supervisor_keys``) guard the recordings the same way, and an
agent's key opens none of them.

The cookie holds a digest of the key, never the key. With no agent keys configured the agents'
side is open (development; a warning is logged at start-up); with no supervisor keys, no
recording can be reached at all.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from mirror.server.responses import json_error

COOKIE = "cobrowse_agent"


@dataclass(frozen=True)
class AgentAuth:
    keys: tuple[str, ...]
    role: str = "agent"  # Each role's cookie digests differ: one role's cookie opens no other.

    @property
    def cookie(self) -> str:
        return f"cobrowse_{self.role}"

    def _digest(self, key: str) -> str:
        return hashlib.sha256(f"cobrowse-{self.role}:{key}".encode()).hexdigest()

    @property
    def required(self) -> bool:
        return bool(self.keys)

    def valid_key(self, key: str) -> bool:
        return any(hmac.compare_digest(key.encode(), k.encode()) for k in self.keys)

    def cookie_for(self, key: str) -> str:
        return self._digest(key)

    def valid_cookie(self, value: str | None) -> bool:
        if not self.required:
            return True
        return value is not None and any(
            hmac.compare_digest(value.encode(), self._digest(k).encode()) for k in self.keys
        )

    def valid_bearer(self, header: str | None) -> bool:
        if not self.required:
            return True
        scheme, _, key = (header or "").partition(" ")
        return scheme.lower() == "bearer" and self.valid_key(key.strip())


def supervisors(keys: list[str]) -> AgentAuth:
    """Supervisors' keys: unlike agents', none configured opens nothing (see valid_supervisor)."""
    return AgentAuth(tuple(keys), role="supervisor")


def valid_supervisor(auth: AgentAuth, request: web.Request) -> bool:
    """A supervisor's key as a bearer token, or the cookie of a supervisor's sign-in."""
    if not auth.required:
        return False
    cookie = request.cookies.get(auth.cookie)
    return auth.valid_bearer(request.headers.get("Authorization")) or (
        cookie is not None and auth.valid_cookie(cookie)
    )


# Paths under /api/ that agents' keys do not guard: sign-ins, and the recordings (supervisors').
NOT_AGENTS = ("/api/agent/sign-in", "/api/supervisor/sign-in", "/api/recordings")


def api_keys_middleware(auth: AgentAuth) -> Middleware:
    """With agent keys configured, /api/* needs ``Authorization: Bearer KEY``."""

    @web.middleware
    async def api_keys(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        public = not path.startswith("/api/") or path.startswith(NOT_AGENTS)
        if not public and not auth.valid_bearer(request.headers.get("Authorization")):
            raise json_error(web.HTTPUnauthorized, "unauthorized", "send Authorization: Bearer KEY")
        return await handler(request)

    return api_keys
