"""The history store on both databases it supports, SQLite and a real PostgreSQL server: records,
transcripts, migrations of an older database, and writes that never reopen an ended record."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from mirror.chat.state import Chat, ChatEndReason
from mirror.history import HistoryStore, engine_url
from mirror.history.records import Base
from mirror.session.state import EndReason, Session
from tests.aio import in_thread
from tests.services import Postgres, postgres_server


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.db'}"
    postgres: Postgres = request.getfixturevalue("postgres")
    return postgres.new_database()


@in_thread
async def test_a_session_is_recorded_at_each_step_and_listed(db: str) -> None:
    store = HistoryStore(db)
    try:
        assert await store.open() == 0
        session = Session(access_id="123456789", origin="https://shop.test")
        await store.record(session)
        session.join("call-7")
        await store.record(session)
        record = await store.get(session.uuid)
        assert record is not None and record["state"] == "active"
        assert record["interaction_id"] == "call-7" and record["started_at"]
        session.end(EndReason.CUSTOMER_EXIT)
        await store.record(session)
        [listed] = await store.list("ended")
        assert listed["uuid"] == session.uuid and listed["end_reason"] == "customer_exit"
        assert "123456789" not in str(listed)
    finally:
        await store.close()


@in_thread
async def test_a_late_write_of_an_earlier_step_never_reopens_an_ended_record(db: str) -> None:
    store = HistoryStore(db)
    try:
        await store.open()
        session = Session(access_id="123456789")
        await store.record(session)
        active = Session(access_id=session.access_id, uuid=session.uuid)
        active.join()
        session.end(EndReason.CUSTOMER_EXIT)
        await store.record(session)
        await store.record(active)  # The join's write, landing after the end's.
        record = await store.get(session.uuid)
        assert record is not None and record["state"] == "ended"
        assert record["end_reason"] == "customer_exit"
    finally:
        await store.close()


@in_thread
async def test_records_racing_each_other_leave_the_end_in_place(db: str) -> None:
    store = HistoryStore(db)
    try:
        await store.open()
        sessions = [Session(access_id=f"{n:09d}") for n in range(20)]
        for session in sessions:
            await store.record(session)
        joined = []
        for session in sessions:
            twin = Session(access_id=session.access_id, uuid=session.uuid)
            twin.join()
            joined.append(twin)
            session.end(EndReason.AGENT_EXIT)
        await asyncio.gather(
            *(store.record(s) for pair in zip(joined, sessions, strict=True) for s in pair)
        )
        records = [await store.get(s.uuid) for s in sessions]
        assert all(r is not None and r["state"] == "ended" for r in records)
    finally:
        await store.close()


@in_thread
async def test_a_chat_keeps_its_transcript_and_its_sessions(db: str) -> None:
    store = HistoryStore(db)
    try:
        await store.open()
        chat = Chat(origin="https://shop.test", label="Checkout")
        await store.record_chat(chat)
        line = chat.post("customer", "Hello")
        await store.add_chat_line(chat.uuid, line, line.text)
        session = Session(access_id="123456789", interaction_id=chat.interaction_id)
        await store.record(session)
        chat.end(ChatEndReason.AGENT_ENDED)
        await store.record_chat(chat)
        record = await store.get_chat(chat.uuid)
        assert record is not None and record["state"] == "ended"
        assert [t["text"] for t in record["transcript"]] == ["Hello"]
        assert record["sessions"] == [session.uuid]
        assert [c["uuid"] for c in await store.list_chats()] == [chat.uuid]
    finally:
        await store.close()


@in_thread
async def test_opening_closes_what_a_crash_left_open(db: str) -> None:
    store = HistoryStore(db)
    try:
        await store.open()
        session = Session(access_id="123456789")
        await store.record(session)
    finally:
        await store.close()
    store = HistoryStore(db)
    try:
        assert await store.open() == 1
        record = await store.get(session.uuid)
        assert record is not None and record["end_reason"] == "server_shutdown"
    finally:
        await store.close()


@in_thread
async def test_a_database_from_before_migrations_is_upgraded_with_its_history(db: str) -> None:
    engine = create_async_engine(engine_url(db))
    async with engine.begin() as conn:
        # As releases before migrations made it: the first revision's tables.
        first = [Base.metadata.tables[name] for name in ("sessions", "chats", "chat_lines")]
        await conn.run_sync(lambda sync: Base.metadata.create_all(sync, tables=first))
        await conn.execute(
            text(
                "INSERT INTO sessions (uuid, state, created_at) "
                "VALUES ('00000000-0000-4000-8000-000000000000', 'ended', CURRENT_TIMESTAMP)"
            )
        )
    store = HistoryStore(db)
    try:
        await store.open()
        await store.open()  # Twice: nothing left to do the second time.
        assert await store.get("00000000-0000-4000-8000-000000000000") is not None
    finally:
        await store.close()
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    await engine.dispose()
    assert "alembic_version" in tables


@in_thread
async def test_nodes_opening_one_database_together_migrate_it_once(db: str) -> None:
    stores = [HistoryStore(db) for _ in range(3)]
    try:
        await asyncio.gather(*(store.create_tables() for store in stores))
        session = Session(access_id="123456789")
        await stores[0].record(session)
        assert await stores[2].get(session.uuid) is not None
    finally:
        for store in stores:
            await store.close()
