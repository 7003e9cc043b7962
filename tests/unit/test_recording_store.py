"""The directory store on real files in ``tmp_path`` (objects by key, listed and deleted by
prefix, keys that would leave the root refused, a root that cannot be a directory a StoreError),
and the ``s3://bucket/prefix`` form of ``[recording] store``, read without reaching S3."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.recording.s3 import S3Store
from mirror.recording.store import DirectoryStore, StoreError, StoreMissing
from tests.aio import in_thread

KEYS = ["a/chunks/000001.bin", "a/chunks/000002.bin", "a/manifest", "ab/manifest", "b/manifest"]
BAD_KEYS = ["../x", "/abs", "a//b", "a/../b", "a/./b", "a/", ""]


def test_objects_round_trip_and_list_by_prefix(tmp_path: Path) -> None:
    _round_trip(DirectoryStore(tmp_path / "recordings"))


@in_thread
async def _round_trip(store: DirectoryStore) -> None:
    for key in reversed(KEYS):
        await store.put(key, key.encode())
    assert [await store.get(key) for key in KEYS] == [key.encode() for key in KEYS]
    assert await store.list("") == KEYS
    assert await store.list("a/") == KEYS[:3]
    assert await store.list("a") == KEYS[:4]
    assert await store.list("a/chunks/000002") == ["a/chunks/000002.bin"]
    assert await store.list("c/") == []


def test_a_put_replaces_the_object_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    _replace(DirectoryStore(tmp_path))


@in_thread
async def _replace(store: DirectoryStore) -> None:
    await store.put("a/manifest", b"first, longer version")
    await store.put("a/manifest", b"second")
    assert await store.get("a/manifest") == b"second"
    assert sorted(p.name for p in (store.root / "a").iterdir()) == ["manifest"]


def test_an_absent_key_is_missing(tmp_path: Path) -> None:
    _absent(DirectoryStore(tmp_path))


@in_thread
async def _absent(store: DirectoryStore) -> None:
    with pytest.raises(StoreMissing, match="a/manifest"):
        await store.get("a/manifest")


def test_deleting_a_prefix_counts_what_it_removed(tmp_path: Path) -> None:
    _delete(DirectoryStore(tmp_path))


@in_thread
async def _delete(store: DirectoryStore) -> None:
    for key in KEYS:
        await store.put(key, b"x")
    assert await store.delete_prefix("a/") == 3
    assert await store.list("") == ["ab/manifest", "b/manifest"]
    assert not (store.root / "a").exists()
    assert await store.delete_prefix("a/") == 0


@pytest.mark.parametrize("key", BAD_KEYS)
def test_a_key_that_is_not_a_plain_path_is_refused(tmp_path: Path, key: str) -> None:
    _refused(DirectoryStore(tmp_path / "recordings"), key)


@in_thread
async def _refused(store: DirectoryStore, key: str) -> None:
    with pytest.raises(ValueError, match="not a store key"):
        await store.put(key, b"x")
    with pytest.raises(ValueError, match="not a store key"):
        await store.get(key)
    assert not store.root.exists()


def test_a_root_that_is_a_file_is_a_store_error(tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    root.write_bytes(b"not a folder")
    _unusable(DirectoryStore(root))


@in_thread
async def _unusable(store: DirectoryStore) -> None:
    with pytest.raises(StoreError, match="cannot write"):
        await store.put("a/manifest", b"x")
    with pytest.raises(StoreError, match="cannot read") as got:
        await store.get("a/manifest")
    assert not isinstance(got.value, StoreMissing)


def test_an_s3_url_names_the_bucket_the_prefix_and_the_endpoint_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://elsewhere:9000")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://user:secret@minio.internal:9000")
    store = S3Store.from_url("s3://my-bucket/cobrowse/recordings/")
    assert (store.bucket, store.prefix) == ("my-bucket", "cobrowse/recordings")
    assert store.describe() == "s3://my-bucket/cobrowse/recordings at minio.internal:9000"
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    assert S3Store.from_url("s3://my-bucket").describe() == "s3://my-bucket at elsewhere:9000"
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    assert S3Store.from_url("s3://my.bucket/p").describe() == "s3://my.bucket/p"


@pytest.mark.parametrize(
    "url",
    [
        "s3://",
        "s3:///prefix",
        "s3://My_Bucket/prefix",
        "s3://ab",
        "s3://bucket:9000/prefix",
        "s3://bucket/a//b",
        "s3://bucket/../b",
        "s3://bucket/p?versionId=1",
        "s3://bucket/p#part",
    ],
)
def test_a_bad_s3_url_is_refused_saying_why(url: str) -> None:
    with pytest.raises(ValueError, match="not an S3"):
        S3Store.from_url(url)


def test_credentials_in_an_s3_url_are_refused_and_not_repeated() -> None:
    with pytest.raises(ValueError, match="no credentials") as got:
        S3Store.from_url("s3://AKIAEXAMPLE:hunter2@bucket/prefix")
    assert "hunter2" not in str(got.value)
