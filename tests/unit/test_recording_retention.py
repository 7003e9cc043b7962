"""Retention and erasure of recordings over a real SQLite index and a directory store: what is
older than ``retention_days`` is deleted (objects and index row) and logged; younger ones stay."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mirror.config import RecordingConfig
from mirror.history import HistoryStore
from mirror.recording.recordings import Recordings
from mirror.recording.store import DirectoryStore
from tests.aio import in_thread
from tests.unit.inmemory import empty_history

OLD = "00000000-0000-4000-8000-000000000001"
NEW = "00000000-0000-4000-8000-000000000002"


async def index(history: HistoryStore, uuid: str, started_at: datetime) -> None:
    await history.index_recording(
        uuid=uuid,
        session_uuid="11111111-1111-4111-8111-111111111111",
        node="n",
        state="ended",
        started_at=started_at,
        ended_at=started_at + timedelta(minutes=5),
        end_reason="customer_exit",
        duration=300.0,
        chunks=1,
        bytes=10,
        head="0" * 64,
    )


@in_thread
async def test_recordings_past_retention_are_deleted_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    history = HistoryStore(f"sqlite:///{await empty_history(tmp_path)}")
    await history.open()
    store = DirectoryStore(tmp_path / "store")
    recordings = Recordings(RecordingConfig(retention_days=30), store, history, "n")
    now = datetime.now(UTC)
    for uuid, started in ((OLD, now - timedelta(days=31)), (NEW, now - timedelta(days=29))):
        await index(history, uuid, started)
        await store.put(f"{uuid}/manifest.json", b"{}")
        await store.put(f"{uuid}/chunks/000000.bin", b"chunk")
    try:
        with caplog.at_level(logging.INFO, "cobrowse.recording"):
            assert await recordings.purge_expired() == [OLD]
        assert await store.list(f"{OLD}/") == [] and not (tmp_path / "store" / OLD).exists()
        assert len(await store.list(f"{NEW}/")) == 2
        assert [r["uuid"] for r in await history.list_recordings()] == [NEW]
        assert f"recording {OLD}: deleted (2 objects)" in caplog.text
        assert await recordings.purge_expired() == []
    finally:
        await history.close()
