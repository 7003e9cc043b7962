"""Every WebSocket byte of the customer's and the agent's pages, as a test sees them, and the
bookkeeping that tells when an agent action has been answered."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Page, WebSocket

# What the agent's page sends for its pointer and keys (mirror/web/agent/input.js). Each one is
# answered once: "applied" or "refused" by the customer's page, or "refused" by the server.
# Pointer moves are not answered.
AGENT_ACTION_TYPES = frozenset({"click", "key", "text", "wheel"})


def _json(data: bytes) -> dict[str, Any] | None:
    # Frames are JPEG bytes; only JSON objects carry a type.
    if not data.startswith(b"{"):
        return None
    try:
        message = json.loads(data)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


@dataclass
class Wire:
    """Every WebSocket message of the pages it watches, in both directions, as bytes."""

    messages: list[bytes] = field(default_factory=list)
    # The same messages with their page ("customer" or "agent") and whether that page sent it.
    log: list[tuple[str, bool, bytes]] = field(default_factory=list)
    # The same messages by page: "customer" or "agent".
    by_page: dict[str, list[bytes]] = field(default_factory=dict)
    # "session" messages the customer's page received (the ID, the history UUID).
    sessions: list[dict[str, Any]] = field(default_factory=list)
    # What the agent's page sent for its pointer clicks and keys, in order.
    agent_actions: list[dict[str, Any]] = field(default_factory=list)
    # The customer page's answers: {"type": "applied" | "refused", "seq": n, ...}.
    customer_answers: list[dict[str, Any]] = field(default_factory=list)
    # Refusals the agent's page received (the server's own, and the customer's passed on).
    agent_refusals: list[dict[str, Any]] = field(default_factory=list)

    def watch(self, page: Page, role: str) -> None:
        page.on("websocket", lambda ws: self._socket(ws, role))

    def _socket(self, ws: WebSocket, role: str) -> None:
        ws.on("framesent", self._listener(role, sent=True))
        ws.on("framereceived", self._listener(role, sent=False))

    def _listener(self, role: str, sent: bool) -> Callable[[str | bytes], None]:
        return lambda payload: self.record(payload, role, sent)

    def record(self, payload: str | bytes, role: str, sent: bool) -> None:
        """One WebSocket message that ``role``'s page sent (or received)."""
        data = payload.encode() if isinstance(payload, str) else payload
        self.messages.append(data)
        self.log.append((role, sent, data))
        self.by_page.setdefault(role, []).append(data)
        message = _json(data)
        if message is None:
            return
        kind = message.get("type")
        if role == "customer" and not sent and kind == "session":
            self.sessions.append(message)
        elif role == "customer" and sent and kind in ("applied", "refused"):
            self.customer_answers.append(message)
        elif role == "agent" and sent and kind in AGENT_ACTION_TYPES:
            self.agent_actions.append(message)
        elif role == "agent" and not sent and kind == "refused":
            self.agent_refusals.append(message)

    def mark(self) -> tuple[int, int, int, int]:
        """Where the logs stand now, to ask later what happened since."""
        logs = (self.agent_actions, self.customer_answers, self.agent_refusals, self.sessions)
        actions, answers, refusals, sessions = (len(log) for log in logs)
        return actions, answers, refusals, sessions

    def refusal_since(self, mark: tuple[int, int, int, int]) -> str | None:
        """The reason of the first refusal since ``mark``, if any."""
        for answer in self.customer_answers[mark[1] :]:
            if answer.get("type") == "refused":
                return str(answer.get("reason"))
        if len(self.agent_refusals) > mark[2]:
            return str(self.agent_refusals[mark[2]].get("reason"))
        return None

    def actions_since(self, mark: tuple[int, int, int, int]) -> list[dict[str, Any]]:
        return self.agent_actions[mark[0] :]

    def all_answered_since(self, mark: tuple[int, int, int, int]) -> bool:
        """Every action sent since ``mark`` (at least one) has been applied on the customer's
        page, or the customer's page has moved on to another page of the site (a followed link:
        the answer of the page that unloaded may never leave it). A refusal is checked apart:
        it stops the action."""
        sent = len(self.agent_actions) - mark[0]
        applied = sum(1 for a in self.customer_answers[mark[1] :] if a.get("type") == "applied")
        return sent > 0 and (applied >= sent or len(self.sessions) > mark[3])

    def applied_since(self, mark: tuple[int, int, int, int]) -> dict[str, Any] | None:
        return next(
            (a for a in self.customer_answers[mark[1] :] if a.get("type") == "applied"), None
        )
