"""The history store: one record per session and per chat, keyed by UUID, through SQLAlchemy 2
async. SQLite (aiosqlite) is the embedded default, PostgreSQL (asyncpg) for several nodes. The
nine-digit identifier is never stored, and an ended record is never written over.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from mirror.chat.state import Chat, ChatEndReason, ChatLine, ChatState
from mirror.errors import ConfigError
from mirror.history.migrate import turn, upgrade
from mirror.history.records import (
    ChatLineRecord,
    ChatRecord,
    RecordingRecord,
    SessionEventRecord,
    SessionRecord,
)
from mirror.session.state import EndReason, Session, SessionState

log = logging.getLogger("cobrowse.history")


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
        """Create the schema, or upgrade it to the newest revision (mirror/history/migrate.py)."""
        async with turn(), self._engine.begin() as conn:
            await conn.run_sync(upgrade)

    async def open(self, shared: bool = False) -> int:
        """Bring the schema up to date and close records a crash left open; returns how many.
        A database ``shared`` by the nodes of a cluster holds their live sessions' records: a
        node closes those left open once it knows which are live (:meth:`end_open_sessions`)."""
        await self.create_tables()
        return 0 if shared else await self.end_all_open(EndReason.SERVER_SHUTDOWN)

    async def close(self) -> None:
        await self._engine.dispose()

    @property
    def engine(self) -> AsyncEngine:
        """For the tables kept by modules of their own (mirror/webhooks/log.py)."""
        return self._engine

    async def ping(self) -> None:
        """Raises when the database cannot answer a query now."""
        async with self._engine.connect() as conn:
            await conn.execute(select(1))

    async def record(self, session: Session) -> None:
        """Write the session's current state, unless its record has already ended: the write of
        an earlier step that lands after the end must not reopen it."""
        await self._upsert(
            SessionRecord.__table__,
            uuid=session.uuid,
            state=session.state.value,
            created_at=session.created_at,
            started_at=session.started_at,
            ended_at=session.ended_at,
            end_reason=session.end_reason.value if session.end_reason else None,
            interaction_id=session.interaction_id,
        )

    async def _upsert(self, table: Any, **values: Any) -> None:
        """Insert the row, or update it in the same statement unless it has ended (one atomic
        statement, so two writers racing on PostgreSQL cannot reopen an ended row either)."""
        assert isinstance(table, Table)
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.uuid],
            set_={name: statement.excluded[name] for name in values if name != "uuid"},
            where=table.c.state != SessionState.ENDED.value,
        )
        async with self._engine.begin() as conn:
            await conn.execute(statement)

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

    async def end_open_sessions(
        self, live: Collection[str], created_before: datetime, reason: EndReason
    ) -> int:
        """Close the session records still open that are not ``live`` and were created before
        ``created_before`` (a younger one may be a session being created right now)."""
        async with self._sessions.begin() as db:
            result = await db.execute(
                update(SessionRecord)
                .where(SessionRecord.state != SessionState.ENDED.value)
                .where(SessionRecord.created_at < created_before)
                .where(SessionRecord.uuid.not_in(list(live)))
                .values(
                    end_reason=reason.value,
                    ended_at=datetime.now(UTC),
                    state=SessionState.ENDED.value,
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def get(self, session_uuid: str) -> dict[str, Any] | None:
        """The session's record with its events (control, hand-overs), oldest first."""
        async with self._sessions() as db:
            record = await db.get(SessionRecord, session_uuid)
            if record is None:
                return None
            events = await db.scalars(
                select(SessionEventRecord)
                .where(SessionEventRecord.session_uuid == session_uuid)
                .order_by(SessionEventRecord.id)
            )
            return {**record.to_json(), "events": [e.to_json() for e in events]}

    async def add_event(self, session_uuid: str, kind: str, at: datetime) -> None:
        async with self._sessions.begin() as db:
            db.add(SessionEventRecord(session_uuid=session_uuid, kind=kind, at=at))

    async def list(self, state: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        """Records newest first, optionally only those in ``state``."""
        query = select(SessionRecord).order_by(SessionRecord.created_at.desc()).limit(limit)
        if state is not None:
            query = query.where(SessionRecord.state == state)
        async with self._sessions() as db:
            return [r.to_json() for r in (await db.scalars(query)).all()]

    # -- chats -------------------------------------------------------------------------------

    async def record_chat(self, chat: Chat) -> None:
        """Write the chat's current state (as :meth:`record`); lines go in one by one."""
        await self._upsert(
            ChatRecord.__table__,
            uuid=chat.uuid,
            state=chat.state.value,
            label=chat.label,
            origin=chat.origin,
            created_at=chat.created_at,
            accepted_at=chat.accepted_at,
            ended_at=chat.ended_at,
            end_reason=chat.end_reason.value if chat.end_reason else None,
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

    # -- recordings' index ---------------------------------------------------------------------

    async def index_recording(self, **values: Any) -> None:
        """Write a recording's index row (the columns of RecordingRecord), unless it has ended."""
        await self._upsert(RecordingRecord.__table__, **values)

    async def get_recording(self, recording_uuid: str) -> dict[str, Any] | None:
        async with self._sessions() as db:
            record = await db.get(RecordingRecord, recording_uuid)
            return {**record.to_json(), "head": record.head} if record else None

    async def list_recordings(
        self, session_uuid: str | None = None, since: datetime | None = None, limit: int = 500
    ) -> builtins.list[dict[str, Any]]:
        """Recordings newest first, of one session or started since a time."""
        query = select(RecordingRecord).order_by(RecordingRecord.started_at.desc()).limit(limit)
        if session_uuid is not None:
            query = query.where(RecordingRecord.session_uuid == session_uuid)
        if since is not None:
            query = query.where(RecordingRecord.started_at >= since)
        async with self._sessions() as db:
            return [r.to_json() for r in (await db.scalars(query)).all()]

    async def expired_recordings(self, before: datetime) -> builtins.list[str]:
        """The recordings that started before ``before``."""
        query = select(RecordingRecord.uuid).where(RecordingRecord.started_at < before)
        async with self._sessions() as db:
            return list((await db.scalars(query)).all())

    async def forget_recording(self, recording_uuid: str) -> bool:
        """Remove a recording's index row; whether there was one."""
        async with self._sessions.begin() as db:
            result = await db.execute(
                delete(RecordingRecord).where(RecordingRecord.uuid == recording_uuid)
            )
        return bool(getattr(result, "rowcount", 0))
