"""Agents' keys (``[server] agent_keys``): /api/* needs ``Authorization: Bearer KEY``, and the
agent's page signs in once and carries an HttpOnly cookie that its WebSocket presents.

The cookie holds a digest of the key, never the key. With no keys configured everything is open
(development; a warning is logged at start-up).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from mirror.server.responses import json_error

COOKIE = "cobrowse_agent"


def _digest(key: str) -> str:
    return hashlib.sha256(b"cobrowse-agent:" + key.encode()).hexdigest()


@dataclass(frozen=True)
class AgentAuth:
    keys: tuple[str, ...]

    @property
    def required(self) -> bool:
        return bool(self.keys)

    def valid_key(self, key: str) -> bool:
        return any(hmac.compare_digest(key.encode(), k.encode()) for k in self.keys)

    def cookie_for(self, key: str) -> str:
        return _digest(key)

    def valid_cookie(self, value: str | None) -> bool:
        if not self.required:
            return True
        return value is not None and any(
            hmac.compare_digest(value.encode(), _digest(k).encode()) for k in self.keys
        )

    def valid_bearer(self, header: str | None) -> bool:
        if not self.required:
            return True
        scheme, _, key = (header or "").partition(" ")
        return scheme.lower() == "bearer" and self.valid_key(key.strip())


def api_keys_middleware(auth: AgentAuth) -> Middleware:
    """With agent keys configured, /api/* needs ``Authorization: Bearer KEY``."""

    @web.middleware
    async def api_keys(request: web.Request, handler: Handler) -> web.StreamResponse:
        public = request.path == "/api/agent/sign-in" or not request.path.startswith("/api/")
        if not public and not auth.valid_bearer(request.headers.get("Authorization")):
            raise json_error(web.HTTPUnauthorized, "unauthorized", "send Authorization: Bearer KEY")
        return await handler(request)

    return api_keys
