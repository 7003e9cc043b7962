"""Recordings in an S3-compatible bucket, which every node of a cluster can reach: the
:class:`~mirror.recording.store.Store` protocol over boto3, its blocking calls run in threads.
Credentials and region come from boto3's own chain (``AWS_ACCESS_KEY_ID``...), never from the
configuration file; ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL`` names a store other than AWS."""

from __future__ import annotations

import builtins
import contextlib
import os
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from mirror.recording.store import BlockingStore, StoreError, StoreMissing, checked_key

# A live session writes a chunk every few seconds and must learn within seconds that the store is
# down, not after botocore's defaults (60 s timeouts, several retries): one retry, short waits.
CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 3.0
TOTAL_ATTEMPTS = 2
# S3's own maximum per ListObjectsV2 page and per DeleteObjects request.
PAGE_SIZE = 1000

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_URL_FORM = "s3://bucket or s3://bucket/prefix"


def configured_endpoint(environ: Mapping[str, str]) -> str | None:
    """The endpoint botocore itself takes from the environment, read here so that
    :meth:`S3Store.describe` can name it."""
    if environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return None
    return environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL") or None


class S3Store(BlockingStore):
    """Objects in ``bucket`` under ``prefix/``; each method raises StoreError naming the bucket
    and the operation when S3 fails, and StoreMissing for an absent key."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        page_size: int = PAGE_SIZE,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        read_timeout_s: float = READ_TIMEOUT_S,
    ) -> None:
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {PAGE_SIZE}")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.page_size = page_size
        self._config = _client_config(endpoint_url, connect_timeout_s, read_timeout_s)
        self._lock = threading.Lock()
        self._s3: Any = None

    @classmethod
    def from_url(cls, url: str) -> S3Store:
        """``s3://bucket`` or ``s3://bucket/some/prefix``, with the endpoint of the environment."""
        bucket, prefix = parse_url(url)
        return cls(bucket, prefix, endpoint_url=configured_endpoint(os.environ))

    def describe(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
        if self.endpoint_url is None:
            return where
        # Host and port only: an endpoint URL may carry user information.
        parts = urlsplit(self.endpoint_url)
        host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
        return f"{where} at {host}"

    def _object(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _client(self) -> Any:
        # boto3 clients are thread-safe once made; making one is not, hence a session of its own
        # under a lock.
        with self._lock:
            if self._s3 is None:
                session = boto3.session.Session()
                self._s3 = session.client("s3", endpoint_url=self.endpoint_url, config=self._config)
            return self._s3

    @contextlib.contextmanager
    def _failures(self, operation: str, target: str) -> Iterator[None]:
        """botocore's exceptions as the store's: their messages name no credential."""
        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code", "unknown")
            if code == "NoSuchKey":
                raise StoreMissing(f"no object {target!r} in {self.describe()}") from None
            detail = f"{code}: {error.get('Message', '')}".rstrip(": ")
            raise StoreError(self._failed(operation, target, detail)) from exc
        except (BotoCoreError, ValueError) as exc:
            # ValueError: botocore's word for an endpoint URL it cannot use.
            raise StoreError(self._failed(operation, target, str(exc))) from exc

    def _failed(self, operation: str, target: str, detail: str) -> str:
        return f"S3 {operation} of {target!r} in bucket {self.bucket!r} failed: {detail}"

    def _put(self, key: str, data: bytes) -> None:
        with self._failures("PutObject", key):
            self._client().put_object(Bucket=self.bucket, Key=self._object(key), Body=data)

    def _get(self, key: str) -> bytes:
        with self._failures("GetObject", key):
            response = self._client().get_object(Bucket=self.bucket, Key=self._object(key))
            data: bytes = response["Body"].read()
            return data

    def _list(self, prefix: str) -> builtins.list[str]:
        start = len(self._object(""))
        keys: builtins.list[str] = []
        with self._failures("ListObjectsV2", prefix):
            pages = (
                self._client()
                .get_paginator("list_objects_v2")
                .paginate(
                    Bucket=self.bucket,
                    Prefix=self._object(prefix),
                    PaginationConfig={"PageSize": self.page_size},
                )
            )
            for page in pages:
                keys.extend(item["Key"][start:] for item in page.get("Contents", ()))
        return sorted(keys)

    def _delete_prefix(self, prefix: str) -> int:
        keys = self._list(prefix)
        for first in range(0, len(keys), self.page_size):
            self._delete_batch(prefix, keys[first : first + self.page_size])
        return len(keys)

    def _delete_batch(self, prefix: str, keys: builtins.list[str]) -> None:
        objects = [{"Key": self._object(key)} for key in keys]
        with self._failures("DeleteObjects", prefix):
            response = self._client().delete_objects(
                Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
            )
        # DeleteObjects answers 200 even when some keys could not be deleted.
        errors = response.get("Errors", [])
        if errors:
            code = errors[0].get("Code", "unknown")
            detail = f"{len(errors)} of {len(keys)} objects not deleted ({code})"
            raise StoreError(self._failed("DeleteObjects", prefix, detail))


def parse_url(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` as (bucket, prefix); ValueError saying what is wrong."""
    if "@" in url:
        # Credentials do not belong in the URL; do not repeat them in the message either.
        raise ValueError(f"an S3 store URL names no credentials: use {_URL_FORM}")
    parts = urlsplit(url)
    if parts.scheme != "s3" or parts.query or parts.fragment:
        raise ValueError(f"not an S3 store URL: {url!r} (expected {_URL_FORM})")
    if not _BUCKET.fullmatch(parts.netloc):
        raise ValueError(
            f"not an S3 bucket name: {parts.netloc!r} in {url!r} "
            "(3 to 63 lowercase letters, digits, dots or hyphens)"
        )
    prefix = parts.path.removeprefix("/").removesuffix("/")
    if prefix:
        try:
            checked_key(prefix)
        except ValueError:
            raise ValueError(f"not an S3 key prefix: {prefix!r} in {url!r}") from None
    return parts.netloc, prefix


def _client_config(endpoint_url: str | None, connect_s: float, read_s: float) -> Config:
    checksums: dict[str, str] = {}
    if endpoint_url is not None:
        # Stores other than AWS (older MinIO, Ceph, GCS) refuse the checksums boto3 adds by
        # default since 1.36; send them only where the API requires them.
        checksums = {
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
        }
    return Config(
        connect_timeout=connect_s,
        read_timeout=read_s,
        retries={"total_max_attempts": TOTAL_ATTEMPTS, "mode": "standard"},
        **checksums,
    )
