"""Every WebSocket byte of the customer's and the agent's pages, as a test sees them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Page, WebSocket

ANSWER_TYPES = (b'"type":"applied"', b'"type":"refused"')


@dataclass
class Wire:
    """Every WebSocket message of the pages it watches, in both directions, as bytes."""

    messages: list[bytes] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    # Answers to agent actions: "applied"/"refused" from the customer's page, "refused" from
    # the server to the agent's page.
    answers: list[dict[str, Any]] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("websocket", self._socket)

    def _socket(self, ws: WebSocket) -> None:
        ws.on("framesent", self._add)
        ws.on("framereceived", self._add)

    def _add(self, payload: str | bytes) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        self.messages.append(data)
        if not data.startswith(b"{"):
            return
        if b'"type":"session"' in data:
            self.sessions.append(json.loads(data))
        elif any(t in data for t in ANSWER_TYPES):
            self.answers.append(json.loads(data))
