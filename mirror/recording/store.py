"""Where recordings are kept: a local directory (one machine) or an S3-compatible bucket (a
cluster, :mod:`mirror.recording.s3`). A store holds opaque objects by key; keys are
``/``-separated paths such as ``UUID/chunks/000001.bin``."""

from __future__ import annotations

import asyncio
import builtins
import os
import shutil
import tempfile
from pathlib import Path
from typing import Protocol

from mirror.errors import CobrowseError


class StoreError(CobrowseError):
    """The store cannot be written or read now (full disk, unreachable bucket, no permission)."""


class StoreMissing(StoreError):
    """No object has that key."""


class Store(Protocol):
    """An object store. Every method raises StoreError when the store fails."""

    async def put(self, key: str, data: bytes) -> None:
        """Write ``data`` at ``key``, replacing any object there; a reader sees the old object
        or the new one, never a part."""
        ...

    async def get(self, key: str) -> bytes:
        """The object at ``key``; raises StoreMissing when there is none."""
        ...

    async def list(self, prefix: str) -> list[str]:
        """The keys that start with ``prefix``, sorted."""
        ...

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with ``prefix``; how many there were."""
        ...

    def describe(self) -> str:
        """Where the objects are, for logs (never a credential)."""
        ...


def checked_key(key: str) -> str:
    """``key`` if it is a relative ``/``-separated path without empty, ``.`` or ``..`` parts."""
    parts = key.split("/")
    if not key or any(part in ("", ".", "..") for part in parts) or key.startswith("/"):
        raise ValueError(f"not a store key: {key!r}")
    return key


class BlockingStore:
    """A store whose work is blocking calls (files, boto3), each run in a worker thread so that
    the event loop never waits on a disk or a network."""

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, checked_key(key), data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, checked_key(key))

    async def list(self, prefix: str) -> list[str]:
        return await asyncio.to_thread(self._list, prefix)

    async def delete_prefix(self, prefix: str) -> int:
        return await asyncio.to_thread(self._delete_prefix, prefix)

    def _put(self, key: str, data: bytes) -> None:
        raise NotImplementedError

    def _get(self, key: str) -> bytes:
        raise NotImplementedError

    def _list(self, prefix: str) -> builtins.list[str]:
        raise NotImplementedError

    def _delete_prefix(self, prefix: str) -> int:
        raise NotImplementedError


class DirectoryStore(BlockingStore):
    """Objects as files under ``root``; a write goes to a temporary file renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return str(self.root)

    def _put(self, key: str, data: bytes) -> None:
        path = self.root / key
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(data)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc

    def _get(self, key: str) -> bytes:
        path = self.root / key
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise StoreMissing(f"no object {key!r} in {self.root}") from None
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc

    def _list(self, prefix: str) -> builtins.list[str]:
        # Walk only the folder the prefix names (its part up to the last slash).
        folder = prefix.rpartition("/")[0]
        base = self.root / folder if folder else self.root
        if not base.is_dir():
            if base.exists() or (self.root.exists() and not self.root.is_dir()):
                raise StoreError(f"cannot list {base}: not a directory")
            return []
        try:
            files = [p for p in base.rglob("*") if p.is_file() and not p.name.startswith(".")]
        except OSError as exc:
            raise StoreError(f"cannot list {base}: {exc.strerror or exc}") from exc
        keys = (p.relative_to(self.root).as_posix() for p in files)
        return sorted(k for k in keys if k.startswith(prefix))

    def _delete_prefix(self, prefix: str) -> int:
        keys = self._list(prefix)
        try:
            for key in keys:
                (self.root / key).unlink(missing_ok=True)
            folder = prefix.rstrip("/")
            if folder and prefix.endswith("/") and (self.root / folder).is_dir():
                shutil.rmtree(self.root / folder, ignore_errors=True)
        except OSError as exc:
            raise StoreError(f"cannot delete under {self.root}: {exc.strerror or exc}") from exc
        return len(keys)
