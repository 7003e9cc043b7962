"""Which webhook events the lifecycle makes, and what they carry: IDs (the session's and the
chat's UUIDs, never the nine digits), the interaction ID, times and reasons; no page content and
no chat text. Each is made where the transition happens, on the node that owns it, so a cluster
sends each once."""

from __future__ import annotations

from mirror.chat.state import Chat
from mirror.session.state import Session
from mirror.webhooks.sender import Webhooks


class LifecycleEvents:
    """A session observer (mirror/session/live.py) and a chat hub's watcher."""

    def __init__(self, webhooks: Webhooks) -> None:
        self.webhooks = webhooks

    async def session_created(self, session: Session) -> None:
        self._session("session.created", session)

    async def session_started(self, session: Session) -> None:
        self._session("session.started", session)

    async def session_ended(self, session: Session) -> None:
        reason = session.end_reason.value if session.end_reason else None
        self._session("session.ended", session, reason=reason)

    def _session(self, kind: str, session: Session, **fields: str | None) -> None:
        self.webhooks.emit(
            kind, session=session.uuid, interaction_id=session.interaction_id, **fields
        )

    def chat_changed(self, kind: str, chat: Chat) -> None:
        reason = chat.end_reason.value if kind == "ended" and chat.end_reason else None
        self.webhooks.emit(f"chat.{kind}", chat=chat.uuid, reason=reason)
