"""A cluster's faults that need no browser: a Redis that cannot be reached at start-up, a node
whose configuration differs from the cluster's, and a cluster with no room left."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from mirror.cluster.services import Redis, free_port, redis_server
from mirror.testing.processes import ChildProcess
from mirror.wire import CLOSE_BUSY
from tests.aio import in_thread
from tests.wsclient import closed_with, open_customer, receive_json

FULL = "[cluster]\nmax_mirrors = 1\n"


@pytest.fixture(scope="module")
def redis() -> Iterator[Redis]:
    with redis_server() as server:
        yield server


def serve_args(redis_url: str, config: Path, name: str, folder: Path) -> list[str]:
    db = f"sqlite:///{folder / 'history.db'}"
    return ["serve", "--port", "0", "--redis", redis_url, "--node", name, "--db", db,
            "--config", str(config)]  # fmt: skip


def run_to_exit(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mirror", *args], capture_output=True, text=True, timeout=120
    )


def test_an_unreachable_redis_stops_start_up(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    config = tmp_path / "c.toml"
    config.write_text("")
    result = run_to_exit(serve_args(url, config, "lonely", tmp_path))
    assert result.returncode == 2
    assert f"cannot reach Redis at {url}" in result.stderr


def test_a_node_with_other_masking_refuses_to_join(redis: Redis, tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.toml", tmp_path / "theirs.toml"
    ours.write_text('[masking]\nhidden = ["input[type=password]"]\n')
    theirs.write_text('[masking]\nhidden = ["input[type=password]", "#ssn"]\n')
    with ChildProcess(serve_args(redis.url, ours, "first", tmp_path), 90):
        result = run_to_exit(serve_args(redis.url, theirs, "second", tmp_path))
    assert result.returncode == 2
    assert "configuration differs" in result.stderr and "masking.hidden" in result.stderr


def test_a_full_cluster_says_busy_and_harms_no_session(redis: Redis, tmp_path: Path) -> None:
    """Two nodes of one session each: a third customer is told co-browse is busy, and the two
    sessions go on."""
    config = tmp_path / "full.toml"
    config.write_text(FULL)
    args = {name: serve_args(redis.url, config, name, tmp_path) for name in ("full-1", "full-2")}
    first, second = (ChildProcess(a, 90, log_file=tmp_path / f"{n}.log") for n, a in args.items())
    with first, second:
        _three_customers(first.url, second.url)


@in_thread
async def _three_customers(first: str, second: str) -> None:
    async with aiohttp.ClientSession() as http:
        one, info_one = await open_customer(http, first)
        two, info_two = await open_customer(http, first)  # Placed on the other node.
        assert info_one["type"] == info_two["type"] == "session"
        three, refused = await open_customer(http, second)
        assert refused["type"] == "error" and "busy" in refused["detail"]
        assert (await closed_with(three))[0] == CLOSE_BUSY
        for url in (first, second):
            async with http.get(f"{url}/healthz") as response:
                assert (await response.json())["live_sessions"] == 2
        await one.send_json({"v": 1, "type": "exit"})
        assert (await receive_json(one))["state"] == "ended"
        await two.close()
