"""Recordings on an S3-compatible object store (moto's server mode on a free port), as a cluster
keeps them: a session recorded there holds no byte of a masked value, reads back whole through
the API, and verify checks it from the command line."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator

import boto3
import pytest
from playwright.sync_api import Page

from mirror.testing import Cobrowse
from mirror.testing.processes import ChildProcess
from mirror.testing.server import free_port, started_server
from mirror.testing.session import needles
from tests.conftest import TEST_CONFIG
from tests.e2e.test_recording import (
    CARD,
    SUPERVISOR_KEY,
    Recorded,
    api,
    cli,
    ended_recording,
)
from tests.services import s3_server
from tests.sites import FIXTURES

S3_ENV = {
    "AWS_ACCESS_KEY_ID": "recording-tests",
    "AWS_SECRET_ACCESS_KEY": "recording-tests-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def on_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Recorded, str]]:
    folder, port = tmp_path_factory.mktemp("recorded-s3"), free_port()
    bucket = f"recordings-{uuid.uuid4().hex[:12]}"
    config = (
        f"""
[server]
allowed_origins = ["http://127.0.0.1:{port}"]
supervisor_keys = ["{SUPERVISOR_KEY}"]

[recording]
enabled = true
store = "s3://{bucket}/cobrowse"
"""
        + TEST_CONFIG
    )
    with s3_server() as s3, pytest.MonkeyPatch.context() as env:
        s3.create_bucket(bucket)
        # The server's process, this test and the command line take the store's from these.
        for name, value in {**S3_ENV, "AWS_ENDPOINT_URL": s3.endpoint}.items():
            env.setenv(name, value)
        with started_server(config, folder) as server:
            args = ["site", str(FIXTURES), "--port", str(port), "--server", server.url]
            with ChildProcess(args) as site:
                yield Recorded(server, site.url, folder / "unused"), bucket


def objects(bucket: str) -> dict[str, bytes]:
    client = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def test_a_session_recorded_on_s3_reads_back_and_verifies(
    page: Page, on_s3: tuple[Recorded, str]
) -> None:
    recorded, bucket = on_s3
    page.goto(f"{recorded.site}/shop/checkout.html")
    session = Cobrowse(recorded.server).start(page)
    session.join()
    page.locator("#cc-number").press_sequentially(CARD)
    session.agent_fill("#firstName", "Alice")
    session.end()
    recording = ended_recording(recorded, session.uuid)["uuid"]
    endpoint = json.loads(api(f"{recorded.server.url}/api/recordings/{recording}")[1])
    assert endpoint["damaged"] == [] and endpoint["chunks"]
    stored = objects(bucket)
    assert f"cobrowse/{recording}/manifest.json" in stored
    assert any(key.endswith(".bin") for key in stored)
    for key, data in stored.items():
        assert not any(needle in data for needle in needles(CARD)), key
    verified = cli(recorded, "verify", recording)
    assert verified.returncode == 0, verified.stdout + verified.stderr
