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
    # The same messages by page: "customer" or "agent".
    by_page: dict[str, list[bytes]] = field(default_factory=dict)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    # Answers to agent actions: "applied"/"refused" from the customer's page, "refused" from
    # the server to the agent's page.
    answers: list[dict[str, Any]] = field(default_factory=list)

    def watch(self, page: Page, role: str) -> None:
        page.on("websocket", lambda ws: self._socket(ws, self.by_page.setdefault(role, [])))

    def _socket(self, ws: WebSocket, page_log: list[bytes]) -> None:
        ws.on("framesent", lambda payload: self._add(payload, page_log))
        ws.on("framereceived", lambda payload: self._add(payload, page_log))

    def _add(self, payload: str | bytes, page_log: list[bytes]) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        self.messages.append(data)
        page_log.append(data)
        if not data.startswith(b"{"):
            return
        if b'"type":"session"' in data:
            self.sessions.append(json.loads(data))
        elif any(t in data for t in ANSWER_TYPES):
            self.answers.append(json.loads(data))
