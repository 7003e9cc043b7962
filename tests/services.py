"""Real servers for the tests that need them: PostgreSQL and Redis, each started on a free
loopback port in a temporary directory and stopped afterwards. ``make setup`` installs them from
Debian; a missing one fails the test that needs it with the package to install."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary(name: str, package: str, extra_dirs: tuple[Path, ...] = ()) -> str:
    for folder in extra_dirs:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise RuntimeError(f"{name} not found: install Debian's {package} (make setup does)")
    return found


def _wait_for_port(port: int, process: subprocess.Popen[bytes] | None, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited at start ({process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)  # ok-sleep: polling a server's start, bounded by the deadline.
    raise RuntimeError(f"{what} did not accept connections on port {port}")


# -- PostgreSQL ------------------------------------------------------------------------------


def _postgres_bin() -> tuple[Path, ...]:
    """Debian keeps the server's programs per version, off the PATH: the newest first."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name)
    return tuple(versions[::-1])


@dataclass(frozen=True)
class Postgres:
    port: int
    user: str = "cobrowse"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        name = f"t{os.urandom(6).hex()}"
        psql = _binary("psql", "postgresql-client", _postgres_bin())
        subprocess.run(
            [psql, self.url(), "-q", "-c", f"CREATE DATABASE {name}"],
            check=True,
            capture_output=True,
        )
        return self.url(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[Postgres]:
    """initdb and a server on a free port; as root, both run as the ``postgres`` user, since
    initdb refuses root."""
    bins = _postgres_bin()
    initdb, pg_ctl = _binary("initdb", "postgresql", bins), _binary("pg_ctl", "postgresql", bins)
    folder = Path(tempfile.mkdtemp(prefix="cobrowse-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", free_port()
    try:
        init = [initdb, "-D", str(data), "-A", "trust", "-U", "cobrowse"]
        subprocess.run([*as_user, *init], check=True, capture_output=True)
        options = f"-p {port} -h 127.0.0.1 -k {folder} -c fsync=off"
        start = [pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]
        subprocess.run([*as_user, *start], check=True, capture_output=True)
        _wait_for_port(port, None, "postgres")
        yield Postgres(port)
    finally:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            subprocess.run(
                [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                check=True,
            )
        shutil.rmtree(folder, ignore_errors=True)


# -- Redis -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redis:
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@contextlib.contextmanager
def redis_server() -> Iterator[Redis]:
    binary = _binary("redis-server", "redis-server")
    folder, port = Path(tempfile.mkdtemp(prefix="cobrowse-redis-")), free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    args += ["--save", "", "--appendonly", "no", "--protected-mode", "yes"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process, "redis-server")
        yield Redis(port)
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        if process.poll() is None:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)
