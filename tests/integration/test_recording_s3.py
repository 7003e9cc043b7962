"""The S3 store against a real S3 API (moto's server on a free port): objects kept under the
store's prefix, listed and deleted page by page, and every failure of the store (no bucket, no
server, a server that never answers) a StoreError that names the bucket and no credential."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from mirror.recording.s3 import S3Store
from mirror.recording.store import StoreError, StoreMissing
from tests.aio import in_thread
from tests.services import S3Server, s3_server

ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-never-shown"
# Far beyond the store's own timeouts and retries: reaching it means the store hung.
HANG_GUARD_S = 60.0


@pytest.fixture(scope="module")
def server() -> Iterator[S3Server]:
    with s3_server() as s3:
        yield s3


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials through boto3's own chain; no profile or file of this machine counts."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def bucket(server: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket for each test, on the endpoint the environment names."""
    name = f"test-{uuid.uuid4().hex}"
    server.create_bucket(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", server.endpoint)
    return name


def assert_names_no_credential(error: StoreError) -> None:
    assert ACCESS_KEY not in str(error)
    assert SECRET_KEY not in str(error)


def test_objects_round_trip_under_the_prefix(bucket: str) -> None:
    _round_trip(bucket)


@in_thread
async def _round_trip(bucket: str) -> None:
    store = S3Store.from_url(f"s3://{bucket}/recordings/")
    objects = {"b/chunks/000002.bin": b"\x00two", "b/chunks/000001.bin": b"one", "a/manifest": b"m"}
    for key, data in objects.items():
        await store.put(key, data)
    assert {key: await store.get(key) for key in objects} == objects
    assert await store.list("") == sorted(objects)
    assert await store.list("b/") == ["b/chunks/000001.bin", "b/chunks/000002.bin"]
    assert await store.list("b/chunks/000002") == ["b/chunks/000002.bin"]
    # The objects are in the bucket under the prefix, and the prefix keeps others apart.
    whole_bucket = S3Store.from_url(f"s3://{bucket}")
    assert await whole_bucket.list("") == [f"recordings/{key}" for key in sorted(objects)]
    assert await S3Store.from_url(f"s3://{bucket}/other").list("") == []


def test_a_put_replaces_the_object(bucket: str) -> None:
    _replace(bucket)


@in_thread
async def _replace(bucket: str) -> None:
    store = S3Store.from_url(f"s3://{bucket}/p")
    await store.put("uuid/manifest", b"first, longer version")
    await store.put("uuid/manifest", b"second")
    assert await store.get("uuid/manifest") == b"second"
    assert await store.list("uuid/") == ["uuid/manifest"]


def test_an_absent_key_is_missing(bucket: str) -> None:
    _absent(bucket)


@in_thread
async def _absent(bucket: str) -> None:
    store = S3Store.from_url(f"s3://{bucket}/p")
    await store.put("uuid/chunks/000001.bin", b"x")
    with pytest.raises(StoreMissing, match="uuid/chunks/000002.bin"):
        await store.get("uuid/chunks/000002.bin")
    assert await store.list("other/") == []
    assert await store.delete_prefix("other/") == 0


def test_bad_keys_are_refused_before_any_request(bucket: str) -> None:
    _bad_keys(bucket)


@in_thread
async def _bad_keys(bucket: str) -> None:
    store = S3Store.from_url(f"s3://{bucket}/p")
    for key in ("../x", "/abs", "a//b", ""):
        with pytest.raises(ValueError):
            await store.put(key, b"x")
        with pytest.raises(ValueError):
            await store.get(key)
    assert await store.list("") == []


def test_listing_and_deleting_go_page_by_page(bucket: str, server: S3Server) -> None:
    # The server honours the page size, so a full answer below took several pages.
    client = boto3.session.Session().client("s3", endpoint_url=server.endpoint)
    for n in range(3):
        client.put_object(Bucket=bucket, Key=f"probe/{n}", Body=b"")
    assert client.list_objects_v2(Bucket=bucket, Prefix="probe/", MaxKeys=2)["IsTruncated"]
    client.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": f"probe/{n}"} for n in range(3)]}
    )
    _paged(bucket, server.endpoint)


@in_thread
async def _paged(bucket: str, endpoint: str) -> None:
    store = S3Store(bucket, "rec", endpoint_url=endpoint, page_size=2)
    keys = [f"uuid/chunks/{n:06d}.bin" for n in range(7)]
    for key in reversed(keys):
        await store.put(key, key.encode())
    await store.put("uuid-other/manifest", b"kept")
    assert await store.list("uuid/") == keys
    assert await store.delete_prefix("uuid/") == len(keys)  # In batches of two.
    assert await store.list("") == ["uuid-other/manifest"]
    assert await store.get("uuid-other/manifest") == b"kept"


def test_a_missing_bucket_is_a_store_error_not_a_missing_key(bucket: str) -> None:
    _no_bucket(f"{bucket}-absent")


@in_thread
async def _no_bucket(absent: str) -> None:
    store = S3Store.from_url(f"s3://{absent}/p")
    async with asyncio.timeout(HANG_GUARD_S):
        with pytest.raises(StoreError, match="NoSuchBucket") as got:
            await store.get("uuid/manifest")
        assert not isinstance(got.value, StoreMissing)
        with pytest.raises(StoreError, match=f"PutObject of 'uuid/manifest' in bucket '{absent}'"):
            await store.put("uuid/manifest", b"x")
    assert_names_no_credential(got.value)


def test_a_stopped_server_is_a_store_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with s3_server() as stopped:
        stopped.create_bucket("recordings")
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", stopped.endpoint)
        store = S3Store.from_url("s3://recordings/p")
        _put_and_get(store)
    _fails_unreachable(store)


@in_thread
async def _put_and_get(store: S3Store) -> None:
    await store.put("uuid/manifest", b"m")
    assert await store.get("uuid/manifest") == b"m"


@in_thread
async def _fails_unreachable(store: S3Store) -> None:
    async with asyncio.timeout(HANG_GUARD_S):
        with pytest.raises(StoreError, match="PutObject .* in bucket 'recordings'") as got:
            await store.put("uuid/manifest", b"m")
        assert not isinstance(got.value, StoreMissing)
        with pytest.raises(StoreError, match="ListObjectsV2 .* in bucket 'recordings'"):
            await store.list("uuid/")
    assert_names_no_credential(got.value)


def test_a_server_that_never_answers_is_a_store_error() -> None:
    # A listening socket nobody accepts on: connections open, no answer ever comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
        _unanswered(S3Store("recordings", endpoint_url=endpoint, read_timeout_s=0.5))


@in_thread
async def _unanswered(store: S3Store) -> None:
    async with asyncio.timeout(HANG_GUARD_S):
        with pytest.raises(StoreError, match="GetObject of 'uuid/manifest' in bucket 'recordings'"):
            await store.get("uuid/manifest")


def test_the_description_names_the_endpoint_host_only(bucket: str, server: S3Server) -> None:
    store = S3Store.from_url(f"s3://{bucket}/rec")
    assert store.describe() == f"s3://{bucket}/rec at 127.0.0.1:{server.port}"
    secret_endpoint = f"http://user:{SECRET_KEY}@127.0.0.1:{server.port}"
    assert SECRET_KEY not in S3Store(bucket, endpoint_url=secret_endpoint).describe()
