"""The history store: one record per session, keyed by UUID, through SQLAlchemy 2 async.

Written at creation, join and end. SQLite (aiosqlite) is the embedded default; PostgreSQL (asyncpg)
for several server processes. The nine-digit identifier is never stored.
"""

from __future__ import annotations

import builtins
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mirror.chat.state import Chat, ChatEndReason, ChatLine, ChatState
from mirror.errors import ConfigError
from mirror.session.state import EndReason, Session, SessionState

log = logging.getLogger("cobrowse.history")


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


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL with synchronous=NORMAL: a commit no longer waits for the disk (a write took tens of
    milliseconds on the join's path); a power cut may lose the last records, never corrupt."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def engine_url(db: str) -> str:
    """``sqlite:///x.db`` / ``postgresql://...`` -> the async driver's URL."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
    ):
        if db.startswith(plain):
            return driver + db[len(plain) :]
    if db.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        return db
    raise ConfigError(f"--db {db!r}: use sqlite:///path/to/file.db or postgresql://user@host/db")


class HistoryStore:
    """Reads and writes session records. Every write is its own short transaction."""

    def __init__(self, db: str) -> None:
        self._engine: AsyncEngine = create_async_engine(engine_url(db))
        if self._engine.dialect.name == "sqlite":
            event.listen(self._engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)

    async def create_tables(self) -> None:
        async with self._engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)

    async def open(self) -> int:
        """Create the table if needed and close records a crash left open; returns how many."""
        await self.create_tables()
        return await self.end_all_open(EndReason.SERVER_SHUTDOWN)

    async def close(self) -> None:
        await self._engine.dispose()

    async def record(self, session: Session) -> None:
        """Write the session's current state (insert or update)."""
        async with self._sessions.begin() as db:
            await db.merge(
                SessionRecord(
                    uuid=session.uuid,
                    state=session.state.value,
                    created_at=session.created_at,
                    started_at=session.started_at,
                    ended_at=session.ended_at,
                    end_reason=session.end_reason.value if session.end_reason else None,
                    interaction_id=session.interaction_id,
                )
            )

    async def end_all_open(self, reason: EndReason) -> int:
        """Close every record not yet ended (left open by a crash) with ``reason``; chats too."""
        ended = {"ended_at": datetime.now(UTC), "state": SessionState.ENDED.value}
        async with self._sessions.begin() as db:
            result = await db.execute(
                update(SessionRecord)
                .where(SessionRecord.state != SessionState.ENDED.value)
                .values(end_reason=reason.value, **ended)
            )
            await db.execute(
                update(ChatRecord)
                .where(ChatRecord.state != ChatState.ENDED.value)
                .values(end_reason=ChatEndReason.SERVER_SHUTDOWN.value, **ended)
            )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            log.warning("closed %d session record(s) left open by an earlier run", count)
        return count

    async def get(self, session_uuid: str) -> dict[str, Any] | None:
        async with self._sessions() as db:
            record = await db.get(SessionRecord, session_uuid)
            return record.to_json() if record else None

    async def list(self, state: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        """Records newest first, optionally only those in ``state``."""
        query = select(SessionRecord).order_by(SessionRecord.created_at.desc()).limit(limit)
        if state is not None:
            query = query.where(SessionRecord.state == state)
        async with self._sessions() as db:
            return [r.to_json() for r in (await db.scalars(query)).all()]

    # -- chats -------------------------------------------------------------------------------

    async def record_chat(self, chat: Chat) -> None:
        """Write the chat's current state (insert or update); lines go in one by one."""
        async with self._sessions.begin() as db:
            await db.merge(
                ChatRecord(
                    uuid=chat.uuid,
                    state=chat.state.value,
                    label=chat.label,
                    origin=chat.origin,
                    created_at=chat.created_at,
                    accepted_at=chat.accepted_at,
                    ended_at=chat.ended_at,
                    end_reason=chat.end_reason.value if chat.end_reason else None,
                )
            )

    async def add_chat_line(self, chat_uuid: str, line: ChatLine, text: str) -> None:
        """Keep one line of the transcript; ``text`` is the line as it may be stored."""
        async with self._sessions.begin() as db:
            db.add(
                ChatLineRecord(
                    chat_uuid=chat_uuid, seq=line.seq, sender=line.sender, text=text, at=line.at
                )
            )

    async def get_chat(self, chat_uuid: str) -> dict[str, Any] | None:
        """The chat's record with its transcript and the co-browse sessions started from it."""
        async with self._sessions() as db:
            record = await db.get(ChatRecord, chat_uuid)
            if record is None:
                return None
            lines = await db.scalars(
                select(ChatLineRecord)
                .where(ChatLineRecord.chat_uuid == chat_uuid)
                .order_by(ChatLineRecord.seq)
            )
            sessions = await db.scalars(
                select(SessionRecord.uuid)
                .where(SessionRecord.interaction_id == chat_uuid)
                .order_by(SessionRecord.created_at)
            )
            return {
                **record.to_json(),
                "transcript": [line.to_json() for line in lines],
                "sessions": list(sessions),
            }

    async def list_chats(self, limit: int = 500) -> builtins.list[dict[str, Any]]:
        """Chat records newest first, without their transcripts."""
        query = select(ChatRecord).order_by(ChatRecord.created_at.desc()).limit(limit)
        async with self._sessions() as db:
            return [r.to_json() for r in (await db.scalars(query)).all()]
