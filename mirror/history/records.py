"""The history's tables: one row per session, per chat and per chat line. Their schema changes
only through a migration (mirror/history/migrations/versions/), so an upgrade keeps old history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class SessionRecord(Base):
    __tablename__ = "sessions"

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(32))
    interaction_id: Mapped[str | None] = mapped_column(String(200), index=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "state": self.state,
            "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "end_reason": self.end_reason,
            "interaction_id": self.interaction_id,
        }


class SessionEventRecord(Base):
    """Something that happened in a session besides its states: the customer allowing, denying
    or taking back the agent's control, a hand-over to a colleague."""

    __tablename__ = "session_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_uuid: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "at": _iso(self.at)}


class ChatRecord(Base):
    """A live chat: the primary interaction of the co-browse sessions whose ``interaction_id``
    is this chat's UUID."""

    __tablename__ = "chats"

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    label: Mapped[str] = mapped_column(String(120))
    origin: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(32))

    def to_json(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "state": self.state,
            "label": self.label,
            "origin": self.origin,
            "created_at": _iso(self.created_at),
            "accepted_at": _iso(self.accepted_at),
            "ended_at": _iso(self.ended_at),
            "end_reason": self.end_reason,
        }


class ChatLineRecord(Base):
    """One line of a chat's transcript (a session's nine digits blanked out)."""

    __tablename__ = "chat_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_uuid: Mapped[str] = mapped_column(String(36), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "sender": self.sender, "text": self.text, "at": _iso(self.at)}


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite gives naive datetimes back; they were stored as UTC.
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


class RecordingRecord(Base):
    """The index of one recording (``state`` is ``recording`` until it ends, then ``ended``);
    its frames and events are in the recordings' store (mirror/recording/)."""

    __tablename__ = "recordings"

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_uuid: Mapped[str] = mapped_column(String(36), index=True)
    node: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(32))
    duration: Mapped[float] = mapped_column(Float)
    chunks: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(BigInteger)
    head: Mapped[str | None] = mapped_column(String(64))

    def to_json(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "session": self.session_uuid,
            "node": self.node,
            "state": self.state,
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "end_reason": self.end_reason,
            "duration": self.duration,
            "chunks": self.chunks,
            "bytes": self.bytes,
        }


class WebhookDelivery(Base):
    """One webhook event (mirror/webhooks/) and how its delivery went: ``pending`` until the
    contact centre's URL answered 2xx (``delivered``) or an hour of retries passed (``failed``)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "created_at": _iso(self.created_at),
            "state": self.state,
            "attempts": self.attempts,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "delivered_at": _iso(self.delivered_at),
        }
