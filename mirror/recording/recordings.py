"""The server's recordings: a recorder for each session whose agent joins (when recording is
on), the index of recordings in the history store, erasure, and the retention job."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mirror.config import RecordingConfig
from mirror.errors import ConfigError
from mirror.history import HistoryStore
from mirror.recording.manifest import Manifest
from mirror.recording.recorder import OnWriting, Recorder
from mirror.recording.store import DirectoryStore, Store, StoreError

log = logging.getLogger("cobrowse.recording")

RETENTION_EVERY_S = 3600.0


def default_root(db: str) -> Path:
    """``recordings`` beside an SQLite database, or in the working directory."""
    if db.startswith("sqlite:///"):
        return Path(db.removeprefix("sqlite:///")).resolve().parent / "recordings"
    return Path("recordings").resolve()


def open_store(spec: str, default: Path) -> Store:
    """``[recording] store``: ``s3://bucket/prefix`` or a directory path; empty is ``default``."""
    if spec.startswith("s3://"):
        from mirror.recording.s3 import S3Store  # boto3 loads only for a bucket.

        return S3Store.from_url(spec)
    return DirectoryStore(Path(spec) if spec else default)


class Recordings:
    """The recordings this node writes and serves (sessions are recorded only with
    ``[recording] enabled``; the store is read either way, for playback)."""

    def __init__(
        self, config: RecordingConfig, store: Store, history: HistoryStore, node: str
    ) -> None:
        self.config, self.store, self.history, self.node = config, store, history, node

    @classmethod
    def open(cls, config: RecordingConfig, db: str, history: HistoryStore, node: str) -> Recordings:
        try:
            store = open_store(config.store, default_root(db))
        except ValueError as exc:  # An s3:// URL that names no bucket one could have.
            raise ConfigError(f"recording.store: {exc}") from None
        return cls(config, store, history, node)

    def start(self, session_uuid: str, on_writing: OnWriting) -> Recorder:
        """A new recording of the session on this node, already writing."""
        manifest = Manifest(uuid=str(uuid.uuid4()), session=session_uuid, node=self.node)
        recorder = Recorder(self.store, manifest, on_writing, self._index)
        recorder.start()
        log.info(
            "session %s: recording %s to %s", session_uuid, manifest.uuid, self.store.describe()
        )
        return recorder

    async def _index(self, manifest: Manifest) -> None:
        ended = manifest.ended_at is not None
        await self.history.index_recording(
            uuid=manifest.uuid,
            session_uuid=manifest.session,
            node=manifest.node,
            state="ended" if ended else "recording",
            started_at=datetime.fromisoformat(manifest.started_at),
            ended_at=datetime.fromisoformat(manifest.ended_at) if manifest.ended_at else None,
            end_reason=manifest.end_reason,
            duration=manifest.duration,
            chunks=len(manifest.chunks),
            bytes=manifest.size,
            head=manifest.head,
        )

    async def delete(self, recording_uuid: str) -> int:
        """Erase a recording: its objects in the store, then its index row. How many objects
        were deleted; raises StoreError if the store fails (the index row stays, so a retry
        finds it)."""
        count = await self.store.delete_prefix(f"{recording_uuid}/")
        await self.history.forget_recording(recording_uuid)
        return count

    async def purge_expired(self) -> list[str]:
        """Delete the recordings older than ``retention_days``; their UUIDs."""
        before = datetime.now(UTC) - timedelta(days=self.config.retention_days)
        deleted = []
        for recording_uuid in await self.history.expired_recordings(before):
            try:
                count = await self.delete(recording_uuid)
            except StoreError as exc:
                log.warning("recording %s: not deleted yet: %s", recording_uuid, exc)
                continue
            log.info(
                "recording %s: deleted (%d objects), older than the retention of %g days",
                recording_uuid,
                count,
                self.config.retention_days,
            )
            deleted.append(recording_uuid)
        return deleted

    async def keep_retention(self) -> None:
        """The retention job: at start-up, then every hour."""
        while True:
            try:
                await self.purge_expired()
            except Exception:
                log.exception("recordings: the retention job failed; it runs again in an hour")
            await asyncio.sleep(RETENTION_EVERY_S)
